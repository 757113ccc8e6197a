"""LUInstanceSetParams: gnt-instance modify.

Changes hypervisor and backend parameters (an instance's own values; None
or "default" resets one to the cluster default), adds or removes the last
NIC or disk, and modifies a NIC (ip, mac, mode, link) or a disk's access
mode. Every change is checked as instance creation checks it before any is
applied; then they are applied together and written in one configuration
update. The result lists what changed as (field, new value) pairs.
"""

from __future__ import annotations

from typing import Any

from ganeti import constants, errors, objects
from ganeti.cmdlib import instance_storage as istorage
from ganeti.cmdlib import instance_utils as iutils
from ganeti.cmdlib.base import FeedbackFn, LogicalUnit
from ganeti.cmdlib.instance_utils import InstanceLUMixin
from ganeti.utils import params as uparams

Change = tuple[str, Any]


def _CheckChangeList(what: str, changes: list[Any]) -> None:
    addremove = [op for op, _ in changes if op in constants.DDMS_VALID]
    if len(addremove) > 1:
        raise errors.OpPrereqError("Only one %s add or remove operation per opcode is supported"
                                   % what, errors.ECODE_INVAL)
    for op, params in changes:
        if op == constants.DDM_REMOVE and params:
            raise errors.OpPrereqError("Removing a %s takes no parameters" % what,
                                       errors.ECODE_INVAL)


