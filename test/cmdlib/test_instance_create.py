"""LUInstanceCreate on a real configuration, locks and mcpu, with fake nodes."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from instancefakes import N1, N2, N3, InstanceHarness  # noqa: E402

from ganeti import constants, errors, locking  # noqa: E402

NAME = "inst1.example.com"


@pytest.fixture
def h(tmp_path):
    return InstanceHarness(tmp_path)


def _AssertNothingLeft(h, name=NAME):
    """No config entry, no disk or directory on any node, no lock: the name is free again."""
    assert h.cfg.GetInstanceInfo(name) is None
    assert h.nodes.AllDisks() == {}
    assert all(not node.dirs for node in h.nodes.nodes.values())
    assert name not in h.InstanceLocks()
    assert not any(name in node.running for node in h.nodes.nodes.values())


def test_diskless_create_and_start(h):
    nodes = h.Create(beparams={"memory": "256M"})
    assert nodes == [N2]
    inst = h.cfg.GetInstanceInfo(NAME)
    assert inst.admin_up and inst.primary_node == N2 and inst.hypervisor == constants.HT_FAKE
    assert len(inst.uuid) == 36 and inst.beparams == {constants.BE_MEMORY: 256}
    assert inst.nics[0].mac.startswith(h.cfg.GetMACPrefix() + ":")
    assert inst.nics[0].nicparams == {}, "NIC defaults stay inherited"
    assert NAME in h.nodes.nodes[N2].running
    assert h.nodes.nodes[N2].running[NAME]["memory"] == 256
    assert NAME in h.InstanceLocks()
    assert h.nodes.Called("instance_os_add") == [], "a diskless instance has nothing to install"


def test_hooks_environment(h):
    h.Create(nics=[{"mode": "routed", "ip": "192.0.2.10"}, {}],
             beparams={"vcpus": 2})
    env = h.HookEnvs("instance-add")[0]
    assert env["INSTANCE_NAME"] == NAME and env["INSTANCE_PRIMARY"] == N2
    assert env["INSTANCE_SECONDARIES"] == "" and env["INSTANCE_OS_TYPE"] == "busybox"
    assert env["INSTANCE_STATUS"] == "up" and env["INSTANCE_VCPUS"] == "2"
    assert env["INSTANCE_MEMORY"] == "128" and env["INSTANCE_HYPERVISOR"] == "fake"
    assert env["INSTANCE_NIC_COUNT"] == "2" and env["INSTANCE_DISK_COUNT"] == "0"
    assert env["INSTANCE_NIC0_MODE"] == "routed" and env["INSTANCE_NIC0_IP"] == "192.0.2.10"
    assert "INSTANCE_NIC0_BRIDGE" not in env
    assert env["INSTANCE_NIC1_BRIDGE"] == env["INSTANCE_NIC1_LINK"] == "xen-br0"
    assert env["INSTANCE_BE_vcpus"] == "2" and env["ADD_MODE"] == "create"
    assert env["INSTANCE_NIC0_MAC"].startswith("aa:00:00:")
    nodes = [n for n, args in h.nodes.Called("hooks_runner") if args[0] == "instance-add"]
    assert sorted(set(nodes)) == [N1, N2], "hooks run on the master and the primary"


def test_empty_link_means_the_main_table_only_when_routed(h):
    h.Create(nics=[{"mode": "routed", "ip": "192.0.2.10", "link": ""},
                   {"mode": "routed", "ip": "192.0.2.11"},
                   {"link": ""}])
    nics = h.cfg.GetInstanceInfo(NAME).nics
    assert [n.nicparams for n in nics] == [{"mode": "routed", "link": ""}, {"mode": "routed"},
                                           {}], "bridged: '' is the default bridge, as upstream"
    filled = [h.cfg.GetClusterInfo().SimpleFillNIC(n.nicparams)["link"] for n in nics]
    assert filled == ["", "xen-br0", "xen-br0"]


def test_file_create_runs_the_os_with_filled_params(h):
    h.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}, {"size": "1G", "mode": "ro"}],
             os_type="busybox+ext2", file_storage_dir="web")
    inst = h.cfg.GetInstanceInfo(NAME)
    base = "/srv/ganeti/file-storage/web/%s" % NAME
    assert [d.logical_id for d in inst.disks] == [["loop", base + "/disk0"],
                                                  ["loop", base + "/disk1"]]
    assert [d.size for d in inst.disks] == [64, 1024] and inst.disks[1].mode == "ro"
    assert h.nodes.nodes[N2].dirs == {base}
    assert set(h.nodes.nodes[N2].disks) == {("file", ("loop", base + "/disk0")),
                                            ("file", ("loop", base + "/disk1"))}
    (node, (rpc_inst, reinstall, _)), = h.nodes.Called("instance_os_add")
    assert node == N2 and reinstall is False and rpc_inst.os == "busybox+ext2"
    assert rpc_inst.hvparams == h.cfg.GetClusterInfo().FillHV(inst), "filled for the node"
    assert rpc_inst.nics[0].nicparams == {"mode": "bridged", "link": "xen-br0"}
    assert inst.hvparams == {} and inst.nics[0].nicparams == {}, "config keeps only overrides"


def test_no_start_leaves_it_down(h):
    h.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}], start=False)
    assert not h.cfg.GetInstanceInfo(NAME).admin_up
    assert h.nodes.nodes[N2].running == {}
    assert h.nodes.Called("blockdev_shutdown"), "disks deactivated after the install"


def test_dry_run_returns_the_nodes_and_changes_nothing(h):
    serial = h.cfg.GetConfigSerial()
    result = h.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}], dry_run=True)
    assert result == [N2]
    _AssertNothingLeft(h)
    assert h.cfg.GetConfigSerial() == serial
    assert h.nodes.Called("blockdev_create") == []


def test_drbd_create_on_both_nodes(h):
    h.Create(disk_template=constants.DT_DRBD8, snode=N3, disks=[{"size": 100}])
    inst = h.cfg.GetInstanceInfo(NAME)
    disk = inst.disks[0]
    assert inst.secondary_nodes == [N3] and disk.dev_type == constants.LD_DRBD8
    pnode, snode, port, pminor, sminor, secret = disk.logical_id
    assert (pnode, snode) == (N2, N3) and port >= constants.FIRST_DRBD_PORT
    assert [c.size for c in disk.children] == [100, constants.DRBD_META_SIZE]
    created = [(node, args[3]) for node, args in h.nodes.Called("blockdev_create")]
    assert created == [(N2, True), (N3, False)], "primary first, opened only there"
    n2_physical = h.nodes.nodes[N2].disks[("drbd8", tuple(disk.logical_id))]
    assert n2_physical[0] == h.cfg.GetNodeInfo(N2).primary_ip and n2_physical[4] == pminor
    assert h.cfg.ComputeDRBDMap()[N2] == {pminor: NAME}


def test_drbd_failure_on_secondary_removes_the_primary_copy(h):
    h.nodes.Fail("blockdev_create", N3, "lvcreate failed: no space")
    with pytest.raises(errors.OpExecError, match="lvcreate failed"):
        h.Create(disk_template=constants.DT_DRBD8, snode=N3, disks=[{"size": 100}])
    _AssertNothingLeft(h)
    assert h.cfg.ComputeDRBDMap()[N2] == {}, "the reserved minors are released"
    assert h.cfg.GetClusterInfo().tcpudp_port_pool, "the DRBD port goes back to the pool"


def test_os_script_failure_shows_the_log_and_undoes_everything(h):
    h.nodes.Fail("instance_os_add", N2, "OS create script of busybox failed; last lines of"
                 " add.log:\nmkfs: no space left")
    with pytest.raises(errors.OpExecError, match="(?s)Could not add os.*mkfs: no space left"):
        h.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}])
    _AssertNothingLeft(h)
    h.nodes.failures.clear()
    h.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}])
    assert h.cfg.GetInstanceInfo(NAME) is not None, "the name can be used again"


def test_start_failure_keeps_the_instance_down(h):
    h.nodes.Fail("instance_start", N2, "Hypervisor error: not enough memory")
    with pytest.raises(errors.OpExecError, match="created but could not be started"):
        h.Create()
    inst = h.cfg.GetInstanceInfo(NAME)
    assert inst is not None and not inst.admin_up
    assert NAME in h.InstanceLocks(), "an instance that exists keeps its lock"


@pytest.mark.parametrize("kwargs, match", [
    ({"hvparams": {"no_such_param": 1}}, "Unknown hypervisor parameter"),
    ({"hvparams": {"migration_port": 9000}}, "global and cannot be customized"),
    ({"nics": [{"mode": "routed"}]}, "routed mode requires an IP"),
    ({"nics": [{"mode": "switched"}]}, "Invalid NIC mode"),
    ({"nics": [{"mac": "aa:00:00:zz:00:01"}]}, "Invalid MAC"),
    ({"os_type": "nosuchos"}, "Cannot use OS 'nosuchos' on node .*not found"),
    ({"os_type": "busybox+nope"}, "Unsupported variant 'nope'"),
    ({"os_type": "plain-os+v1"}, "Unsupported variant"),
    ({"disk_template": "file", "disks": [{"size": 20000}]}, "Not enough disk space"),
    ({"disk_template": "plain", "disks": [{"size": 20000}]}, "Not enough disk space"),
    ({"disk_template": "file", "disks": []}, "needs at least one disk"),
    ({"disk_template": "file", "disks": [{"size": 0}]}, "invalid size"),
    ({"disk_template": "drbd", "disks": [{"size": 1}]}, "need a mirror node"),
    ({"disk_template": "drbd", "snode": N2, "disks": [{"size": 1}]}, "cannot be the primary"),
    ({"pnode": None}, "No primary node given"),
    ({"pnode": None, "iallocator": "hail"}, "allocator plugins .hail. are not supported"),
    ({"mode": "import", "src_path": "/x"}, "import is not supported yet"),
    ({"beparams": {"memory": 100000}}, "Not enough memory on node"),
    ({"hypervisor": "kvm"}, "not enabled in the cluster"),
    ({"ip_check": True}, "IP address check without a name check"),
    ({"file_storage_dir": "/abs", "disk_template": "file", "disks": [{"size": 1}]},
     "relative path"),
])
def test_bad_input_is_refused_and_leaves_nothing(h, kwargs, match):
    serial = h.cfg.GetConfigSerial()
    with pytest.raises(errors.OpPrereqError, match=match):
        h.Create(**kwargs)
    _AssertNothingLeft(h)
    assert h.cfg.GetConfigSerial() == serial
    assert h.nodes.Called("blockdev_create") == []
    h.Create()
    assert h.cfg.GetInstanceInfo(NAME) is not None, "the same name works afterwards"


@pytest.mark.parametrize("name", ["../../etc/x", "a/b", ".hidden", "sp ace", "x" * 300, "a..b"])
def test_names_must_be_host_names(h, name):
    with pytest.raises(errors.OpPrereqError, match="Invalid instance name"):
        h.Create(name)
    assert h.cfg.GetInstanceList() == []


def test_names_are_lower_cased(h):
    h.Create("Web-1.Example.COM")
    assert h.cfg.GetInstanceList() == ["web-1.example.com"]


def test_forced_variant_is_accepted(h):
    h.Create(os_type="busybox+nope", force_variant=True)
    assert h.cfg.GetInstanceInfo(NAME).os == "busybox+nope"


def test_duplicates_are_refused(h):
    h.Create(nics=[{"mac": "aa:00:00:00:00:01", "ip": "192.0.2.1"}])
    with pytest.raises(errors.OpPrereqError, match="already in the cluster"):
        h.Create()
    for nic, match in (({"mac": "aa:00:00:00:00:01"}, "MAC address .* already in use"),
                       ({"ip": "192.0.2.1"}, "IP address 192.0.2.1 already in use by"
                                             " instance %s" % NAME)):
        with pytest.raises(errors.OpPrereqError, match=match) as info:
            h.Create("inst2.example.com", nics=[nic])
        assert info.value.args[1] == errors.ECODE_NOTUNIQUE
        _AssertNothingLeft(h, "inst2.example.com")
    with pytest.raises(errors.OpPrereqError, match="given to two NICs"):
        h.Create("inst2.example.com", nics=[{"ip": "192.0.2.7"}, {"ip": "192.0.2.7"}])


def test_missing_bridge_only_matters_with_networking_hypervisors(tmp_path):
    h = InstanceHarness(tmp_path, hypervisors=[constants.HT_FAKE, constants.HT_KVM])
    h.Create(nics=[{"link": "br-missing"}])
    with pytest.raises(errors.OpPrereqError, match="Missing bridges br-missing"):
        h.Create("kvm1.example.com", hypervisor="kvm", nics=[{"link": "br-missing"}],
                 hvparams={"kernel_path": "/boot/vmlinuz"})
    _AssertNothingLeft(h, "kvm1.example.com")


def test_kvm_instances_get_a_network_port(tmp_path):
    h = InstanceHarness(tmp_path, hypervisors=[constants.HT_KVM])
    h.Create(nics=[], hvparams={"acpi": "false"})
    inst = h.cfg.GetInstanceInfo(NAME)
    assert inst.network_port >= constants.FIRST_DRBD_PORT
    assert inst.hvparams == {"acpi": False}, "CLI strings become typed values"
    (_, (hvname, filled)), = h.nodes.Called("hypervisor_validate_params")[:1]
    assert hvname == "kvm" and filled["acpi"] is False and "kernel_path" in filled


def test_node_side_parameter_validation_failure(h):
    h.nodes.Fail("hypervisor_validate_params", N2, "Parameter 'kernel_path' must exist")
    with pytest.raises(errors.OpPrereqError, match="validation failed on node .*must exist"):
        h.Create()
    _AssertNothingLeft(h)


def test_name_check_resolves_through_the_hosts_file(h, monkeypatch):
    from ganeti import netutils
    monkeypatch.setattr(netutils, "LookupHostsFile",
                        lambda name, path=None: ("web.example.com", "192.0.2.50")
                        if name in ("web", "web.example.com") else None)
    h.Create("web", name_check=True, nics=[{"ip": "auto"}])
    inst = h.cfg.GetInstanceInfo("web.example.com")
    assert inst.nics[0].ip == "192.0.2.50"
    with pytest.raises(errors.OpPrereqError, match="Cannot resolve instance name") as info:
        h.Create("no-such-host.invalid", name_check=True)
    assert info.value.args[1] == errors.ECODE_RESOLVER


def test_lock_is_held_during_creation_and_kept(h):
    h.Create()
    assert NAME in h.context.glm._names(locking.LEVEL_INSTANCE)
    assert not h.context.glm.is_owned(locking.LEVEL_INSTANCE)
