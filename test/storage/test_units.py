"""The storage units framework: real file storage dirs and real loop-device VGs."""

from __future__ import annotations

import os

import pytest

from ganeti import constants, errors
from ganeti.storage import units

ALL_FIELDS = [constants.SF_NAME, constants.SF_SIZE, constants.SF_FREE, constants.SF_USED,
              constants.SF_ALLOCATABLE]
MIB = 1024 * 1024


def _Rows(rows, names):
    return {row[0]: row for row in rows if row[0] in names}


# --- file storage ----------------------------------------------------------------

def test_file_storage_listing(tmp_path):
    sdir = tmp_path / "file-storage"
    (sdir / "inst1").mkdir(parents=True)
    with open(sdir / "inst1" / "disk0", "wb") as fh:  # 100 MiB sparse, 3 MiB written
        fh.truncate(100 * MIB)
        fh.seek(10 * MIB)
        fh.write(b"\x5a" * (3 * MIB))
        fh.flush()
        os.fsync(fh.fileno())
    os.link(sdir / "inst1" / "disk0", sdir / "inst1" / "disk0.hardlink")  # counted once
    (row, ) = units.ListStorage(constants.ST_FILE, [[str(sdir)]], None, ALL_FIELDS)
    name, size, free, used, allocatable = row
    vfs = os.statvfs(str(sdir))
    assert name == os.path.realpath(str(sdir))
    assert size == vfs.f_blocks * vfs.f_frsize // MIB
    assert abs(free - vfs.f_bavail * vfs.f_frsize // MIB) <= 4
    assert 3 <= used <= 4
    assert allocatable is True


def test_file_storage_field_order_and_name_filter(tmp_path):
    dirs = [str(tmp_path / "b"), str(tmp_path / "a")]
    for d in dirs:
        os.mkdir(d)
    rows = units.ListStorage(constants.ST_FILE, [dirs], None,
                             [constants.SF_USED, constants.SF_NAME])
    assert [r[1] for r in rows] == sorted(os.path.realpath(d) for d in dirs)
    assert all(r[0] == 0 for r in rows)
    assert units.ListStorage(constants.ST_FILE, [dirs], dirs[0], [constants.SF_NAME]) == [
        [os.path.realpath(dirs[0])]]


def test_file_storage_dir_ops(tmp_path):
    sdir = str(tmp_path / "fs")
    os.mkdir(sdir)
    store = units.GetStorage(constants.ST_FILE, [sdir])
    made = store.CreateDir(os.path.join(sdir, "inst9"))
    assert os.path.isdir(made)
    store.RemoveDir(made)
    assert not os.path.exists(made)
    with pytest.raises(errors.FileStoragePathError):
        store.CreateDir(str(tmp_path / "elsewhere"))


def test_framework_refusals(tmp_path):
    with pytest.raises(errors.StorageError, match="Unknown storage type"):
        units.GetStorage("lvm-lv")
    with pytest.raises(errors.StorageError, match="Unknown field"):
        units.ListStorage(constants.ST_FILE, [[str(tmp_path)]], None, ["name", "vg"])
    with pytest.raises(errors.StorageError, match="cannot be modified"):
        units.ModifyStorage(constants.ST_LVM_VG, [], "xenvg", {constants.SF_ALLOCATABLE: False})
    with pytest.raises(errors.StorageError, match="not supported"):
        units.ExecuteStorageOp(constants.ST_LVM_PV, [], "/dev/sda1", constants.SO_FIX_CONSISTENCY)
    with pytest.raises(errors.StorageError, match="must be a boolean"):
        units.ModifyStorage(constants.ST_LVM_PV, [], "/dev/sda1", {constants.SF_ALLOCATABLE: "no"})


def test_lvm_units_on_recorded_outputs(recorded, read_data):
    recorded.Add(["pvs"], read_data("pvs_loop_missing.txt"), read_data("pvs_loop_missing.err"))
    recorded.Add(["vgs"], read_data("vgs_loop_partial.txt"))
    rows = units.ListStorage(constants.ST_LVM_PV, [], None, ALL_FIELDS)
    assert ["[unknown]", 60, 60, 0, False] in rows
    assert ["/dev/loop0", 60, 60, 0, True] in rows
    assert units.ListStorage(constants.ST_LVM_VG, [], None, ALL_FIELDS) == [
        ["recvg", 120, 120, 0, False]]


# --- LVM on loop devices (real) ------------------------------------------------

def test_pv_and_vg_listing_real(loop_vg):
    pvs = _Rows(units.ListStorage(constants.ST_LVM_PV, [], None, ALL_FIELDS), loop_vg.pvs)
    assert sorted(pvs) == sorted(loop_vg.pvs)
    for row in pvs.values():
        assert row[1:] == [loop_vg.pv_size, loop_vg.pv_size, 0, True]
    (vg, ) = units.ListStorage(constants.ST_LVM_VG, [], loop_vg.vg_name, ALL_FIELDS)
    assert vg == [loop_vg.vg_name, 2 * loop_vg.pv_size, 2 * loop_vg.pv_size, 0, True]
    (one, ) = units.ListStorage(constants.ST_LVM_PV, [], loop_vg.pvs[1],
                                [constants.SF_NAME, constants.SF_SIZE])
    assert one == [loop_vg.pvs[1], loop_vg.pv_size]


def test_pv_allocatable_toggle_real(loop_vg):
    pv = loop_vg.pvs[0]
    fields = [constants.SF_NAME, constants.SF_ALLOCATABLE]
    units.ModifyStorage(constants.ST_LVM_PV, [], pv, {constants.SF_ALLOCATABLE: False})
    assert units.ListStorage(constants.ST_LVM_PV, [], pv, fields) == [[pv, False]]
    other = _Rows(units.ListStorage(constants.ST_LVM_PV, [], None, fields), [loop_vg.pvs[1]])
    assert other[loop_vg.pvs[1]] == [loop_vg.pvs[1], True]
    units.ModifyStorage(constants.ST_LVM_PV, [], pv, {constants.SF_ALLOCATABLE: True})
    assert units.ListStorage(constants.ST_LVM_PV, [], pv, fields) == [[pv, True]]


def test_modify_unknown_pv_real(loop_vg):
    with pytest.raises(errors.StorageError, match="pvchange"):
        units.ModifyStorage(constants.ST_LVM_PV, [], "/dev/gnt-no-such-pv",
                            {constants.SF_ALLOCATABLE: False})