class LUInstanceSetParams(InstanceLUMixin, LogicalUnit):
    """Modify an instance's parameters, NICs and disks."""

    HPATH = "instance-modify"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def CheckArguments(self) -> None:
        op = self.op
        if not (op.nics or op.disks or op.hvparams or op.beparams):
            raise errors.OpPrereqError("No changes submitted", errors.ECODE_INVAL)
        _CheckChangeList("disk", op.disks)
        _CheckChangeList("NIC", op.nics)
        self.disk_adds = []
        for dop, params in op.disks:
            if dop == constants.DDM_ADD:
                self.disk_adds.append(istorage.ParseDiskSpec("add", params))
            elif isinstance(dop, int):
                unknown = sorted(set(params) - {constants.IDISK_MODE})
                if unknown or params.get(constants.IDISK_MODE) not in constants.DISK_ACCESS_SET:
                    raise errors.OpPrereqError("Disk %d: only the access mode (rw or ro) can be"
                                               " changed" % dop, errors.ECODE_INVAL)
        for nop, params in op.nics:
            if nop != constants.DDM_REMOVE:
                iutils.CheckNicSpecKeys(nop, params)
        self.be_changes = iutils.PrepareBeParams(op.beparams)

    # --- prerequisites ---------------------------------------------------------------
    def CheckInstance(self) -> None:
        inst = self.instance
        cluster = self.cfg.GetClusterInfo()
        iutils.CheckPrimaryOnline(self.cfg, inst)
        self.hv_new = uparams.UpdateParams(
            inst.hvparams, iutils.PrepareInstanceHvParams(inst.hypervisor, self.op.hvparams))
        self.hv_full = cluster.SimpleFillHV(inst.hypervisor, self.hv_new)
        if self.op.hvparams:
            iutils.CheckHvParamSyntax(inst.hypervisor, self.hv_full)
            iutils.CheckHvParamsOnNodes(self, inst.all_nodes, inst.hypervisor, self.hv_full)
        self.be_new = uparams.UpdateParams(inst.beparams, self.be_changes)
        self.be_full = cluster.SimpleFillBE(self.be_new)
        self._CheckMemory()
        self._CheckDisks()
        self.new_nics = self._CheckNics()

    def _CheckMemory(self) -> None:
        inst = self.instance
        old = self.cfg.GetClusterInfo().FillBE(inst)[constants.BE_MEMORY]
        new = self.be_full[constants.BE_MEMORY]
        if new <= old or self.op.force:
            return
        result = self.rpc.call_instance_info(inst.primary_node, inst.name, inst.hypervisor)
        result.Raise("Can't get the state of %s" % inst.name, prereq=True)
        current = result.payload.get("memory", 0) if result.payload else 0
        node = self.rpc.call_node_info([inst.primary_node], None, inst.hypervisor)
        node = node[inst.primary_node]
        node.Raise("Can't get data from node %s" % inst.primary_node, prereq=True)
        missing = new - current - node.payload.get("memory_free", 0)
        if missing > 0:
            raise errors.OpPrereqError("This change will prevent the instance from starting,"
                                       " due to %d MiB of memory missing on its primary node"
                                       " (use --force to do it anyway)" % missing,
                                       errors.ECODE_NORES)

    def _CheckDisks(self) -> None:
        inst = self.instance
        if not self.op.disks:
            return
        if inst.disk_template == constants.DT_DISKLESS:
            raise errors.OpPrereqError("Disk operations not supported for diskless instances",
                                       errors.ECODE_INVAL)
        removing = any(dop == constants.DDM_REMOVE for dop, _ in self.op.disks)
        for dop, _ in self.op.disks:
            if dop == constants.DDM_REMOVE:
                if len(inst.disks) == 1:
                    raise errors.OpPrereqError("Cannot remove the last disk of an instance",
                                               errors.ECODE_INVAL)
                if iutils.IsInstanceRunning(self, inst):
                    raise errors.OpPrereqError("Instance %s is running, can't remove disks"
                                               % inst.name, errors.ECODE_STATE)
            elif dop == constants.DDM_ADD:
                if len(inst.disks) >= constants.MAX_DISKS:
                    raise errors.OpPrereqError("Instance has too many disks (%d), cannot add"
                                               " more" % constants.MAX_DISKS, errors.ECODE_STATE)
            elif dop >= len(inst.disks) - removing:
                raise errors.OpPrereqError("Invalid disk index %s" % dop, errors.ECODE_INVAL)
        for spec in self.disk_adds:
            istorage.CheckNodesFreeDisk(self, inst.all_nodes, inst.disk_template,
                                        istorage.ComputeDiskUsage(inst.disk_template,
                                                                  [spec[constants.IDISK_SIZE]]))

    def _CheckNics(self) -> list[objects.NIC]:
        """The instance's NIC list after the changes (checked, new MACs reserved)."""
        inst = self.instance
        nics = [nic.Copy() for nic in inst.nics]
        ec_id = self.proc.GetECId()
        changed = []
        for nop, params in self.op.nics:
            if nop == constants.DDM_REMOVE:
                if not nics:
                    raise errors.OpPrereqError("Instance has no NICs, cannot remove",
                                               errors.ECODE_INVAL)
                nics.pop()
            elif nop == constants.DDM_ADD:
                if len(nics) >= constants.MAX_NICS:
                    raise errors.OpPrereqError("Instance has too many network interfaces (%d),"
                                               " cannot add more" % constants.MAX_NICS,
                                               errors.ECODE_STATE)
                nics.append(iutils.BuildNic(self.cfg, "add", params, ec_id))
                changed.append(nics[-1])
            else:
                if nop >= len(nics):
                    raise errors.OpPrereqError("Invalid NIC index %s" % nop, errors.ECODE_INVAL)
                nics[nop] = self._ModifiedNic(nop, nics[nop], params, ec_id)
                changed.append(nics[nop])
        iutils.CheckNicIpsUnique(self.cfg, nics, skip=inst.name)
        iutils.CheckNicBridges(self, changed, inst.primary_node, inst.hypervisor)
        return nics

    def _ModifiedNic(self, idx: int, nic: objects.NIC, params: dict[str, Any],
                     ec_id: Any) -> objects.NIC:
        if constants.INIC_IP in params:
            nic.ip = iutils.NicIp(idx, params[constants.INIC_IP], None)
        changes: dict[str, Any] = {}
        for key in (constants.INIC_MODE, constants.INIC_LINK, constants.INIC_BRIDGE):
            if key in params:
                value = params[key]
                reset = value is None or str(value).lower() == constants.VALUE_DEFAULT
                target = constants.NIC_LINK if key == constants.INIC_BRIDGE else key
                changes[target] = None if reset else value
        nic.nicparams = uparams.UpdateParams(nic.nicparams, changes)
        iutils.CheckNicParams(self.cfg, idx, nic.nicparams, nic.ip)
        if constants.INIC_MAC in params and params[constants.INIC_MAC] != nic.mac:
            nic.mac = iutils.AssignMac(self.cfg, idx, params[constants.INIC_MAC], ec_id)
        return nic

    # --- hooks -------------------------------------------------------------------------
    def BuildHooksEnv(self) -> tuple[dict[str, Any], list[str], list[str]]:
        env = iutils.BuildInstanceHookEnvByObject(
            self.cfg, self.instance, nics=iutils.NicHookTuples(self.cfg, self.new_nics),
            memory=self.be_full[constants.BE_MEMORY], vcpus=self.be_full[constants.BE_VCPUS],
            bep=self.be_full, hvp=self.hv_full)
        nodes = iutils.InstanceHookNodes(self.cfg, self.instance)
        return env, nodes, nodes

    # --- execution -----------------------------------------------------------------------
    def Exec(self, feedback_fn: FeedbackFn) -> list[Change]:
        inst = self.instance
        result: list[Change] = []
        self._ApplyDisks(result)
        for idx, nic in enumerate(self.new_nics):
            old = inst.nics[idx] if idx < len(inst.nics) else None
            if old is None:
                params = self.cfg.GetClusterInfo().SimpleFillNIC(nic.nicparams)
                result.append(("nic.%d" % idx, "add:mac=%s,ip=%s,mode=%s,link=%s"
                               % (nic.mac, nic.ip, params[constants.NIC_MODE],
                                  params[constants.NIC_LINK])))
                continue
            for attr in ("mac", "ip"):
                if getattr(old, attr) != getattr(nic, attr):
                    result.append(("nic.%s/%d" % (attr, idx), getattr(nic, attr)))
            for key in sorted(set(old.nicparams) | set(nic.nicparams)):
                if old.nicparams.get(key) != nic.nicparams.get(key):
                    result.append(("nic.%s/%d" % (key, idx), nic.nicparams.get(key)))
        result.extend(("nic.%d" % idx, "remove")
                      for idx in range(len(self.new_nics), len(inst.nics)))
        inst.nics = self.new_nics
        for prefix, old, new, attr in (("hv", inst.hvparams, self.hv_new, "hvparams"),
                                       ("be", inst.beparams, self.be_new, "beparams")):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    result.append(("%s/%s" % (prefix, key), new.get(key, constants.VALUE_DEFAULT)))
            setattr(inst, attr, new)
        self.cfg.Update(inst, feedback_fn)
        return result

    def _ApplyDisks(self, result: list[Change]) -> None:
        """Add or remove first (they can fail), then change access modes."""
        inst = self.instance
        ordered = sorted(self.op.disks, key=lambda change: not isinstance(change[0], str))
        for dop, params in ordered:
            if dop == constants.DDM_REMOVE:
                disk = inst.disks[-1]
                istorage.ShutdownInstanceDisks(self, inst, disks=[disk])
                if not istorage.RemoveDisks(self, inst, disks=[disk]):
                    self.LogWarning("Could not remove disk %s completely, continuing anyway",
                                    disk.iv_name)
                inst.disks.pop()
                istorage.ReleaseDiskPorts(self.cfg, [disk])
                result.append(("disk/%d" % len(inst.disks), "remove"))
            elif dop == constants.DDM_ADD:
                disk = self._AddDisk(self.disk_adds[0])
                result.append(("disk/%d" % (len(inst.disks) - 1), "add:size=%s,mode=%s"
                               % (disk.size, disk.mode)))
            else:
                inst.disks[dop].mode = params[constants.IDISK_MODE]
                result.append(("disk.mode/%d" % dop, inst.disks[dop].mode))

    def _AddDisk(self, spec: istorage.DiskSpec) -> objects.Disk:
        inst = self.instance
        file_dir = istorage.FileDiskDir(inst)
        driver = next((d.logical_id[0] for d in inst.disks if d.dev_type == constants.LD_FILE),
                      constants.FD_LOOP)
        snodes = inst.secondary_nodes
        disk = istorage.GenerateDisks(self, inst.disk_template, inst.name, inst.primary_node,
                                      snodes[0] if snodes else None, [spec],
                                      base_index=len(inst.disks), file_dir=file_dir,
                                      file_driver=driver)[0]
        try:
            istorage.CreateDisks(self, inst, disks=[disk])
        except errors.GenericError:
            self.cfg.ReleaseDRBDMinors(inst.name)
            istorage.ReleaseDiskPorts(self.cfg, [disk])
            raise
        if inst.disk_template in constants.DTS_NET_MIRROR:
            istorage.WaitForSync(self, inst, disks=[disk], oneshot=True)
        if not inst.admin_up:
            istorage.ShutdownInstanceDisks(self, inst, disks=[disk])
        else:
            self.LogInfo("The new disk %s will be seen by the instance after its next"
                         " restart", disk.iv_name)
        inst.disks.append(disk)
        return disk
