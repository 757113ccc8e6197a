"""The node-level entry points over Disk trees: real for file disks, recorded for LVM/DRBD8."""

from __future__ import annotations

import os

import pytest

from ganeti import constants, errors, pathutils
from ganeti.storage import NodeContext, disks, units

UUID = "5e3d2c1b-0a9f-4e8d-8c7b-6a5f4e3d2c1b"
DATA_LV, META_LV = "%s.disk0_data" % UUID, "%s.disk0_meta" % UUID
SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
IPS = {"node1.example.com": "198.51.100.11", "node2.example.com": "198.51.100.12"}
LVS_LINE = "  xenvg|%s|%s|-wi-ao----|253|%d|/dev/md1(0)\n"
WFCONN = " 2: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----\n"


def _DrbdDisk(make_disk, physical_id=None):
    return make_disk(constants.LD_DRBD8,
                     ["node1.example.com", "node2.example.com", 11005, 2, 7, SECRET], 20480,
                     children=[make_disk(constants.LD_LV, ["xenvg", DATA_LV], 20480),
                               make_disk(constants.LD_LV, ["xenvg", META_LV], 128)],
                     physical_id=physical_id)


def _Ctx(node="node1.example.com", **kwargs):
    return NodeContext(node, node_ips=IPS, **kwargs)


def test_unique_id_of_drbd_from_logical_id(make_disk):
    disk = _DrbdDisk(make_disk)
    assert disks.ComputeUniqueId(disk, _Ctx()) == (
        "198.51.100.11", 11005, "198.51.100.12", 11005, 2, SECRET)
    assert disks.ComputeUniqueId(disk, _Ctx("node2.example.com")) == (
        "198.51.100.12", 11005, "198.51.100.11", 11005, 7, SECRET)
    assert disks.GetDiskPath(disk, _Ctx("node2.example.com")) == "/dev/drbd7"
    with pytest.raises(errors.BlockDeviceError, match="not part of"):
        disks.ComputeUniqueId(disk, _Ctx("node3.example.com"))
    with pytest.raises(errors.BlockDeviceError, match="No secondary IP"):
        disks.ComputeUniqueId(disk, NodeContext("node1.example.com"))


def test_physical_id_from_master_wins(make_disk):
    pid = ["192.0.2.1", 11020, "192.0.2.2", 11020, 9, SECRET]
    disk = _DrbdDisk(make_disk, physical_id=pid)
    assert disks.ComputeUniqueId(disk, NodeContext("anything")) == tuple(pid)
    assert disks.GetDiskPath(disk, NodeContext("anything")) == "/dev/drbd9"


def test_paths_of_plain_disks(make_disk, tmp_path):
    lv = make_disk(constants.LD_LV, ["xenvg", DATA_LV], 1024)
    assert disks.GetDiskPath(lv, _Ctx()) == "/dev/xenvg/" + DATA_LV
    path = str(tmp_path / "inst1" / "disk0")
    fdisk = make_disk(constants.LD_FILE, [constants.FD_LOOP, path], 1024)
    assert disks.GetDiskPath(fdisk, _Ctx()) == path
    with pytest.raises(errors.BlockDeviceError, match="Unknown disk type"):
        disks.GetDiskPath(make_disk("rbd", ["pool", "x"], 1), _Ctx())


def test_file_disk_lifecycle_real(make_disk, tmp_path):
    sdir = tmp_path / "file-storage"
    (sdir / "inst1").mkdir(parents=True)
    ctx = _Ctx(file_storage_dirs=[str(sdir)])
    disk = make_disk(constants.LD_FILE, [constants.FD_LOOP, str(sdir / "inst1" / "disk0")], 64)
    path = disks.CreateDisk(disk, ctx, on_primary=True, info="inst1")
    assert path == str(sdir / "inst1" / "disk0") and os.path.getsize(path) == 64 << 20
    with pytest.raises(errors.BlockDeviceError, match="already exists"):
        disks.CreateDisk(disk, ctx, on_primary=True)
    assert os.path.getsize(path) == 64 << 20  # the failed create did not clean up someone else's file
    assert disks.AssembleDisk(disk, ctx, as_primary=True) == path
    disks.GrowDisk(disk, ctx, 32)
    assert disks.GetDiskSizes([disk], ctx) == [96]
    status, = disks.GetMirrorStatus([disk], ctx)
    assert status["is_degraded"] is False and status["ldisk_status"] == constants.LDS_OKAY
    disks.ShutdownDisk(disk, ctx)
    disks.RemoveDisk(disk, ctx)
    assert not os.path.exists(path)
    disks.RemoveDisk(disk, ctx)
    assert disks.GetDiskSizes([disk], ctx) == [None]
    with pytest.raises(errors.BlockDeviceError, match="not set up on node node1"):
        disks.GrowDisk(disk, ctx, 32)


