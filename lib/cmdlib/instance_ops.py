"""The power and identity operations of one instance.

gnt-instance startup, shutdown, reboot, remove, reinstall, rename and
console. Each locks the instance (by name or UUID) and its nodes, checks
the instance's state, and acts through the node daemons; the admin state in
the configuration follows what the administrator asked for (startup marks
the instance up even if the start then fails, so the watcher retries it).
"""

from __future__ import annotations

import os
from typing import Any

from ganeti import constants, errors, locking
from ganeti.cmdlib import instance_storage as istorage
from ganeti.cmdlib import instance_utils as iutils
from ganeti.cmdlib.base import FeedbackFn, LogicalUnit, NoHooksLU
from ganeti.cmdlib.instance_utils import InstanceLUMixin


class LUInstanceStartup(InstanceLUMixin, LogicalUnit):
    """Start an instance, optionally with one-off hvparams/beparams."""

    HPATH = "instance-start"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckArguments(self) -> None:
        beparams = iutils.PrepareBeParams(self.op.beparams)
        self.op.beparams = {k: v for k, v in beparams.items() if v is not None}

    def CheckInstance(self) -> None:
        inst = self.instance
        cluster = self.cfg.GetClusterInfo()
        hvparams = iutils.PrepareInstanceHvParams(inst.hypervisor, self.op.hvparams)
        self.op.hvparams = {k: v for k, v in hvparams.items() if v is not None}
        if self.op.hvparams:
            filled = cluster.FillHV(inst)
            filled.update(self.op.hvparams)
            iutils.CheckHvParamSyntax(inst.hypervisor, filled)
            iutils.CheckHvParamsOnNodes(self, inst.all_nodes, inst.hypervisor, filled)
        iutils.CheckPrimaryOnline(self.cfg, inst)
        iutils.CheckNicBridges(self, inst.nics, inst.primary_node, inst.hypervisor)
        self.running = iutils.IsInstanceRunning(self, inst)
        if not self.running:
            bep = cluster.FillBE(inst)
            bep.update(self.op.beparams)
            iutils.CheckNodeFreeMemory(self, inst.primary_node, "starting instance %s" % inst.name,
                                       bep[constants.BE_MEMORY], inst.hypervisor)

    def HookEnv(self) -> dict[str, Any]:
        return {"FORCE": self.op.force}

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst = self.instance
        self.cfg.MarkInstanceUp(inst.name)
        if self.running:
            self.LogInfo("Instance %s is already running", inst.name)
            return
        istorage.StartInstanceDisks(self, inst, self.op.force)
        result = self.rpc.call_instance_start(
            inst.primary_node, iutils.RpcInstance(self.cfg, inst, hvp=self.op.hvparams,
                                                  bep=self.op.beparams))
        if result.fail_msg:
            istorage.ShutdownInstanceDisks(self, inst)
            result.Raise("Could not start instance %s" % inst.name)


class LUInstanceShutdown(InstanceLUMixin, LogicalUnit):
    """Stop an instance (clean shutdown within op.timeout, then forced)."""

    HPATH = "instance-stop"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckInstance(self) -> None:
        iutils.CheckPrimaryOnline(self.cfg, self.instance)

    def HookEnv(self) -> dict[str, Any]:
        return {"TIMEOUT": self.op.timeout}

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst = self.instance
        self.cfg.MarkInstanceDown(inst.name)
        result = self.rpc.call_instance_shutdown(inst.primary_node,
                                                 iutils.RpcInstance(self.cfg, inst),
                                                 self.op.timeout)
        if result.fail_msg:
            self.LogWarning("Could not shutdown instance %s: %s", inst.name, result.fail_msg)
        istorage.ShutdownInstanceDisks(self, inst)


