"""ganeti.uidpool: parsing, formatting, and handing out unused uids."""

import os

import pytest

from ganeti import errors, uidpool


def test_parse_and_format():
    pool = uidpool.ParseUidPool("2000, 1000-1009,3000-3000")
    assert pool == [(1000, 1009), (2000, 2000), (3000, 3000)]
    text = uidpool.FormatUidPool(pool)
    assert text == "1000-1009, 2000, 3000"
    assert uidpool.ParseUidPool(text) == pool
    assert uidpool.ParseUidPool(uidpool.FormatUidPool(pool, "\n"), separator="\n") == pool
    assert uidpool.ParseUidPool("") == []


@pytest.mark.parametrize("bad", ["abc", "10-5", "1-2-3", "-5", str(2 ** 32)])
def test_parse_errors(bad):
    with pytest.raises(errors.OpPrereqError) as err:
        uidpool.ParseUidPool(bad)
    assert err.value.args[1] == errors.ECODE_INVAL


def test_add_remove_expand():
    pool = uidpool.AddToUidPool([(1, 3)], [(10, 11), (1, 3)])
    assert pool == [(1, 3), (10, 11)]
    assert uidpool.ExpandUidPool(pool) == [1, 2, 3, 10, 11]
    assert uidpool.RemoveFromUidPool(pool, [(1, 3)]) == [(10, 11)]
    with pytest.raises(errors.OpPrereqError):
        uidpool.RemoveFromUidPool(pool, [(2, 2)])


def test_check():
    uidpool.CheckUidPool([[1, 2], (3, 3)])
    for bad in ([[2, 1]], [[1]], "x", [["a", "b"]]):
        with pytest.raises(errors.OpPrereqError):
            uidpool.CheckUidPool(bad)


@pytest.fixture
def lockdir(tmp_path, monkeypatch):
    monkeypatch.setattr(uidpool.pathutils, "UIDPOOL_LOCKDIR", str(tmp_path / "uid-pool"))
    return tmp_path / "uid-pool"


def test_request_skips_uids_in_use_and_locked(lockdir):
    in_use = os.getuid()
    free = 3999999
    first = uidpool.RequestUnusedUid([in_use, free])
    assert first.GetUid() == free, "a uid some process runs as is never handed out"
    with pytest.raises(errors.OpPrereqError) as err:
        uidpool.RequestUnusedUid([in_use, free])
    assert err.value.args[1] == errors.ECODE_NORES, "a locked uid is not handed out twice"
    first.Unlock()
    assert (lockdir / str(free)).exists(), "the lock file stays until ReleaseUid"
    uidpool.ReleaseUid(first)
    assert not (lockdir / str(free)).exists()


def test_exec_with_unused_uid(lockdir):
    got = []
    assert uidpool.ExecWithUnusedUid(lambda uid: got.append(uid) or "ok", [3999998]) == "ok"
    assert got == [3999998]

    def _Fail(uid):
        raise RuntimeError("start failed")

    with pytest.raises(RuntimeError):
        uidpool.ExecWithUnusedUid(_Fail, [3999998])
    assert not (lockdir / "3999998").exists(), "a failed start returns the uid"