def test_file_disk_on_virtual_cluster_node_is_rerooted(make_disk, tmp_path, monkeypatch):
    root = tmp_path / "node1"
    monkeypatch.setenv(pathutils.ROOT_ENV, str(root))
    ctx = _Ctx(file_storage_dirs=[constants.DEFAULT_FILE_STORAGE_DIR])
    store = units.GetStorage(constants.ST_FILE, [constants.DEFAULT_FILE_STORAGE_DIR])
    os.makedirs(str(root) + constants.DEFAULT_FILE_STORAGE_DIR)
    made = store.CreateDir(constants.DEFAULT_FILE_STORAGE_DIR + "/inst1")
    assert made == str(root) + constants.DEFAULT_FILE_STORAGE_DIR + "/inst1"
    config_path = constants.DEFAULT_FILE_STORAGE_DIR + "/inst1/disk0"
    disk = make_disk(constants.LD_FILE, [constants.FD_LOOP, config_path], 8)
    assert disks.GetDiskPath(disk, ctx) == str(root) + config_path
    assert disks.CreateDisk(disk, ctx, on_primary=True) == str(root) + config_path
    assert os.path.getsize(str(root) + config_path) == 8 << 20
    assert not os.path.exists(config_path)
    (row, ) = store.List(None, [constants.SF_NAME, constants.SF_USED])
    assert row == [str(root) + constants.DEFAULT_FILE_STORAGE_DIR, 0]


def test_file_disk_outside_storage_dir_refused(make_disk, tmp_path):
    (tmp_path / "fs").mkdir()
    ctx = _Ctx(file_storage_dirs=[str(tmp_path / "fs")])
    disk = make_disk(constants.LD_FILE, [constants.FD_LOOP, str(tmp_path / "fs/../x")], 4)
    with pytest.raises(errors.FileStoragePathError):
        disks.CreateDisk(disk, ctx, on_primary=True)
    assert not os.path.exists(tmp_path / "x")


def _RecordLVs(recorded, read_data):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    recorded.Add(["lvcreate"])
    recorded.Add(["lvchange"])
    recorded.Add(["lvs", "xenvg/" + DATA_LV], LVS_LINE % (DATA_LV, "20480.00", 4))
    recorded.Add(["lvs", "xenvg/" + META_LV], LVS_LINE % (META_LV, "128.00", 5))


def test_create_drbd_tree_on_primary(recorded, proc_drbd, read_data, make_disk):
    proc_drbd.Use("proc_drbd84.txt")  # minor 2 unconfigured
    _RecordLVs(recorded, read_data)
    recorded.Add(["drbdmeta"])
    for sub in ("new-resource", "new-minor", "attach", "disk-options", "primary"):
        recorded.Add(["drbdsetup", sub])
    recorded.Add(["drbdsetup", "connect"], effect=lambda: proc_drbd.Write(
        read_data("proc_drbd84.txt") + WFCONN))
    ctx = _Ctx(diskparams={constants.LDP_STRIPES: 2})
    path = disks.CreateDisk(_DrbdDisk(make_disk), ctx, on_primary=True, info="inst1")
    assert path == "/dev/drbd2"
    steps = [c[:2] if c[0] in ("drbdsetup", "lvchange") else c[:1] for c in recorded.calls
             if c[0] != "pvs" and c[0] != "lvs"]
    assert steps == [
        ["lvcreate"], ["lvchange", "-ay"], ["lvchange", "--addtag"],  # data LV
        ["lvcreate"], ["lvchange", "-ay"], ["lvchange", "--addtag"],  # meta LV
        ["drbdmeta"], ["drbdsetup", "new-resource"], ["drbdsetup", "new-minor"], ["drbdmeta"],
        ["drbdsetup", "attach"], ["drbdsetup", "connect"], ["drbdsetup", "disk-options"],
        ["drbdsetup", "primary"],
    ]
    lvcreates = recorded.Commands("lvcreate")
    assert [c[c.index("-n") + 1] for c in lvcreates] == [DATA_LV, META_LV]
    assert all(c[c.index("-i") + 1] == "2" for c in lvcreates)
    assert recorded.Commands("drbdsetup")[-1] == ["drbdsetup", "primary", "2", "--force"]