class LUInstanceReboot(InstanceLUMixin, LogicalUnit):
    """Reboot an instance: soft or hard on the node, full cycles its disks too."""

    HPATH = "instance-reboot"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckInstance(self) -> None:
        iutils.CheckPrimaryOnline(self.cfg, self.instance)
        iutils.CheckNicBridges(self, self.instance.nics, self.instance.primary_node,
                               self.instance.hypervisor)

    def HookEnv(self) -> dict[str, Any]:
        return {"IGNORE_SECONDARIES": self.op.ignore_secondaries,
                "REBOOT_TYPE": self.op.reboot_type,
                "SHUTDOWN_TIMEOUT": self.op.shutdown_timeout}

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst = self.instance
        node = inst.primary_node
        if self.op.reboot_type in (constants.INSTANCE_REBOOT_SOFT,
                                   constants.INSTANCE_REBOOT_HARD):
            self.rpc.call_instance_reboot(node, iutils.RpcInstance(self.cfg, inst),
                                          self.op.reboot_type,
                                          self.op.shutdown_timeout).Raise(
                "Could not reboot instance %s" % inst.name)
        else:
            result = self.rpc.call_instance_shutdown(node, iutils.RpcInstance(self.cfg, inst),
                                                     self.op.shutdown_timeout)
            result.Raise("Could not shutdown instance %s for full reboot" % inst.name)
            istorage.ShutdownInstanceDisks(self, inst)
            istorage.StartInstanceDisks(self, inst, self.op.ignore_secondaries)
            result = self.rpc.call_instance_start(node, iutils.RpcInstance(self.cfg, inst))
            if result.fail_msg:
                istorage.ShutdownInstanceDisks(self, inst)
                result.Raise("Could not start instance %s for full reboot" % inst.name)
        self.cfg.MarkInstanceUp(inst.name)


class LUInstanceRemove(InstanceLUMixin, LogicalUnit):
    """Remove an instance: stop it, destroy its disks, drop it from the configuration."""

    HPATH = "instance-remove"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def HookEnv(self) -> dict[str, Any]:
        return {"SHUTDOWN_TIMEOUT": self.op.shutdown_timeout}

    def BuildHooksEnv(self) -> tuple[dict[str, Any], list[str], list[str]]:
        env, nodes, _ = super().BuildHooksEnv()
        return env, [self.cfg.GetMasterNode()], nodes

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst = self.instance
        ignore = self.op.ignore_failures
        feedback_fn("* shutting down instance %s on node %s" % (inst.name, inst.primary_node))
        result = self.rpc.call_instance_shutdown(inst.primary_node,
                                                 iutils.RpcInstance(self.cfg, inst),
                                                 self.op.shutdown_timeout)
        if result.fail_msg:
            if not ignore:
                result.Raise("Could not shutdown instance %s on node %s"
                             % (inst.name, inst.primary_node))
            feedback_fn("Warning: can't shutdown instance: %s" % result.fail_msg)
        feedback_fn("* removing instance disks")
        istorage.ShutdownInstanceDisks(self, inst, ignore_primary=True)
        if not istorage.RemoveDisks(self, inst):
            if not ignore:
                raise errors.OpExecError("Can't remove instance's disks (use"
                                         " --ignore-failures to remove it anyway)")
            feedback_fn("Warning: can't remove instance's disks")
        feedback_fn("* removing instance %s from the cluster config" % inst.name)
        self.cfg.RemoveInstance(inst.name)
        self.remove_locks[locking.LEVEL_INSTANCE] = inst.name


class LUInstanceReinstall(InstanceLUMixin, LogicalUnit):
    """Run the OS create script again, optionally with another OS or variant."""

    HPATH = "instance-reinstall"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False
    NODE_LOCKS = "primary"

    def CheckInstance(self) -> None:
        inst = self.instance
        iutils.CheckDisksOffline(self, inst, "cannot reinstall")
        if self.op.os_type is not None:
            iutils.CheckNodeHasOS(self, inst.primary_node, self.op.os_type,
                                  self.op.force_variant)

    def Exec(self, feedback_fn: FeedbackFn) -> None:
        inst = self.instance
        if self.op.os_type is not None:
            feedback_fn("Changing OS to %s..." % self.op.os_type)
            inst.os = self.op.os_type
            self.cfg.Update(inst, feedback_fn)
        istorage.StartInstanceDisks(self, inst, None)
        try:
            feedback_fn("Running the instance OS create scripts...")
            result = self.rpc.call_instance_os_add(inst.primary_node,
                                                   iutils.RpcInstance(self.cfg, inst), True,
                                                   self.op.debug_level)
            result.Raise("Could not install OS for instance %s on node %s"
                         % (inst.name, inst.primary_node))
        finally:
            istorage.ShutdownInstanceDisks(self, inst)


