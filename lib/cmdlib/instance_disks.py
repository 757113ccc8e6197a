"""Operations on an instance's disks: activate, deactivate, recreate, grow."""

from __future__ import annotations

from typing import Any

from ganeti import constants, errors
from ganeti.cmdlib import instance_storage as istorage
from ganeti.cmdlib import instance_utils as iutils
from ganeti.cmdlib.base import CheckNodeOnline, FeedbackFn, LogicalUnit, NoHooksLU
from ganeti.cmdlib.instance_utils import InstanceLUMixin


class LUInstanceActivateDisks(InstanceLUMixin, NoHooksLU):
    """Set an instance's disks up; returns [(node, iv_name, device path on the primary)]."""

    REQ_BGL = False

    def CheckInstance(self) -> None:
        iutils.CheckPrimaryOnline(self.cfg, self.instance)

    def Exec(self, feedback_fn: FeedbackFn) -> list[tuple[str, str, str]]:
        ok, info = istorage.AssembleInstanceDisks(self, self.instance)
        if not ok:
            raise errors.OpExecError("Cannot activate block devices")
        return info


class LUInstanceDeactivateDisks(InstanceLUMixin, NoHooksLU):
    """Shut an instance's disks down (refused while it runs)."""

    REQ_BGL = False

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        istorage.SafeShutdownInstanceDisks(self, self.instance)


def _CheckDiskIndices(instance: Any, indices: list[int]) -> None:
    bad = [idx for idx in indices if idx >= len(instance.disks)]
    if bad:
        raise errors.OpPrereqError("Invalid disk index %s (instance %s has %d disks)"
                                   % (", ".join(map(str, bad)), instance.name,
                                      len(instance.disks)), errors.ECODE_INVAL)


class LUInstanceRecreateDisks(InstanceLUMixin, LogicalUnit):
    """Create an instance's disks again, empty, where they are missing."""

    HPATH = "instance-recreate-disks"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckInstance(self) -> None:
        iutils.CheckDisksOffline(self, self.instance, "cannot recreate disks")
        _CheckDiskIndices(self.instance, self.op.disks)

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst = self.instance
        wanted = [disk for idx, disk in enumerate(inst.disks)
                  if not self.op.disks or idx in self.op.disks]
        istorage.CreateDisks(self, inst, disks=wanted, feedback_fn=feedback_fn)
        istorage.ShutdownInstanceDisks(self, inst, disks=wanted)


class LUInstanceGrowDisk(InstanceLUMixin, LogicalUnit):
    """Grow one disk on all its nodes (checked first everywhere with a dry run)."""

    HPATH = "disk-grow"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckInstance(self) -> None:
        inst = self.instance
        if inst.disk_template not in (constants.DT_PLAIN, constants.DT_DRBD8, constants.DT_FILE):
            raise errors.OpPrereqError("Instance's disk layout (%s) does not support growing"
                                       % inst.disk_template, errors.ECODE_INVAL)
        for node in inst.all_nodes:
            CheckNodeOnline(self.cfg, node)
        _CheckDiskIndices(inst, [self.op.disk])
        self.disk = inst.disks[self.op.disk]
        istorage.CheckNodesFreeDisk(self, inst.all_nodes, inst.disk_template, self.op.amount)

    def HookEnv(self) -> dict[str, Any]:
        return {"DISK": self.op.disk, "AMOUNT": self.op.amount}

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst, disk = self.instance, self.disk
        ok, _ = istorage.AssembleInstanceDisks(self, inst, disks=[disk])
        if not ok:
            raise errors.OpExecError("Cannot activate block device %s to grow it" % disk.iv_name)
        try:
            for dryrun in (True, False):
                for node in inst.all_nodes:
                    self.rpc.call_blockdev_grow(node, iutils.DiskForNode(self.cfg, disk, node),
                                                self.op.amount, dryrun).Raise(
                        "Grow request failed to node %s%s" % (node, " (dry run)" if dryrun else ""))
            istorage.RecordGrow(disk, self.op.amount)
            self.cfg.Update(inst, feedback_fn)
            if self.op.wait_for_sync and not istorage.WaitForSync(self, inst, disks=[disk]):
                self.LogWarning("Disk sync-ing has not returned a good status; please check")
        finally:
            if not inst.admin_up:
                istorage.ShutdownInstanceDisks(self, inst, disks=[disk])
