"""LVM listing parsers and LV command lines, on recorded outputs (see data/README.md)."""

from __future__ import annotations

import pytest

from ganeti import constants, errors
from ganeti.storage import NodeContext, lvm
from ganeti.storage.lvm import LogicalVolume

LIST_OPTS = ["--noheadings", "--units", "m", "--nosuffix", "--separator", "|"]
LV_ID = ("xenvg", "9c8b7a6f-5e4d-4c3b-a29f-1e0d9c8b7a6f.disk0")
LV_PATH = "xenvg/9c8b7a6f-5e4d-4c3b-a29f-1e0d9c8b7a6f.disk0"


def test_pvs_host_listing(recorded, read_data):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    pvs = {pv.name: pv for pv in lvm.GetPVInfo()}
    assert recorded.calls == [["pvs"] + LIST_OPTS
                              + ["-o", "pv_name,vg_name,pv_size,pv_free,pv_used,pv_attr"]]
    assert pvs["/dev/md1"].size == 1907468 and pvs["/dev/md1"].free == 1040364
    assert pvs["/dev/md1"].used == 867104 and pvs["/dev/md1"].allocatable
    assert pvs["/dev/sdc1"].free == 0
    assert not pvs["/dev/sdd1"].allocatable  # pvchange -x n: attr "u--"
    assert pvs["/dev/sde1"].vg_name == "" and not pvs["/dev/sde1"].allocatable  # orphan
    assert not any(pv.missing for pv in pvs.values())


def test_pvs_filters(recorded, read_data):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    assert [pv.name for pv in lvm.GetPVInfo(["xenvg"])] == ["/dev/md1", "/dev/sdc1", "/dev/sdd1"]
    assert [pv.name for pv in lvm.GetPVInfo(["xenvg"], filter_allocatable=True)] == [
        "/dev/md1", "/dev/sdc1"]
    lvm.GetPVInfo(pv_names=["/dev/md1"])
    assert recorded.calls[-1][-1] == "/dev/md1"


@pytest.mark.parametrize("datafile, missing_name", [
    ("pvs_loop_missing.txt", "[unknown]"),     # LVM 2.03, recorded on this machine
    ("pvs_old_unknown.txt", "unknown device"),  # LVM 2.02 spelling
])
def test_pvs_missing_pv(recorded, datafile, missing_name, read_data):
    recorded.Add(["pvs"], read_data(datafile), read_data("pvs_loop_missing.err"))
    pvs = {pv.name: pv for pv in lvm.GetPVInfo()}
    assert pvs[missing_name].missing
    assert not [pv for pv in lvm.GetPVInfo(filter_allocatable=True) if pv.missing]


def test_vgs_listing_and_odd_states(recorded, read_data):
    recorded.Add(["vgs"], read_data("vgs_host.txt"))
    recorded.Add(["vgs"], read_data("vgs_odd.txt"))
    xenvg = {vg.name: vg for vg in lvm.GetVGInfo()}["xenvg"]
    assert (xenvg.size, xenvg.free, xenvg.used, xenvg.pv_count, xenvg.lv_count) == (
        3815196, 1452980, 3815196 - 1452980, 3, 41)
    assert xenvg.allocatable and not xenvg.partial
    odd = {vg.name: vg for vg in lvm.GetVGInfo()}
    assert odd["xenvg"].partial and not odd["xenvg"].allocatable
    assert not odd["oldvg"].allocatable  # exported
    assert not odd["rovg"].allocatable  # read-only


def test_vgs_partial_recorded_here(recorded, read_data):
    recorded.Add(["vgs"], read_data("vgs_loop_partial.txt"), read_data("pvs_loop_missing.err"))
    (vg, ) = lvm.GetVGInfo(["recvg"])
    assert vg.partial and vg.size == 120 and vg.pv_count == 2
    assert recorded.calls[0][-1] == "recvg"


def test_unknown_vg_error_carries_output(recorded, read_data):
    recorded.Add(["vgs"], "", read_data("vgs_nosuch.err"), exit_code=5)
    with pytest.raises(errors.StorageError, match='Volume group "nosuchvg" not found'):
        lvm.GetVGInfo(["nosuchvg"])


def test_garbled_output_is_an_error(recorded):
    recorded.Add(["vgs"], "  xenvg|3815196.00|wz--n-\n")
    with pytest.raises(errors.StorageError, match="expected 6 fields"):
        lvm.GetVGInfo()
    recorded.Add(["pvs"], "  /dev/sda|xenvg|lots|1.00|0|a--\n")
    with pytest.raises(errors.StorageError, match="pv_size 'lots'"):
        lvm.GetPVInfo()