class LUInstanceRename(InstanceLUMixin, LogicalUnit):
    """Rename a stopped instance: configuration, lock, file disk directory, OS script."""

    HPATH = "instance-rename"
    HTYPE = constants.HTYPE_INSTANCE
    NODE_LOCKS = None  # the BGL, held exclusively, keeps everything else out

    def CheckArguments(self) -> None:
        if self.op.ip_check and not self.op.name_check:
            raise errors.OpPrereqError("Cannot do IP address check without a name check",
                                       errors.ECODE_INVAL)

    def CheckInstance(self) -> None:
        inst = self.instance
        iutils.CheckPrimaryOnline(self.cfg, inst)
        iutils.CheckInstanceDown(self, inst, "cannot rename")
        new_name = iutils.NormalizeInstanceName(self.op.new_name)
        if self.op.name_check:
            new_name, new_ip = iutils.ResolveInstanceName(new_name)
            if self.op.ip_check:
                iutils.CheckIpUnused(new_ip, new_name)
        self.op.new_name = new_name
        if new_name == inst.name:
            raise errors.OpPrereqError("Instance %s already has this name" % new_name,
                                       errors.ECODE_INVAL)
        if self.cfg.GetInstanceInfo(new_name) is not None:
            raise errors.OpPrereqError("Instance '%s' is already in the cluster" % new_name,
                                       errors.ECODE_EXISTS)

    def HookEnv(self) -> dict[str, Any]:
        return {"INSTANCE_NEW_NAME": self.op.new_name}

    def Exec(self, feedback_fn: FeedbackFn) -> str:
        inst = self.instance
        old_name, new_name = inst.name, self.op.new_name
        old_dir = istorage.FileDiskDir(inst)
        new_dir = os.path.join(os.path.dirname(old_dir), new_name) if old_dir else None
        if old_dir:
            self.rpc.call_file_storage_dir_rename(inst.primary_node, old_dir, new_dir).Raise(
                "Could not rename directory %s to %s on node %s"
                % (old_dir, new_dir, inst.primary_node))
        try:
            self.cfg.RenameInstance(old_name, new_name)
        except errors.GenericError:
            if old_dir:
                self.rpc.call_file_storage_dir_rename(inst.primary_node, new_dir, old_dir)
            raise
        inst = self.cfg.GetInstanceInfo(new_name)
        if old_dir:
            for disk in inst.disks:
                if disk.dev_type == constants.LD_FILE:
                    disk.logical_id = [disk.logical_id[0],
                                       os.path.join(new_dir, os.path.basename(disk.logical_id[1]))]
            self.cfg.Update(inst, feedback_fn)
        # Only this job knows the new name yet, and it holds the BGL.
        self.glm.remove(locking.LEVEL_INSTANCE, old_name)
        self.glm.add(locking.LEVEL_INSTANCE, new_name)
        if inst.disks:
            self._RunRenameScript(inst, old_name)
        return new_name

    def _RunRenameScript(self, inst: Any, old_name: str) -> None:
        istorage.StartInstanceDisks(self, inst, None)
        try:
            result = self.rpc.call_instance_run_rename(inst.primary_node,
                                                       iutils.RpcInstance(self.cfg, inst),
                                                       old_name, self.op.debug_level)
            if result.fail_msg:
                self.LogWarning("Could not run OS rename script for instance %s on node %s (but"
                                " the instance has been renamed in Ganeti): %s",
                                inst.name, inst.primary_node, result.fail_msg)
        finally:
            istorage.ShutdownInstanceDisks(self, inst)


class LUInstanceConsole(InstanceLUMixin, NoHooksLU):
    """How to connect to a running instance's console (the node's hypervisor says)."""

    REQ_BGL = False
    SHARED = True
    NODE_LOCKS = "primary"

    def CheckInstance(self) -> None:
        iutils.CheckPrimaryOnline(self.cfg, self.instance)

    def Exec(self, feedback_fn: FeedbackFn) -> dict[str, Any]:
        inst = self.instance
        result = self.rpc.call_instance_console_info(inst.primary_node,
                                                     iutils.RpcInstance(self.cfg, inst))
        result.Raise("Cannot get the console of instance %s" % inst.name)
        return result.payload
