"""Moving a DRBD8 instance to its secondary node: failover (stop and start) and migration.

Only network-mirrored disks exist on both nodes, so other templates are
refused. Live migration follows upstream's sequence: the target's disks
are made secondary, both ends go StandAlone and reconnect dual-primary,
the target hypervisor accepts the instance, the source sends it, the
configuration switches the primary, then the old primary's disks are
demoted and the mirror reconnects single-primary. A failure before the
switch undoes the target side and restores the disks' single-primary
state; `gnt-instance migrate --cleanup` repairs an interrupted migration.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ganeti import constants, errors
from ganeti.cmdlib import instance_storage as istorage
from ganeti.cmdlib import instance_utils as iutils
from ganeti.cmdlib.base import CheckNodeNotDrained, CheckNodeOnline, FeedbackFn, LogicalUnit
from ganeti.cmdlib.instance_utils import InstanceLUMixin

_SYNC_POLL = 2.0
_SYNC_ATTEMPTS = 150  # polls (5 minutes) for the mirror to reconnect and sync


def _CheckMirrored(instance: Any, action: str) -> str:
    """The target (secondary) node of a network-mirrored instance."""
    if instance.disk_template not in constants.DTS_NET_MIRROR:
        raise errors.OpPrereqError("Instance's disk layout (%s) is not network mirrored, cannot"
                                   " %s" % (instance.disk_template, action), errors.ECODE_STATE)
    secondaries = instance.secondary_nodes
    if len(secondaries) != 1:
        raise errors.OpPrereqError("The instance has a strange layout, expected one secondary"
                                   " but found %d" % len(secondaries), errors.ECODE_FAULT)
    return secondaries[0]


def _CheckTarget(lu: Any, instance: Any, target: str) -> None:
    CheckNodeOnline(lu.cfg, target)
    CheckNodeNotDrained(lu.cfg, target)
    iutils.CheckNicBridges(lu, instance.nics, target, instance.hypervisor)
    if instance.admin_up:
        memory = lu.cfg.GetClusterInfo().FillBE(instance)[constants.BE_MEMORY]
        iutils.CheckNodeFreeMemory(lu, target, "failing over instance %s" % instance.name,
                                   memory, instance.hypervisor)


class _DrbdControl:
    """The DRBD8 network steps of a migration, on both nodes of an instance."""

    def __init__(self, lu: Any, instance: Any,
                 sleep_fn: Callable[[float], None] = time.sleep):
        self.lu = lu
        self.instance = instance
        self.nodes = list(instance.all_nodes)
        self.nodes_ip = {n: lu.cfg.GetNodeInfo(n).secondary_ip or lu.cfg.GetNodeInfo(n).primary_ip
                         for n in self.nodes}
        self.sleep_fn = sleep_fn

    def _Disks(self) -> list[Any]:
        """Disks without physical ids: each node computes its own from nodes_ip."""
        disks = [d.Copy() for d in self.instance.disks]
        for disk in disks:
            _ClearPhysicalIds(disk)
        return disks

    def _RaiseAll(self, results: dict[str, Any], msg: str) -> None:
        for node, result in results.items():
            result.Raise("%s on node %s" % (msg, node))

    def EnsureSecondary(self, node: str) -> None:
        self.lu.LogInfo("Switching node %s to secondary mode", node)
        self.lu.rpc.call_blockdev_close(
            node, self.instance.name,
            [iutils.DiskForNode(self.lu.cfg, d, node) for d in self.instance.disks]).Raise(
            "Cannot change disks of %s to secondary on node %s" % (self.instance.name, node))

    def GoStandalone(self) -> None:
        self.lu.LogInfo("Changing disks into standalone mode")
        self._RaiseAll(self.lu.rpc.call_drbd_disconnect_net(self.nodes, self.nodes_ip,
                                                            self._Disks()),
                       "Cannot disconnect disks")

    def GoReconnect(self, multimaster: bool) -> None:
        self.lu.LogInfo("Changing disks into %s mode", "dual-master" if multimaster
                        else "single-master")
        self._RaiseAll(self.lu.rpc.call_drbd_attach_net(self.nodes, self.nodes_ip, self._Disks(),
                                                        self.instance.name, multimaster),
                       "Cannot change disks config")

    def WaitUntilSync(self) -> None:
        self.lu.LogInfo("Waiting for the disks to reconnect and sync")
        for _ in range(_SYNC_ATTEMPTS):
            results = self.lu.rpc.call_drbd_wait_sync(self.nodes, self.nodes_ip, self._Disks())
            self._RaiseAll(results, "Cannot resync disks")
            done = all(result.payload[0] for result in results.values())
            lowest = min(result.payload[1] for result in results.values())
            if done:
                return
            self.lu.LogInfo("- progress: %.1f%%", lowest)
            self.sleep_fn(_SYNC_POLL)
        raise errors.OpExecError("The disks of %s did not reconnect and sync within %d seconds"
                                 % (self.instance.name, int(_SYNC_ATTEMPTS * _SYNC_POLL)))

    def Revert(self, target: str) -> None:
        """Back to single-primary on the source after a failed migration (best effort)."""
        try:
            self.EnsureSecondary(target)
            self.GoStandalone()
            self.GoReconnect(False)
            self.WaitUntilSync()
        except errors.OpExecError as err:
            self.lu.LogWarning("Migration failed and I can't reconnect the drives, try running"
                               " 'gnt-instance migrate --cleanup': %s", err)


def _ClearPhysicalIds(disk: Any) -> None:
    disk.physical_id = None
    for child in disk.children:
        _ClearPhysicalIds(child)


class LUInstanceFailover(InstanceLUMixin, LogicalUnit):
    """Stop the instance on its primary and start it on its secondary."""

    HPATH = "instance-failover"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckInstance(self) -> None:
        self.target = _CheckMirrored(self.instance, "fail over")
        _CheckTarget(self, self.instance, self.target)

    def HookEnv(self) -> dict[str, Any]:
        return {"IGNORE_CONSISTENCY": self.op.ignore_consistency,
                "SHUTDOWN_TIMEOUT": self.op.shutdown_timeout,
                "OLD_PRIMARY": self.instance.primary_node, "NEW_PRIMARY": self.target}

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst, target, source = self.instance, self.target, self.instance.primary_node
        if inst.admin_up:
            feedback_fn("* checking disk consistency between source and target")
            degraded = istorage.CheckDiskConsistency(self, inst, target)
            if degraded and not self.op.ignore_consistency:
                raise errors.OpExecError("Disk(s) %s degraded on target node %s, aborting"
                                         " failover" % (", ".join(degraded), target))
        feedback_fn("* shutting down instance on source node")
        result = self.rpc.call_instance_shutdown(source, iutils.RpcInstance(self.cfg, inst),
                                                 self.op.shutdown_timeout)
        if result.fail_msg:
            if not self.op.ignore_consistency and not self.cfg.GetNodeInfo(source).offline:
                result.Raise("Could not shutdown instance %s on node %s" % (inst.name, source))
            self.LogWarning("Could not shutdown instance %s on node %s, proceeding anyway: %s",
                            inst.name, source, result.fail_msg)
        feedback_fn("* deactivating the instance's disks on source node")
        if not istorage.ShutdownInstanceDisks(self, inst, ignore_primary=True):
            raise errors.OpExecError("Can't shut down the instance's disks")
        inst.primary_node = target
        self.cfg.Update(inst, feedback_fn)
        if not inst.admin_up:
            return
        feedback_fn("* activating the instance's disks on target node %s" % target)
        ok, _ = istorage.AssembleInstanceDisks(self, inst, ignore_secondaries=True)
        if not ok:
            istorage.ShutdownInstanceDisks(self, inst)
            raise errors.OpExecError("Can't activate the instance's disks")
        feedback_fn("* starting the instance on the target node %s" % target)
        result = self.rpc.call_instance_start(target, iutils.RpcInstance(self.cfg, inst))
        if result.fail_msg:
            istorage.ShutdownInstanceDisks(self, inst)
            result.Raise("Could not start instance %s on node %s" % (inst.name, target))


class LUInstanceMigrate(InstanceLUMixin, LogicalUnit):
    """Move a running instance to its secondary without stopping it (or clean up after)."""

    HPATH = "instance-migrate"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckInstance(self) -> None:
        inst = self.instance
        self.target = _CheckMirrored(inst, "migrate")
        if self.op.cleanup:
            return
        _CheckTarget(self, inst, self.target)
        if not iutils.IsInstanceRunning(self, inst):
            raise errors.OpPrereqError("Instance %s is not running, use failover instead"
                                       % inst.name, errors.ECODE_STATE)
        self.rpc.call_instance_migratable(inst.primary_node,
                                          iutils.RpcInstance(self.cfg, inst)).Raise(
            "Can't migrate instance %s" % inst.name, prereq=True, ecode=errors.ECODE_STATE)

    def HookEnv(self) -> dict[str, Any]:
        return {"MIGRATE_LIVE": self.op.live, "MIGRATE_CLEANUP": self.op.cleanup,
                "OLD_PRIMARY": self.instance.primary_node, "NEW_PRIMARY": self.target}

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        drbd = _DrbdControl(self, self.instance)
        if self.op.cleanup:
            self._Cleanup(drbd, feedback_fn)
        else:
            self._Migrate(drbd, feedback_fn)

    def _Migrate(self, drbd: _DrbdControl, feedback_fn: FeedbackFn) -> None:
        inst, target, source = self.instance, self.target, self.instance.primary_node
        feedback_fn("* checking disk consistency between source and target")
        degraded = istorage.CheckDiskConsistency(self, inst, target)
        if degraded:
            raise errors.OpExecError("Disk(s) %s degraded or not fully synchronized on target"
                                     " node %s, aborting migrate" % (", ".join(degraded), target))
        result = self.rpc.call_migration_info(source, iutils.RpcInstance(self.cfg, inst))
        result.Raise("Failed fetching source migration information from %s" % source)
        info = result.payload
        drbd.EnsureSecondary(target)
        drbd.GoStandalone()
        drbd.GoReconnect(True)
        drbd.WaitUntilSync()
        target_ip = drbd.nodes_ip[target]
        feedback_fn("* preparing %s to accept the instance" % target)
        result = self.rpc.call_accept_instance(target, iutils.RpcInstance(self.cfg, inst, target),
                                               info, target_ip)
        if result.fail_msg:
            drbd.Revert(target)
            result.Raise("Could not pre-migrate instance %s" % inst.name)
        feedback_fn("* migrating instance to %s" % target)
        result = self.rpc.call_instance_migrate(source, iutils.RpcInstance(self.cfg, inst),
                                                target_ip, self.op.live)
        if result.fail_msg:
            self.rpc.call_finalize_migration(target, iutils.RpcInstance(self.cfg, inst, target),
                                             info, False)
            drbd.Revert(target)
            result.Raise("Could not migrate instance %s" % inst.name)
        inst.primary_node = target
        self.cfg.Update(inst, feedback_fn)
        self.rpc.call_finalize_migration(target, iutils.RpcInstance(self.cfg, inst), info,
                                         True).Raise("Could not finalize instance migration")
        drbd.EnsureSecondary(source)
        drbd.WaitUntilSync()
        drbd.GoStandalone()
        drbd.GoReconnect(False)
        drbd.WaitUntilSync()
        feedback_fn("* done")

    def _Cleanup(self, drbd: _DrbdControl, feedback_fn: FeedbackFn) -> None:
        """Find where the instance runs, fix the config, reconnect the disks single-primary."""
        inst, target, source = self.instance, self.target, self.instance.primary_node
        feedback_fn("* checking where the instance actually runs")
        results = self.rpc.call_instance_list([source, target], [inst.hypervisor])
        for node, result in results.items():
            result.Raise("Can't contact node %s" % node)
        on_source = inst.name in results[source].payload
        on_target = inst.name in results[target].payload
        if on_source and on_target:
            raise errors.OpExecError("Instance seems to be running on two nodes, or the state"
                                     " can not be determined")
        if not (on_source or on_target):
            raise errors.OpExecError("Instance does not seem to be running at all; stop it"
                                     " with 'gnt-instance shutdown' to deactivate its disks"
                                     " and start it again")
        if on_target:
            feedback_fn("* instance running on secondary node (%s), updating config" % target)
            inst.primary_node = target
            self.cfg.Update(inst, feedback_fn)
            demoted = source
        else:
            feedback_fn("* instance confirmed to be running on its primary node (%s)" % source)
            demoted = target
        drbd.EnsureSecondary(demoted)
        try:
            drbd.WaitUntilSync()
        except errors.OpExecError as err:
            self.LogWarning("Error while waiting for the disks to sync, continuing: %s", err)
        drbd.GoStandalone()
        drbd.GoReconnect(False)
        drbd.WaitUntilSync()
        feedback_fn("* done")
