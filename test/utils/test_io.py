"""ganeti.utils.io: durable atomic writes and safe reads."""

import os

import pytest

from ganeti import errors, utils


def test_write_read_mode(tmp_path):
    path = str(tmp_path / "f")
    utils.WriteFile(path, "hello\n", mode=0o600)
    assert utils.ReadFile(path) == "hello\n"
    assert os.stat(path).st_mode & 0o777 == 0o600
    utils.WriteFile(path, b"\x00bin")
    assert utils.ReadFile(path, binary=True) == b"\x00bin"
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")], "no temp files left"


def test_failed_write_keeps_old_content(tmp_path):
    path = str(tmp_path / "f")
    utils.WriteFile(path, "old")

    def _Boom(fd):
        raise OSError("disk full")

    with pytest.raises(OSError):
        utils.WriteFile(path, "new", prewrite=_Boom)
    assert utils.ReadFile(path) == "old"
    assert os.listdir(tmp_path) == ["f"]


def test_backup_and_mkdir(tmp_path):
    path = str(tmp_path / "sub" / "f")
    utils.WriteFile(path, "one", mkdir=True)
    utils.WriteFile(path, "two", backup=True)
    backups = [f for f in os.listdir(tmp_path / "sub") if f.startswith("f.backup-")]
    assert len(backups) == 1
    assert utils.ReadFile(str(tmp_path / "sub" / backups[0])) == "one"


def test_one_line_file(tmp_path):
    path = str(tmp_path / "f")
    utils.WriteFile(path, "\n  42 \n")
    assert utils.ReadOneLineFile(path) == "42"
    utils.WriteFile(path, "1\n2\n")
    with pytest.raises(errors.GenericError):
        utils.ReadOneLineFile(path, strict=True)


def test_ensure_dirs_and_remove(tmp_path):
    target = str(tmp_path / "a" / "b")
    utils.EnsureDirs([(target, 0o700)])
    assert os.stat(target).st_mode & 0o777 == 0o700
    utils.RemoveFile(str(tmp_path / "missing"))
    with open(tmp_path / "file", "w"):
        pass
    with pytest.raises(errors.GenericError):
        utils.EnsureDirs([(str(tmp_path / "file"), 0o700)])
