"""Instance power, identity and disk operations on a real configuration with fake nodes."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from instancefakes import N1, N2, N3, InstanceHarness  # noqa: E402

from ganeti import constants, errors, locking, opcodes  # noqa: E402

NAME = "inst1.example.com"


@pytest.fixture
def h(tmp_path):
    harness = InstanceHarness(tmp_path)
    harness.Create(disk_template=constants.DT_FILE, disks=[{"size": 64}])
    return harness


def _Running(h, node=N2):
    return h.nodes.nodes[node].running


def test_shutdown_and_startup(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME, timeout=7))
    assert not h.cfg.GetInstanceInfo(NAME).admin_up and NAME not in _Running(h)
    assert h.nodes.Called("instance_shutdown")[-1][1][1] == 7
    h.Run(opcodes.OpInstanceStartup(instance_name=NAME))
    assert h.cfg.GetInstanceInfo(NAME).admin_up and NAME in _Running(h)
    env = h.HookEnvs("instance-start")[0]
    assert env["INSTANCE_NAME"] == NAME and env["FORCE"] == "False"


def test_startup_by_uuid_with_temporary_parameters(tmp_path):
    h = InstanceHarness(tmp_path, hypervisors=[constants.HT_KVM])
    h.Create(nics=[], start=False, hvparams={"kernel_path": "/boot/vmlinuz"})
    uuid = h.cfg.GetInstanceInfo(NAME).uuid
    h.Run(opcodes.OpInstanceStartup(instance_name=uuid, hvparams={"acpi": "false"},
                                    beparams={"memory": "512M"}))
    running = _Running(h)[NAME]
    assert running["memory"] == 512 and running["hvparams"]["acpi"] is False
    inst = h.cfg.GetInstanceInfo(NAME)
    assert inst.hvparams == {"kernel_path": "/boot/vmlinuz"} and inst.beparams == {}, \
        "one-off parameters are not stored"
    with pytest.raises(errors.OpPrereqError, match="global"):
        h.Run(opcodes.OpInstanceStartup(instance_name=NAME, hvparams={"migration_port": 1}))


def test_startup_checks_memory(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    h.nodes.nodes[N2].memory_free = 64
    with pytest.raises(errors.OpPrereqError, match="Not enough memory on node"):
        h.Run(opcodes.OpInstanceStartup(instance_name=NAME))
    assert not h.cfg.GetInstanceInfo(NAME).admin_up


def test_startup_failure_deactivates_the_disks(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    h.nodes.Fail("instance_start", N2, "Hypervisor error: boom")
    shutdowns = len(h.nodes.Called("blockdev_shutdown"))
    with pytest.raises(errors.OpExecError, match="Could not start instance.*boom"):
        h.Run(opcodes.OpInstanceStartup(instance_name=NAME))
    assert len(h.nodes.Called("blockdev_shutdown")) > shutdowns
    assert h.cfg.GetInstanceInfo(NAME).admin_up, "the admin's wish is recorded (watcher retries)"


@pytest.mark.parametrize("kind", ["soft", "hard"])
def test_soft_and_hard_reboot_go_to_the_node(h, kind):
    h.Run(opcodes.OpInstanceReboot(instance_name=NAME, reboot_type=kind, shutdown_timeout=9))
    (node, (_, reboot_type, timeout)), = h.nodes.Called("instance_reboot")
    assert (node, reboot_type, timeout) == (N2, kind, 9)


def test_full_reboot_cycles_the_disks(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    h.nodes.calls.clear()
    h.Run(opcodes.OpInstanceReboot(instance_name=NAME, reboot_type="full"))
    order = [name for name, _, _ in h.nodes.calls if name != "hooks_runner"]
    assert order == ["instance_shutdown", "blockdev_shutdown", "blockdev_assemble",
                     "instance_start"]
    assert h.cfg.GetInstanceInfo(NAME).admin_up and NAME in _Running(h)


def test_remove(h):
    h.Run(opcodes.OpInstanceRemove(instance_name=NAME))
    assert h.cfg.GetInstanceInfo(NAME) is None
    assert h.nodes.AllDisks() == {} and h.nodes.nodes[N2].dirs == set()
    assert NAME not in _Running(h) and NAME not in h.InstanceLocks()
    assert h.HookEnvs("instance-remove", "post")[0]["INSTANCE_NAME"] == NAME


def test_remove_failures_and_ignore_failures(h):
    h.nodes.Fail("blockdev_remove", N2, "device busy")
    with pytest.raises(errors.OpExecError, match="Can't remove instance's disks"):
        h.Run(opcodes.OpInstanceRemove(instance_name=NAME))
    assert h.cfg.GetInstanceInfo(NAME) is not None
    h.Run(opcodes.OpInstanceRemove(instance_name=NAME, ignore_failures=True))
    assert h.cfg.GetInstanceInfo(NAME) is None


def test_reinstall_needs_a_stopped_instance_and_checks_the_new_os(h):
    with pytest.raises(errors.OpPrereqError, match="marked to be up"):
        h.Run(opcodes.OpInstanceReinstall(instance_name=NAME))
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    with pytest.raises(errors.OpPrereqError, match="Unsupported variant 'x'"):
        h.Run(opcodes.OpInstanceReinstall(instance_name=NAME, os_type="busybox+x"))
    assert h.cfg.GetInstanceInfo(NAME).os == "busybox"
    h.Run(opcodes.OpInstanceReinstall(instance_name=NAME, os_type="busybox+x",
                                      force_variant=True))
    assert h.cfg.GetInstanceInfo(NAME).os == "busybox+x"
    _, (rpc_inst, reinstall, _) = h.nodes.Called("instance_os_add")[-1]
    assert reinstall is True and rpc_inst.os == "busybox+x"
    assert h.nodes.Called("blockdev_shutdown"), "disks deactivated after the reinstall"


def test_reinstall_refused_while_running_on_the_node(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    _Running(h)[NAME] = {"memory": 128, "vcpus": 1, "state": "running", "time": 0}
    with pytest.raises(errors.OpPrereqError, match="is running on node"):
        h.Run(opcodes.OpInstanceReinstall(instance_name=NAME))


def test_rename_moves_file_disks_and_the_lock(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    new = "inst9.example.com"
    assert h.Run(opcodes.OpInstanceRename(instance_name=NAME, new_name=new,
                                          name_check=False)) == new
    inst = h.cfg.GetInstanceInfo(new)
    assert h.cfg.GetInstanceInfo(NAME) is None and inst.uuid
    base = "/srv/ganeti/file-storage/%s" % new
    assert inst.disks[0].logical_id == ["loop", base + "/disk0"]
    assert h.nodes.nodes[N2].dirs == {base}
    assert set(h.nodes.nodes[N2].disks) == {("file", ("loop", base + "/disk0"))}
    assert new in h.InstanceLocks() and NAME not in h.InstanceLocks()
    (_, (rpc_inst, old_name, _)), = h.nodes.Called("instance_run_rename")
    assert (rpc_inst.name, old_name) == (new, NAME)
    env = h.HookEnvs("instance-rename")[0]
    assert env["INSTANCE_NEW_NAME"] == new
    h.Run(opcodes.OpInstanceStartup(instance_name=new))


def test_rename_refusals(h):
    with pytest.raises(errors.OpPrereqError, match="marked to be up"):
        h.Run(opcodes.OpInstanceRename(instance_name=NAME, new_name="x", name_check=False))
    h.Create("inst2.example.com")
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    with pytest.raises(errors.OpPrereqError, match="Invalid instance name"):
        h.Run(opcodes.OpInstanceRename(instance_name=NAME, new_name="../x", name_check=False))
    with pytest.raises(errors.OpPrereqError, match="already in the cluster"):
        h.Run(opcodes.OpInstanceRename(instance_name=NAME, new_name="inst2.example.com",
                                       name_check=False))


def test_rename_script_failure_is_only_a_warning(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    h.nodes.Fail("instance_run_rename", N2, "rename script failed")
    h.Run(opcodes.OpInstanceRename(instance_name=NAME, new_name="x.example.com",
                                   name_check=False))
    assert any("rename script failed" in m for m in h.feedback.messages)
    assert h.cfg.GetInstanceInfo("x.example.com") is not None


def test_console_comes_from_the_primary(h):
    console = h.Run(opcodes.OpInstanceConsole(instance_name=NAME))
    assert console["kind"] == constants.CONS_SSH and console["host"] == N2
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    with pytest.raises(errors.OpExecError, match="not running"):
        h.Run(opcodes.OpInstanceConsole(instance_name=NAME))


def test_grow_disk_checks_everywhere_first(h):
    h.Run(opcodes.OpInstanceGrowDisk(instance_name=NAME, disk=0, amount=32))
    grows = [(node, args[2]) for node, args in h.nodes.Called("blockdev_grow")]
    assert grows == [(N2, True), (N2, False)], "dry run, then the real grow"
    assert h.cfg.GetInstanceInfo(NAME).disks[0].size == 96
    with pytest.raises(errors.OpPrereqError, match="Not enough disk space"):
        h.Run(opcodes.OpInstanceGrowDisk(instance_name=NAME, disk=0, amount=50000))
    with pytest.raises(errors.OpPrereqError, match="Invalid disk index 3"):
        h.Run(opcodes.OpInstanceGrowDisk(instance_name=NAME, disk=3, amount=1))
    h.nodes.Fail("blockdev_grow", N2, "cannot grow")
    with pytest.raises(errors.OpExecError, match="dry run"):
        h.Run(opcodes.OpInstanceGrowDisk(instance_name=NAME, disk=0, amount=1))
    assert h.cfg.GetInstanceInfo(NAME).disks[0].size == 96


def test_activate_and_deactivate_disks(h):
    result = h.Run(opcodes.OpInstanceActivateDisks(instance_name=NAME))
    assert result == [(N2, "disk/0", "/dev/fake/disk/0")]
    with pytest.raises(errors.OpExecError, match="is running"):
        h.Run(opcodes.OpInstanceDeactivateDisks(instance_name=NAME))
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    h.Run(opcodes.OpInstanceDeactivateDisks(instance_name=NAME))
    h.nodes.nodes[N2].disks.clear()
    with pytest.raises(errors.OpExecError, match="Cannot activate block devices"):
        h.Run(opcodes.OpInstanceActivateDisks(instance_name=NAME))


def test_recreate_disks(h):
    h.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    with pytest.raises(errors.OpExecError, match="already exists"):
        h.Run(opcodes.OpInstanceRecreateDisks(instance_name=NAME))
    h.nodes.nodes[N2].disks.clear()
    h.Run(opcodes.OpInstanceRecreateDisks(instance_name=NAME))
    assert h.nodes.AllDisks() == {N2: {("file", ("loop", "/srv/ganeti/file-storage/%s/disk0"
                                                  % NAME))}}
    with pytest.raises(errors.OpPrereqError, match="Invalid disk index"):
        h.Run(opcodes.OpInstanceRecreateDisks(instance_name=NAME, disks=[1]))


def test_unknown_instance(h):
    with pytest.raises(errors.OpPrereqError, match="Instance 'nope' not known") as info:
        h.Run(opcodes.OpInstanceStartup(instance_name="nope"))
    assert info.value.args[1] == errors.ECODE_NOENT


def test_offline_primary_is_refused(h):
    node = h.cfg.GetNodeInfo(N2)
    node.offline = True
    h.cfg.Update(node)
    with pytest.raises(errors.OpPrereqError, match="primary node .* is offline"):
        h.Run(opcodes.OpInstanceStartup(instance_name=NAME))


# --- failover and migration ----------------------------------------------------------

def test_failover_and_migrate_refuse_non_mirrored(h):
    for op in (opcodes.OpInstanceFailover(instance_name=NAME),
               opcodes.OpInstanceMigrate(instance_name=NAME)):
        with pytest.raises(errors.OpPrereqError, match="not network mirrored"):
            h.Run(op)


@pytest.fixture
def drbd(tmp_path):
    harness = InstanceHarness(tmp_path)
    harness.Create(disk_template=constants.DT_DRBD8, snode=N3, disks=[{"size": 100}])
    harness.nodes.calls.clear()
    return harness


def test_failover_switches_the_primary(drbd):
    drbd.Run(opcodes.OpInstanceFailover(instance_name=NAME))
    inst = drbd.cfg.GetInstanceInfo(NAME)
    assert inst.primary_node == N3 and inst.secondary_nodes == [N2]
    assert NAME in drbd.nodes.nodes[N3].running and NAME not in drbd.nodes.nodes[N2].running
    env = drbd.HookEnvs("instance-failover")[0]
    assert (env["OLD_PRIMARY"], env["NEW_PRIMARY"]) == (N2, N3)


def test_failover_refuses_degraded_disks_unless_told(drbd):
    drbd.nodes.Fail("blockdev_getmirrorstatus", N3, "no such device")
    with pytest.raises(errors.OpExecError, match="mirror status"):
        drbd.Run(opcodes.OpInstanceFailover(instance_name=NAME))
    assert drbd.cfg.GetInstanceInfo(NAME).primary_node == N2


def test_migrate_sequence(drbd):
    drbd.Run(opcodes.OpInstanceMigrate(instance_name=NAME, live=True))
    steps = [(name, node) for name, node, _ in drbd.nodes.calls
             if name not in ("hooks_runner", "instance_info", "node_info", "bridges_exist")]
    assert steps[:2] == [("instance_migratable", N2), ("blockdev_getmirrorstatus", N3)]
    names = [name for name, _ in steps]
    accept = names.index("accept_instance")
    assert names[names.index("migration_info"):accept] == [
        "migration_info", "blockdev_close", "drbd_disconnect_net", "drbd_disconnect_net",
        "drbd_attach_net", "drbd_attach_net", "drbd_wait_sync", "drbd_wait_sync"]
    assert names[accept:accept + 3] == ["accept_instance", "instance_migrate",
                                        "finalize_migration"]
    multimaster = [args[3] for name, _, args in drbd.nodes.calls if name == "drbd_attach_net"]
    assert multimaster == [True, True, False, False], "dual-master only during the move"
    inst = drbd.cfg.GetInstanceInfo(NAME)
    assert inst.primary_node == N3 and NAME in drbd.nodes.nodes[N3].running
    closed = [node for node, _ in drbd.nodes.Called("blockdev_close")]
    assert closed == [N3, N2], "target demoted before, old primary after"


def test_failed_migration_is_undone(drbd):
    drbd.nodes.Fail("instance_migrate", N2, "migration aborted")
    with pytest.raises(errors.OpExecError, match="Could not migrate"):
        drbd.Run(opcodes.OpInstanceMigrate(instance_name=NAME))
    assert drbd.cfg.GetInstanceInfo(NAME).primary_node == N2
    (_, (_, _, success)), = drbd.nodes.Called("finalize_migration")
    assert success is False
    attach = [args[3] for name, _, args in drbd.nodes.calls if name == "drbd_attach_net"]
    assert attach[-1] is False, "back to single-master"


def test_migrate_cleanup_finds_where_it_runs(drbd):
    inst_info = drbd.nodes.nodes[N2].running.pop(NAME)
    drbd.nodes.nodes[N3].running[NAME] = inst_info
    drbd.Run(opcodes.OpInstanceMigrate(instance_name=NAME, cleanup=True))
    assert drbd.cfg.GetInstanceInfo(NAME).primary_node == N3
    assert [node for node, _ in drbd.nodes.Called("blockdev_close")] == [N2]
    drbd.nodes.nodes[N3].running[NAME] = inst_info
    drbd.nodes.nodes[N2].running[NAME] = inst_info
    with pytest.raises(errors.OpExecError, match="running on two nodes"):
        drbd.Run(opcodes.OpInstanceMigrate(instance_name=NAME, cleanup=True))


def test_migrate_needs_a_running_instance(drbd):
    drbd.Run(opcodes.OpInstanceShutdown(instance_name=NAME))
    with pytest.raises(errors.OpPrereqError, match="not running, use failover"):
        drbd.Run(opcodes.OpInstanceMigrate(instance_name=NAME))


def test_remove_drbd_removes_both_sides(drbd):
    drbd.Run(opcodes.OpInstanceRemove(instance_name=NAME))
    assert drbd.nodes.AllDisks() == {}
    assert sorted(n for n, _ in drbd.nodes.Called("blockdev_remove")) == [N2, N3]
    assert not drbd.context.glm.is_owned(locking.LEVEL_INSTANCE)
    assert N1 in [n for n, args in drbd.nodes.Called("hooks_runner")]
