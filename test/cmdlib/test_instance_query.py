"""gnt-instance list and info: LUInstanceQuery and LUInstanceQueryData."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from instancefakes import N2, N3, InstanceHarness  # noqa: E402

from ganeti import constants, errors, opcodes  # noqa: E402

A, B = "a.example.com", "b.example.com"


@pytest.fixture
def h(tmp_path):
    harness = InstanceHarness(tmp_path, hypervisors=[constants.HT_KVM, constants.HT_FAKE])
    harness.Create(A, hypervisor="fake", disk_template=constants.DT_FILE,
                   disks=[{"size": 64}, {"size": 32}],
                   nics=[{"ip": "192.0.2.1"}, {"mode": "routed", "ip": "192.0.2.2",
                                               "link": "100"}],
                   beparams={"memory": 256})
    harness.Create(B, hypervisor="kvm", nics=[], start=False,
                   hvparams={"kernel_path": "/boot/vmlinuz", "acpi": False})
    return harness


def _Query(h, fields, names=(), locking=False):
    return h.Run(opcodes.OpInstanceQuery(output_fields=list(fields), names=list(names),
                                         use_locking=locking))


def test_static_fields(h):
    rows = _Query(h, ["name", "os", "pnode", "snodes", "admin_state", "disk_template",
                      "ip", "mac", "nic_mode", "nic_link", "bridge", "disk.count", "disk.sizes",
                      "disk.size/1", "disk.size/5", "sda_size", "disk_usage", "nic.count",
                      "nic.ips", "nic.modes", "nic.links", "nic.bridges", "nic.ip/1",
                      "nic.bridge/1", "be/memory", "vcpus", "hypervisor", "tags"], [A])
    assert rows == [[A, "busybox", N2, [], True, "file", "192.0.2.1",
                     h.cfg.GetInstanceInfo(A).nics[0].mac, "bridged", "xen-br0", "xen-br0",
                     2, [64, 32], 32, None, 64, 96, 2, ["192.0.2.1", "192.0.2.2"],
                     ["bridged", "routed"], ["xen-br0", "100"], ["xen-br0", None],
                     "192.0.2.2", None, 256, 1, "fake", []]]


def test_order_names_and_uuids(h):
    assert _Query(h, ["name"]) == [[A], [B]]
    uuid = h.cfg.GetInstanceInfo(B).uuid
    assert _Query(h, ["name", "uuid"], [uuid, "a"]) == [[B, uuid], [A, h.cfg.GetInstanceInfo(
        A).uuid]]
    with pytest.raises(errors.OpPrereqError, match="Instance 'zzz' not known"):
        _Query(h, ["name"], ["zzz"])


def test_hypervisor_fields_never_show_globals(h):
    rows = _Query(h, ["hv/kernel_path", "hv/acpi", "hvparams"], [B])
    assert rows[0][:2] == ["/boot/vmlinuz", False]
    assert constants.HV_MIGRATION_PORT not in rows[0][2]
    assert rows[0][2][constants.HV_ROOT_PATH] == "/dev/vda1", "filled with cluster defaults"
    assert _Query(h, ["hv/kernel_path"], [A]) == [[None]], "not a parameter of the fake hv"
    for field in ("hv/migration_port", "hv/migration_bandwidth", "hv/nonsense", "be/nonsense",
                  "frobnicate", "disk.size/x"):
        with pytest.raises(errors.OpPrereqError, match="Unknown output fields selected: %s"
                           % field.replace(".", r"\.")):
            _Query(h, ["name", field])


def test_status_values(h):
    fields = ["name", "status", "oper_state", "oper_ram", "oper_vcpus"]
    assert _Query(h, fields) == [[A, "running", True, 256, 1], [B, "ADMIN_down", False, None, None]]
    h.nodes.nodes[N2].running.pop(A)
    h.nodes.nodes[N2].running[B] = {"memory": 128, "vcpus": 2, "state": "running", "time": 0}
    assert _Query(h, fields) == [[A, "ERROR_down", False, None, None],
                                 [B, "ERROR_up", True, 128, 2]]
    h.nodes.nodes[N3].running[A] = {"memory": 256, "vcpus": 1, "state": "running", "time": 0}
    assert _Query(h, ["status"], [A]) == [["ERROR_wrongnode"]]
    h.nodes.nodes[N2].running[A] = {"memory": 256, "vcpus": 1, "state": "running", "time": 0}
    assert _Query(h, ["status"], [A]) == [["ERROR_wrongnode"]], "running twice is no 'running'"
    h.nodes.nodes[N2].running.pop(A)
    h.nodes.Fail("all_instances_info", N2, "connection refused")
    assert _Query(h, ["status", "oper_state", "oper_ram"], [A]) == [["ERROR_nodedown", None,
                                                                    None]]
    node = h.cfg.GetNodeInfo(N2)
    node.offline = True
    h.cfg.Update(node)
    assert _Query(h, ["status"], [A]) == [["ERROR_nodeoffline"]]


def test_static_queries_do_not_ask_the_nodes(h):
    h.nodes.calls.clear()
    _Query(h, ["name", "os", "disk_usage", "hv/acpi"])
    assert h.nodes.calls == []


def test_use_locking(h):
    assert _Query(h, ["name", "status"], [A], locking=True) == [[A, "running"]]


def test_query_data(h):
    info = h.Run(opcodes.OpInstanceQueryData(instances=[A]))[A]
    assert info["config_state"] == "up" and info["run_state"] == "up"
    assert info["pnode"] == N2 and info["snodes"] == [] and info["hypervisor"] == "fake"
    assert info["nics"][1] == (h.cfg.GetInstanceInfo(A).nics[1].mac, "192.0.2.2", "routed",
                               "100")
    disk0 = info["disks"][0]
    assert disk0["iv_name"] == "disk/0" and disk0["size"] == 64 and disk0["mode"] == "rw"
    assert disk0["pstatus"]["dev_path"] == "/dev/fake/disk/0" and disk0["sstatus"] is None
    assert info["be_instance"] == {"memory": 256} and info["be_actual"]["vcpus"] == 1
    assert constants.HV_MIGRATION_PORT not in info["hv_actual"]


def test_query_data_drbd_disks_on_both_nodes(tmp_path):
    h = InstanceHarness(tmp_path)
    h.Create(A, disk_template=constants.DT_DRBD8, snode=N3, disks=[{"size": 100}])
    disk = h.Run(opcodes.OpInstanceQueryData(instances=[A]))[A]["disks"][0]
    assert disk["dev_type"] == "drbd8" and disk["logical_id"][:2] == [N2, N3]
    assert disk["pstatus"]["is_degraded"] is False and disk["sstatus"] is not None
    data, meta = disk["children"]
    assert data["pstatus"] and data["sstatus"] and meta["size"] == constants.DRBD_META_SIZE
    h.nodes.nodes[N3].disks.clear()
    h.nodes.nodes[N3].children.clear()
    disk = h.Run(opcodes.OpInstanceQueryData(instances=[A]))[A]["disks"][0]
    assert disk["sstatus"] is None and disk["children"][0]["sstatus"] is None


def test_query_data_static_and_all(h):
    h.nodes.calls.clear()
    result = h.Run(opcodes.OpInstanceQueryData(static=True))
    assert sorted(result) == [A, B] and result[A]["run_state"] is None
    assert result[A]["disks"][0]["pstatus"] is None
    assert h.nodes.calls == []
    b = result[B]
    assert b["hv_instance"] == {"kernel_path": "/boot/vmlinuz", "acpi": False}
    assert constants.HV_MIGRATION_PORT not in b["hv_actual"] and b["network_port"]


def test_disk_usage_of_a_diskless_instance_is_zero(h):
    # upstream's htools parse disk_usage as a number for every instance (RAPI bulk lists)
    assert h.cfg.GetInstanceInfo(B).disk_template == constants.DT_DISKLESS
    assert _Query(h, ["disk_usage"], [B]) == [[0]]
