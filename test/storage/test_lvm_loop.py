"""ganeti.storage.lvm against real LVM on loop devices (PVs and VGs only).

This machine has no device-mapper, so LVs cannot be created here; what can
run for real does: listings, the allocatable flag, and fix-consistency on a
VG that really lost a PV.
"""

from __future__ import annotations

import os

import pytest

from ganeti import constants, errors, utils
from ganeti.storage import NodeContext, lvm, units


def test_pv_vg_info_real(loop_vg):
    pvs = lvm.GetPVInfo([loop_vg.vg_name])
    assert sorted(pv.name for pv in pvs) == sorted(loop_vg.pvs)
    assert all((pv.size, pv.free, pv.used) == (loop_vg.pv_size, loop_vg.pv_size, 0) for pv in pvs)
    (vg, ) = lvm.GetVGInfo([loop_vg.vg_name])
    assert (vg.size, vg.free, vg.pv_count, vg.lv_count) == (2 * loop_vg.pv_size,
                                                            2 * loop_vg.pv_size, 2, 0)
    assert vg.allocatable and not vg.partial
    assert lvm.ListLogicalVolumes([loop_vg.vg_name]) == []


def test_allocatable_filter_real(loop_vg):
    lvm.SetPVAllocatable(loop_vg.pvs[1], False)
    names = [pv.name for pv in lvm.GetPVInfo([loop_vg.vg_name], filter_allocatable=True)]
    assert names == [loop_vg.pvs[0]]


def test_fix_consistency_after_losing_a_pv_real(loop_vg):
    lost = loop_vg.pvs[1]
    result = utils.RunCmd(["losetup", "-d", lost])
    assert not result.failed, result.output
    (vg, ) = lvm.GetVGInfo([loop_vg.vg_name])
    assert vg.partial and not vg.allocatable
    missing = [pv for pv in lvm.GetPVInfo([loop_vg.vg_name]) if pv.missing]
    assert len(missing) == 1
    msgs = units.ExecuteStorageOp(constants.ST_LVM_VG, [], loop_vg.vg_name,
                                  constants.SO_FIX_CONSISTENCY)
    assert any("consistent" in m for m in msgs)
    (vg, ) = lvm.GetVGInfo([loop_vg.vg_name])
    assert not vg.partial and vg.pv_count == 1 and vg.size == loop_vg.pv_size
    assert [pv.name for pv in lvm.GetPVInfo([loop_vg.vg_name])] == [loop_vg.pvs[0]]


@pytest.mark.skipif(os.path.exists("/sys/class/misc/device-mapper"),
                    reason="device-mapper present: LV creation would succeed here")
def test_lv_create_without_device_mapper_reports_lvm_output(loop_vg):
    with pytest.raises(errors.BlockDeviceError, match="device-mapper") as exc:
        lvm.LogicalVolume.Create((loop_vg.vg_name, "inst1.disk0"), [], 8, NodeContext("node1"))
    assert "lvcreate" in str(exc.value)
    assert lvm.ListLogicalVolumes([loop_vg.vg_name]) == []


@pytest.mark.skipif(not os.path.exists("/sys/class/misc/device-mapper"),
                    reason="no device-mapper on this machine: LVs cannot be activated")
def test_lv_lifecycle_real(loop_vg):
    ctx = NodeContext("node1", diskparams={constants.LDP_STRIPES: 2, constants.LDP_STRIPE_SIZE: 64})
    dev = lvm.LogicalVolume.Create((loop_vg.vg_name, "inst1.disk0"), [], 16, ctx)
    try:
        (info, ) = lvm.ListLogicalVolumes([loop_vg.vg_name])
        assert info.size == 16 and sorted(info.devices) == sorted(loop_vg.pvs)  # striped
        assert os.path.exists(dev.dev_path)
        dev.Grow(8)
        assert dev.GetActualSize() == 24
    finally:
        dev.Remove()
    assert lvm.ListLogicalVolumes([loop_vg.vg_name]) == []
