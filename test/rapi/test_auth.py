"""The RAPI users file: parsing, passwords, access flags and reloading."""

import hashlib
import os

import pytest

from ganeti.rapi import auth
from ganeti.utils import filewatch


def _Ha1(user, password):
    return hashlib.md5(("%s:Ganeti Remote API:%s" % (user, password)).encode()).hexdigest()


def test_parse_plain_cleartext_ha1_and_write():
    text = ("# comment\n\n"
            "jack abc123\n"
            "fred {cleartext}foo555\n"
            "auto xyz789 write\n"
            "jess {HA1}%s write\n"
            "   indented  {ha1}%s   \n" % (_Ha1("jess", "s3cret"), _Ha1("indented", "pw")))
    users, problems = auth.ParseUsers(text)
    assert problems == []
    assert sorted(users) == ["auto", "fred", "indented", "jack", "jess"]
    assert users["jack"].CheckPassword("abc123") and not users["jack"].CheckPassword("abc")
    assert users["fred"].CheckPassword("foo555")
    assert not users["fred"].CheckPassword("{cleartext}foo555")
    assert users["jess"].CheckPassword("s3cret") and not users["jess"].CheckPassword("x")
    assert users["indented"].CheckPassword("pw")
    assert users["auto"].can_write and users["jess"].can_write
    assert not users["jack"].can_write and not users["fred"].can_write


def test_ha1_is_bound_to_the_user_name():
    users, _ = auth.ParseUsers("other {HA1}%s\n" % _Ha1("jess", "s3cret"))
    assert not users["other"].CheckPassword("s3cret")


def test_bad_lines_are_skipped_and_reported():
    text = ("lonely\n"
            "too many fields here write\n"
            "ok pw write,read,bogus\n"
            "ok again\n")
    users, problems = auth.ParseUsers(text)
    assert sorted(users) == ["ok"]
    # the later definition wins, and it has no write access
    assert users["ok"].CheckPassword("again") and not users["ok"].can_write
    assert any("line 1" in p for p in problems)
    assert any("line 2" in p for p in problems)
    assert any("line 3" in p and "bogus" in p for p in problems)
    assert any("line 4" in p and "again" in p for p in problems)


def test_unknown_option_grants_nothing():
    users, problems = auth.ParseUsers("u pw admin\n")
    assert users["u"].options == frozenset() and problems


def test_missing_or_binary_file(tmp_path):
    assert auth.ReadUsersFile(str(tmp_path / "absent")) == {}
    path = tmp_path / "users"
    path.write_bytes(b"u \xff\xfepw write\n")
    users = auth.ReadUsersFile(str(path))
    assert users["u"].can_write


def test_authenticate(tmp_path):
    path = tmp_path / "users"
    path.write_text("w wpw write\nr rpw\n")
    users = auth.UsersFile(str(path))
    users.Load()
    assert users.Authenticate("w", "wpw").can_write
    assert users.Authenticate("r", "rpw") is not None
    assert users.Authenticate("r", "wpw") is None
    assert users.Authenticate("nobody", "x") is None


@pytest.mark.parametrize("use_inotify", [True, False])
def test_reload_on_change(tmp_path, use_inotify):
    if use_inotify and not filewatch.InotifyAvailable():
        pytest.skip("pyinotify is not importable here")
    path = tmp_path / "users"
    path.write_text("old pw write\n")
    users = auth.UsersFile(str(path))
    users.Load()
    users.StartWatching(use_inotify=use_inotify)
    try:
        # replaced by rename, as utils.WriteFile and editors do
        tmp = tmp_path / "users.new"
        tmp.write_text("new pw2\n")
        os.rename(tmp, path)
        assert users.WaitForLoad(2, timeout=10)
        assert users.Authenticate("old", "pw") is None
        assert users.Authenticate("new", "pw2") is not None
        # removing the file removes every user
        path.unlink()
        assert users.WaitForLoad(3, timeout=10)
        assert users.Authenticate("new", "pw2") is None
    finally:
        users.StopWatching()