def test_lvs_merges_segments(recorded, read_data):
    recorded.Add(["lvs"], read_data("lvs_host.txt"))
    lvs = {lv.name: lv for lv in lvm.ListLogicalVolumes(["xenvg"])}
    assert len(lvs) == 5
    multi = lvs["f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9.disk1"]
    assert multi.devices == ("/dev/md1", "/dev/sdd1") and multi.size == 30720
    assert not multi.active and (multi.major, multi.minor) == (-1, -1)
    striped = lvs["9c8b7a6f-5e4d-4c3b-a29f-1e0d9c8b7a6f.disk0"]
    assert striped.devices == ("/dev/sdc1", "/dev/sdd1") and striped.active
    assert not striped.is_open and lvs["0a4b7f2e-5c1d-4e8a-9b3f-6d2c1e0f9a87.disk0"].is_open
    assert not any(lv.degraded for lv in lvs.values())


@pytest.mark.parametrize("datafile, name", [
    ("lvs_missing_pv.txt", "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908.disk0"),  # partial, [unknown]
    ("lvs_old_unknown.txt", "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908.disk0"),  # unknown device
    ("lvs_old_unknown.txt", "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901.disk0"),  # virtual
])
def test_lvs_degraded_cases(recorded, datafile, name, read_data):
    recorded.Add(["lvs"], read_data(datafile))
    lvs = {lv.name: lv for lv in lvm.ListLogicalVolumes()}
    assert lvs[name].degraded
    healthy = [lv for lv in lvs.values() if lv.name.startswith("0a4b7f2e")]
    assert all(not lv.degraded for lv in healthy)


@pytest.mark.parametrize("name", ["", "-lv", ".", "..", "a/b", "a b", "x" * 128, "snapshot1",
                                  "pvmove0", "lv_mlog", "data_tmeta", "lv;rm"])
def test_invalid_lv_names(name):
    with pytest.raises(errors.BlockDeviceError):
        lvm.ValidateLVName(name)


@pytest.mark.parametrize("name", ["xenvg", "vg-1", "vg_a.b+c"])
def test_valid_vg_names(name):
    assert lvm.ValidateVGName(name) == name
    with pytest.raises(errors.BlockDeviceError):
        lvm.ValidateVGName(name + "/x")


def test_invalid_pv_names():
    for name in ("sda", "/dev/../etc/passwd", "/dev/sda;reboot", "/etc/passwd"):
        with pytest.raises(errors.StorageError):
            lvm.ValidatePVName(name)
    assert lvm.ValidatePVName("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4-part3")


def _Ctx(**diskparams):
    return NodeContext("node1", diskparams=diskparams)


def _CreateLV(recorded, read_data, size, **diskparams):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    recorded.Add(["lvcreate"], read_data("lvcreate_ok.txt"))
    recorded.Add(["lvs", LV_PATH], read_data("lvs_one_lv.txt"))
    dev = LogicalVolume.Create(LV_ID, [], size, _Ctx(**diskparams))
    return dev, recorded.Commands("lvcreate")


def test_create_plain_lv(recorded, read_data):
    dev, (cmd, ) = _CreateLV(recorded, read_data, 51200)
    assert cmd == ["lvcreate", "--yes", "-L", "51200m", "-n", LV_ID[1], "xenvg"]
    assert dev.attached and dev.dev_path == "/dev/" + LV_PATH
    assert (dev.major, dev.minor) == (253, 6)


def test_create_striped_lv_from_diskparams(recorded, read_data):
    _, (cmd, ) = _CreateLV(recorded, read_data, 51200, stripes=2, stripe_size=256)
    assert cmd == ["lvcreate", "--yes", "-L", "51200m", "-n", LV_ID[1], "-i", "2", "-I", "256",
                   "xenvg"]


def test_stripes_capped_by_allocatable_pvs(recorded, read_data):
    # xenvg has three PVs, but /dev/sdd1 is not allocatable: two stripes at most
    _, (cmd, ) = _CreateLV(recorded, read_data, 1024, stripes=4)
    assert cmd[cmd.index("-i") + 1] == "2"
    assert cmd[cmd.index("-I") + 1] == str(constants.DISK_DT_DEFAULTS[constants.LDP_STRIPE_SIZE])


def test_create_refused_without_space(recorded, read_data):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    with pytest.raises(errors.BlockDeviceError, match="1040364 MiB available"):
        LogicalVolume.Create(LV_ID, [], 2 * 1024 * 1024, _Ctx())
    assert not recorded.Commands("lvcreate")


