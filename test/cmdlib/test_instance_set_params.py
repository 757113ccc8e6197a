"""gnt-instance modify: LUInstanceSetParams with the same checks as creation."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from instancefakes import N2, N3, InstanceHarness  # noqa: E402

from ganeti import constants, errors, opcodes  # noqa: E402

NAME = "inst1.example.com"
OTHER = "other.example.com"


@pytest.fixture
def h(tmp_path):
    harness = InstanceHarness(tmp_path, hypervisors=[constants.HT_KVM, constants.HT_FAKE])
    harness.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}],
                   nics=[{"ip": "192.0.2.1"}], hypervisor="fake")
    harness.Create(OTHER, nics=[{"mac": "aa:00:00:00:00:99", "ip": "192.0.2.99"}],
                   hypervisor="fake")
    return harness


def _Modify(h, **kwargs):
    return h.Run(opcodes.OpInstanceSetParams(instance_name=NAME, **kwargs))


def _Inst(h):
    return h.cfg.GetInstanceInfo(NAME)


def test_nothing_to_do(h):
    with pytest.raises(errors.OpPrereqError, match="No changes submitted"):
        _Modify(h)


def test_beparams_change_and_reset(h):
    assert _Modify(h, beparams={"memory": "512M", "vcpus": "2"}) == [("be/memory", 512),
                                                                     ("be/vcpus", 2)]
    assert _Inst(h).beparams == {"memory": 512, "vcpus": 2}
    assert _Modify(h, beparams={"vcpus": "default"}) == [("be/vcpus", "default")]
    assert _Inst(h).beparams == {"memory": 512}
    env = h.HookEnvs("instance-modify")[-1]
    assert env["INSTANCE_BE_vcpus"] == "1" and env["INSTANCE_MEMORY"] == "512"


def test_memory_increase_checks_the_node(h):
    h.nodes.nodes[N2].memory_free = 100
    with pytest.raises(errors.OpPrereqError, match="memory missing on its primary node"):
        _Modify(h, beparams={"memory": 1024})
    assert _Inst(h).beparams == {}
    _Modify(h, beparams={"memory": 1024}, force=True)
    assert _Inst(h).beparams == {"memory": 1024}


def test_hvparams_checks(tmp_path):
    h = InstanceHarness(tmp_path, hypervisors=[constants.HT_KVM])
    h.Create(nics=[], hvparams={"kernel_path": "/boot/vmlinuz"})
    assert _Modify(h, hvparams={"acpi": "no", "kernel_path": None}) == [
        ("hv/acpi", False), ("hv/kernel_path", "default")]
    assert _Inst(h).hvparams == {"acpi": False}
    for params, match in (({"migration_port": 1}, "global"),
                          ({"bogus": 1}, "Unknown hypervisor parameter"),
                          ({"boot_order": "floppy"}, "Invalid hypervisor parameters"),
                          ({"acpi": "maybe"}, "must be a boolean")):
        with pytest.raises(errors.OpPrereqError, match=match):
            _Modify(h, hvparams=params)
    assert _Inst(h).hvparams == {"acpi": False}
    h.nodes.Fail("hypervisor_validate_params", N2, "kernel_path must exist")
    with pytest.raises(errors.OpPrereqError, match="must exist"):
        _Modify(h, hvparams={"kernel_path": "/nonexistent"})


def test_nic_add_modify_remove(h):
    result = _Modify(h, nics=[[constants.DDM_ADD, {"mode": "routed", "ip": "192.0.2.5"}]])
    assert result[0][0] == "nic.1" and "mode=routed" in result[0][1]
    assert [n.ip for n in _Inst(h).nics] == ["192.0.2.1", "192.0.2.5"]
    result = _Modify(h, nics=[[1, {"ip": "192.0.2.6", "mac": "aa:00:00:00:00:07"}]])
    assert result == [("nic.mac/1", "aa:00:00:00:00:07"), ("nic.ip/1", "192.0.2.6")]
    assert _Modify(h, nics=[[0, {"link": "br1"}]]) == [("nic.link/0", "br1")]
    assert _Modify(h, nics=[[0, {"link": "default"}]]) == [("nic.link/0", None)]
    assert _Inst(h).nics[0].nicparams == {}
    assert _Modify(h, nics=[[constants.DDM_REMOVE, {}]]) == [("nic.1", "remove")]
    assert len(_Inst(h).nics) == 1


@pytest.mark.parametrize("change, match", [
    ([constants.DDM_ADD, {"mode": "routed"}], "routed mode requires an IP"),
    ([0, {"mode": "routed", "ip": "none"}], "routed mode requires an IP"),
    ([constants.DDM_ADD, {"ip": "192.0.2.99"}], "already in use by instance %s" % OTHER),
    ([0, {"mac": "aa:00:00:00:00:99"}], "MAC address .* already in use"),
    ([0, {"ip": "auto"}], "needs the name check"),
    ([3, {"ip": "192.0.2.3"}], "Invalid NIC index 3"),
    ([constants.DDM_ADD, {"colour": "red"}], "unknown parameter"),
])
def test_nic_refusals_change_nothing(h, change, match):
    before = _Inst(h).ToDict()
    with pytest.raises(errors.OpPrereqError, match=match):
        _Modify(h, nics=[change])
    assert _Inst(h).ToDict() == before


def test_one_add_or_remove_per_opcode(h):
    with pytest.raises(errors.OpPrereqError, match="Only one NIC add or remove"):
        _Modify(h, nics=[[constants.DDM_ADD, {}], [constants.DDM_ADD, {}]])


def test_disk_add_mode_remove(h):
    result = _Modify(h, disks=[[constants.DDM_ADD, {"size": "32M"}]])
    assert result == [("disk/1", "add:size=32,mode=rw")]
    disk = _Inst(h).disks[1]
    assert disk.logical_id == ["loop", "/srv/ganeti/file-storage/%s/disk1" % NAME]
    assert ("file", tuple(disk.logical_id)) in h.nodes.nodes[N2].disks
    assert _Modify(h, disks=[[1, {"mode": "ro"}]]) == [("disk.mode/1", "ro")]
    with pytest.raises(errors.OpPrereqError, match="running, can't remove disks"):
        _Modify(h, disks=[[constants.DDM_REMOVE, {}]])
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    assert _Modify(h, disks=[[constants.DDM_REMOVE, {}]]) == [("disk/1", "remove")]
    assert len(_Inst(h).disks) == 1
    assert ("file", tuple(disk.logical_id)) not in h.nodes.nodes[N2].disks
    with pytest.raises(errors.OpPrereqError, match="Cannot remove the last disk"):
        _Modify(h, disks=[[constants.DDM_REMOVE, {}]])


def test_disk_refusals(h):
    with pytest.raises(errors.OpPrereqError, match="Not enough disk space"):
        _Modify(h, disks=[[constants.DDM_ADD, {"size": 50000}]])
    with pytest.raises(errors.OpPrereqError, match="only the access mode"):
        _Modify(h, disks=[[0, {"size": 5}]])
    with pytest.raises(errors.OpPrereqError, match="not supported for diskless"):
        h.Run(opcodes.OpInstanceSetParams(instance_name=OTHER,
                                          disks=[[constants.DDM_ADD, {"size": 5}]]))
    assert len(_Inst(h).disks) == 1 and h.nodes.Called("blockdev_create")[1:] == []


def test_failed_disk_add_leaves_nothing(h):
    h.nodes.Fail("blockdev_create", N2, "disk full")
    with pytest.raises(errors.OpExecError, match="disk full"):
        _Modify(h, disks=[[constants.DDM_ADD, {"size": 8}]], beparams={"vcpus": 2})
    assert len(_Inst(h).disks) == 1 and _Inst(h).beparams == {}
    assert h.nodes.nodes[N2].dirs, "the existing disks' directory stays"


def test_drbd_disk_add_on_both_nodes(tmp_path):
    h = InstanceHarness(tmp_path)
    h.Create(disk_template=constants.DT_DRBD8, snode=N3, disks=[{"size": 100}])
    _Modify(h, disks=[[constants.DDM_ADD, {"size": 50}]])
    disk = _Inst(h).disks[1]
    assert disk.logical_id[:2] == [N2, N3] and disk.iv_name == "disk/1"
    created = [node for node, _ in h.nodes.Called("blockdev_create")]
    assert created[-2:] == [N2, N3]
    assert h.cfg.ComputeDRBDMap()[N3] == {0: NAME, 1: NAME}