def test_failed_create_removes_what_it_made(recorded, proc_drbd, read_data, make_disk):
    proc_drbd.Use("proc_drbd84.txt")
    _RecordLVs(recorded, read_data)
    recorded.Add(["lvremove"])
    recorded.Add(["drbdmeta"], stderr="open(/dev/xenvg/x) failed: Device or resource busy\n",
                 exit_code=20)
    with pytest.raises(errors.BlockDeviceError, match="Device or resource busy"):
        disks.CreateDisk(_DrbdDisk(make_disk), _Ctx(), on_primary=False)
    assert recorded.Commands("lvremove") == [["lvremove", "-f", "xenvg/" + META_LV],
                                             ["lvremove", "-f", "xenvg/" + DATA_LV]]
    assert not recorded.Commands("drbdsetup")


def test_remove_drbd_tree_reports_every_failure(recorded, proc_drbd, read_data, make_disk):
    proc_drbd.Write(read_data("proc_drbd84.txt") + WFCONN)
    _RecordLVs(recorded, read_data)
    recorded.Add(["drbdsetup", "down"])
    recorded.Add(["lvremove", "xenvg/" + DATA_LV], stderr="  Logical volume %s in use.\n" % DATA_LV,
                 exit_code=5)
    recorded.Add(["lvremove", "xenvg/" + META_LV])
    with pytest.raises(errors.BlockDeviceError, match="in use"):
        disks.RemoveDisk(_DrbdDisk(make_disk), _Ctx())
    assert recorded.Commands("drbdsetup") == [["drbdsetup", "down", "resource2"]]
    assert [c[-1] for c in recorded.Commands("lvremove")] == ["xenvg/" + DATA_LV,
                                                              "xenvg/" + META_LV]


def test_assemble_falls_back_to_diskless_drbd(recorded, proc_drbd, read_data, make_disk):
    proc_drbd.Use("proc_drbd84.txt")
    recorded.Add(["lvs"], "", read_data("lvs_nosuch.err"), exit_code=5)  # both LVs are gone
    for sub in ("new-resource", "new-minor", "disk-options", "primary"):
        recorded.Add(["drbdsetup", sub])
    recorded.Add(["drbdsetup", "connect"], effect=lambda: proc_drbd.Write(
        read_data("proc_drbd84.txt") + WFCONN))
    assert disks.AssembleDisk(_DrbdDisk(make_disk), _Ctx(), as_primary=True) == "/dev/drbd2"
    assert [c[1] for c in recorded.Commands("drbdsetup")] == [
        "new-resource", "new-minor", "connect", "disk-options", "primary"]
    assert recorded.Commands("drbdsetup")[-1] == ["drbdsetup", "primary", "2"]


def test_plain_lv_assemble_fails_when_missing(recorded, read_data, make_disk):
    recorded.Add(["lvs"], "", read_data("lvs_nosuch.err"), exit_code=5)
    lv = make_disk(constants.LD_LV, ["xenvg", DATA_LV], 1024)
    with pytest.raises(errors.BlockDeviceError, match="device is not set up"):
        disks.AssembleDisk(lv, _Ctx(), as_primary=True)


def test_mirror_status_merges_children(recorded, proc_drbd, read_data, make_disk):
    proc_drbd.Write(read_data("proc_drbd84.txt")
                    + " 2: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n")
    recorded.Add(["lvs", "xenvg/" + DATA_LV],
                 "  xenvg|%s|20480.00|-wi-ao--p-|253|4|[unknown](0)\n" % DATA_LV)
    recorded.Add(["lvs", "xenvg/" + META_LV], LVS_LINE % (META_LV, "128.00", 5))
    status, = disks.GetMirrorStatus([_DrbdDisk(make_disk)], _Ctx())
    assert status["dev_path"] == "/dev/drbd2"
    assert status["is_degraded"] is True and status["ldisk_status"] == constants.LDS_FAULTY


def test_snapshot_of_drbd_uses_data_lv(recorded, read_data, make_disk):
    recorded.Add(["lvs", "xenvg/%s.snap" % DATA_LV], "", read_data("lvs_nosuch.err"), exit_code=5)
    recorded.Add(["lvs", "xenvg/" + DATA_LV], LVS_LINE % (DATA_LV, "20480.00", 4))
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    recorded.Add(["lvcreate"])
    snap = disks.SnapshotDisk(_DrbdDisk(make_disk), _Ctx())
    assert snap == ("xenvg", DATA_LV + ".snap")
    assert recorded.Commands("lvcreate") == [["lvcreate", "--yes", "-L", "20480m", "-s", "-n",
                                              DATA_LV + ".snap", "xenvg/" + DATA_LV]]