def test_lvcreate_failure_reports_output(recorded, read_data):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    recorded.Add(["lvcreate"], "", read_data("lvcreate_nospace.err"), exit_code=5)
    with pytest.raises(errors.BlockDeviceError, match="insufficient free space"):
        LogicalVolume.Create(LV_ID, [], 10240, _Ctx())


@pytest.mark.parametrize("params", [dict(stripes=0), dict(stripe_size=48), dict(stripes="2"),
                                    dict(meta_flushes="no")])
def test_bad_diskparams_refused(recorded, params, read_data):
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    with pytest.raises(errors.BlockDeviceError, match="Disk parameter"):
        LogicalVolume.Create(LV_ID, [], 1024, _Ctx(**params))
    assert not recorded.Commands("lvcreate")


def test_attach_missing_lv(recorded, read_data):
    recorded.Add(["lvs"], "", read_data("lvs_nosuch.err"), exit_code=5)
    dev = LogicalVolume(LV_ID, [], 1024, _Ctx())
    assert not dev.Attach()
    dev.Remove()  # nothing to remove
    assert not recorded.Commands("lvremove")
    with pytest.raises(errors.BlockDeviceError, match="not set up"):
        dev.Grow(1024)


def test_grow_remove_rename_commands(recorded, read_data):
    recorded.Add(["lvs", LV_PATH], read_data("lvs_one_lv.txt"))
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    for tool in ("lvextend", "lvremove", "lvrename", "lvchange"):
        recorded.Add([tool])
    dev = LogicalVolume(LV_ID, [], 51200, _Ctx())
    dev.Grow(2048, dryrun=True)
    dev.Grow(2048)
    assert recorded.Commands("lvextend") == [["lvextend", "-L", "+2048m", "--test", LV_PATH],
                                             ["lvextend", "-L", "+2048m", LV_PATH]]
    dev.SetInfo("originstname+inst1.example.com (web)")
    assert recorded.Commands("lvchange")[-1] == [
        "lvchange", "--addtag", "originstname+inst1.example.com__web_", LV_PATH]
    dev.Assemble()
    assert recorded.Commands("lvchange")[-1] == ["lvchange", "-ay", LV_PATH]
    dev.Rename(("xenvg", LV_ID[1] + "_replaced"))
    assert recorded.Commands("lvrename") == [["lvrename", "xenvg", LV_ID[1], LV_ID[1] + "_replaced"]]
    with pytest.raises(errors.BlockDeviceError, match="must stay in VG"):
        dev.Rename(("othervg", "x"))
    dev = LogicalVolume(LV_ID, [], 51200, _Ctx())
    dev.Remove()
    assert recorded.Commands("lvremove") == [["lvremove", "-f", LV_PATH]]


def test_grow_refused_without_space(recorded, read_data):
    recorded.Add(["lvs", LV_PATH], read_data("lvs_one_lv.txt"))
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    with pytest.raises(errors.BlockDeviceError, match="Not enough free space"):
        LogicalVolume(LV_ID, [], 51200, _Ctx()).Grow(2 * 1024 * 1024)
    assert not recorded.Commands("lvextend")


def test_degraded_lv_status(recorded, read_data):
    recorded.Add(["lvs"], read_data("lvs_missing_pv.txt"))
    dev = LogicalVolume(("xenvg", "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908.disk0"), [], 8192, _Ctx())
    assert dev.Attach()
    status = dev.CombinedSyncStatus()
    assert status.is_degraded and status.ldisk_status == constants.LDS_FAULTY
    healthy = LogicalVolume(("xenvg", "0a4b7f2e-5c1d-4e8a-9b3f-6d2c1e0f9a87.disk0"), [], 1, _Ctx())
    assert healthy.Attach() and not healthy.GetSyncStatus().is_degraded


def test_fix_consistency_recorded(recorded, read_data):
    recorded.Add(["vgreduce"], read_data("vgreduce_loop.txt"))
    recorded.Add(["vgs"], read_data("vgs_loop_fixed.txt"))
    msgs = lvm.FixVGConsistency("recvg")
    assert recorded.Commands("vgreduce") == [["vgreduce", "--removemissing", "recvg"]]
    assert "Wrote out consistent volume group recvg." in msgs


def test_fix_consistency_still_partial(recorded, read_data):
    recorded.Add(["vgreduce"], "  WARNING: Partial LV lv1 needs to be repaired or removed.\n")
    recorded.Add(["vgs"], read_data("vgs_loop_partial.txt"))
    with pytest.raises(errors.StorageError, match="still inconsistent.*Partial LV lv1"):
        lvm.FixVGConsistency("recvg")
