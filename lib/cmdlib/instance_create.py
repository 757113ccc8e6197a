"""LUInstanceCreate: gnt-instance add.

Everything that can be checked is checked before anything is made: names
and addresses, parameters (hypervisor syntax on the master, validation on
the nodes), NICs with their MACs reserved, the OS and its variant on the
primary node, bridges, free disk space and memory. With dry_run the LU
stops there and returns the chosen nodes. Then disks are created, the
instance is added to the configuration, the mirrors sync, the OS create
script runs and the instance starts. A failure up to the OS installation
undoes everything: the disks (and file storage directory) this creation
made are removed and the configuration entry is never added or removed
again, so a failed create leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from ganeti import constants, errors, locking, objects
from ganeti.cmdlib import instance_storage as istorage
from ganeti.cmdlib import instance_utils as iutils
from ganeti.cmdlib.base import (
    CheckNodeNotDrained,
    CheckNodeOnline,
    ExpandNodeName,
    FeedbackFn,
    LogicalUnit,
)


class LUInstanceCreate(LogicalUnit):
    """Create an instance (mode create; import waits for exports)."""

    HPATH = "instance-add"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    # --- arguments ------------------------------------------------------------------
    def CheckArguments(self) -> None:
        op = self.op
        if op.mode == constants.INSTANCE_IMPORT:
            raise errors.OpPrereqError("Instance import is not supported yet: it needs"
                                       " instance exports, which this cluster cannot make yet",
                                       errors.ECODE_INVAL)
        if not op.os_type:
            raise errors.OpPrereqError("No guest OS specified", errors.ECODE_INVAL)
        if op.src_node or op.src_path:
            raise errors.OpPrereqError("src_node/src_path are only for imports",
                                       errors.ECODE_INVAL)
        if op.ip_check and not op.name_check:
            raise errors.OpPrereqError("Cannot do IP address check without a name check",
                                       errors.ECODE_INVAL)
        if op.file_storage_dir is not None and op.disk_template != constants.DT_FILE:
            raise errors.OpPrereqError("A file storage directory is only for the file disk"
                                       " template", errors.ECODE_INVAL)
        istorage.CheckFileStorageSubdir(op.file_storage_dir)
        self.disk_specs = istorage.ParseDiskSpecs(op.disks, op.disk_template)
        if len(op.nics) > constants.MAX_NICS:
            raise errors.OpPrereqError("Too many NICs (%d, at most %d)"
                                       % (len(op.nics), constants.MAX_NICS), errors.ECODE_INVAL)
        self._CheckNodeArguments()
        self._CheckParameters()

    def _CheckNodeArguments(self) -> None:
        op = self.op
        if op.pnode and op.iallocator:
            raise errors.OpPrereqError("Give either a primary node or an instance allocator,"
                                       " not both", errors.ECODE_INVAL)
        if not op.pnode:
            allocator = op.iallocator or self.cfg.GetClusterInfo().default_iallocator
            if allocator:
                raise errors.OpPrereqError("Instance allocator plugins (%s) are not supported"
                                           " yet; give the primary (and secondary) node"
                                           % allocator, errors.ECODE_INVAL)
            raise errors.OpPrereqError("No primary node given and no instance allocator;"
                                       " give the primary node (gnt-instance add -n NODE)",
                                       errors.ECODE_INVAL)

    def _CheckParameters(self) -> None:
        op = self.op
        cluster = self.cfg.GetClusterInfo()
        self.hv_name = op.hypervisor or cluster.primary_hypervisor
        iutils.CheckHvName(self.cfg, self.hv_name)
        hvparams = iutils.PrepareInstanceHvParams(self.hv_name, op.hvparams)
        op.hvparams = {k: v for k, v in hvparams.items() if v is not None}
        self.hv_full = cluster.SimpleFillHV(self.hv_name, op.hvparams)
        iutils.CheckHvParamSyntax(self.hv_name, self.hv_full)
        beparams = iutils.PrepareBeParams(op.beparams)
        op.beparams = {k: v for k, v in beparams.items() if v is not None}
        self.be_full = cluster.SimpleFillBE(op.beparams)

    # --- names and locks ------------------------------------------------------------
    def ExpandNames(self) -> None:
        op = self.op
        self.check_ip = None
        op.instance_name = iutils.NormalizeInstanceName(op.instance_name)
        if op.name_check:
            op.instance_name, self.check_ip = iutils.ResolveInstanceName(op.instance_name)
        if self.cfg.GetInstanceInfo(op.instance_name) is not None:
            raise errors.OpPrereqError("Instance '%s' is already in the cluster"
                                       % op.instance_name, errors.ECODE_EXISTS)
        self.add_locks[locking.LEVEL_INSTANCE] = op.instance_name
        self.remove_locks[locking.LEVEL_INSTANCE] = op.instance_name
        op.pnode = ExpandNodeName(self.cfg, op.pnode)
        nodes = [op.pnode]
        if op.snode is not None:
            op.snode = ExpandNodeName(self.cfg, op.snode)
            nodes.append(op.snode)
        self.needed_locks = {locking.LEVEL_NODE: nodes}
        ec_id = self.proc.GetECId()
        self.nics = [iutils.BuildNic(self.cfg, idx, spec, ec_id, self.check_ip)
                     for idx, spec in enumerate(op.nics)]

    # --- prerequisites ----------------------------------------------------------------
    def CheckPrereq(self) -> None:
        op = self.op
        self.secondaries = self._CheckNodes()
        nodes = [op.pnode] + self.secondaries
        iutils.CheckNicIpsUnique(self.cfg, self.nics)
        if op.ip_check:
            iutils.CheckIpUnused(self.check_ip, op.instance_name)
        if op.disk_template in (constants.DT_PLAIN, constants.DT_DRBD8) and \
                not self.cfg.GetVGName():
            raise errors.OpPrereqError("Cluster does not support lvm-based instances (no"
                                       " volume group configured)", errors.ECODE_STATE)
        required = istorage.ComputeDiskUsage(
            op.disk_template, [d[constants.IDISK_SIZE] for d in self.disk_specs])
        istorage.CheckNodesFreeDisk(self, nodes, op.disk_template, required)
        iutils.CheckHvParamsOnNodes(self, nodes, self.hv_name, self.hv_full)
        self.os_info = iutils.CheckNodeHasOS(self, op.pnode, op.os_type, op.force_variant)
        iutils.CheckNicBridges(self, self.nics, op.pnode, self.hv_name)
        if op.start:
            iutils.CheckNodeFreeMemory(self, op.pnode, "creating instance %s" % op.instance_name,
                                       self.be_full[constants.BE_MEMORY], self.hv_name)
        self.dry_run_result = list(nodes)

    def _CheckNodes(self) -> list[str]:
        """Check the chosen nodes; returns the secondaries the template uses."""
        op = self.op
        CheckNodeOnline(self.cfg, op.pnode)
        CheckNodeNotDrained(self.cfg, op.pnode)
        if op.disk_template not in constants.DTS_NET_MIRROR:
            if op.snode is not None:
                self.LogWarning("Secondary node %s ignored: disk template %s is not mirrored",
                                op.snode, op.disk_template)
            return []
        if op.snode is None:
            raise errors.OpPrereqError("The networked disk templates need a mirror node",
                                       errors.ECODE_INVAL)
        if op.snode == op.pnode:
            raise errors.OpPrereqError("The secondary node cannot be the primary node",
                                       errors.ECODE_INVAL)
        CheckNodeOnline(self.cfg, op.snode)
        CheckNodeNotDrained(self.cfg, op.snode)
        return [op.snode]

    # --- hooks -----------------------------------------------------------------------
    def BuildHooksEnv(self) -> tuple[dict[str, Any], list[str], list[str]]:
        op = self.op
        env = {"ADD_MODE": op.mode}
        env.update(iutils.BuildInstanceHookEnv(
            name=op.instance_name, primary_node=op.pnode, secondary_nodes=self.secondaries,
            os_type=op.os_type, status=op.start, memory=self.be_full[constants.BE_MEMORY],
            vcpus=self.be_full[constants.BE_VCPUS],
            nics=iutils.NicHookTuples(self.cfg, self.nics), disk_template=op.disk_template,
            disks=[(d[constants.IDISK_SIZE], d[constants.IDISK_MODE]) for d in self.disk_specs],
            bep=self.be_full, hvp=self.hv_full, hypervisor_name=self.hv_name))
        master = self.cfg.GetMasterNode()
        nodes = [master] + [n for n in [op.pnode] + self.secondaries if n != master]
        return env, nodes, nodes

    # --- execution ----------------------------------------------------------------------
    def Exec(self, feedback_fn: FeedbackFn) -> list[str]:
        op = self.op
        name = op.instance_name
        network_port = self.cfg.AllocatePort() if self.hv_name in constants.HTS_REQ_PORT else None
        file_dir = (istorage.InstanceFileStorageDir(self.cfg, name, op.file_storage_dir)
                    if op.disk_template == constants.DT_FILE else None)
        snode = self.secondaries[0] if self.secondaries else None
        disks = []
        try:
            disks = istorage.GenerateDisks(self, op.disk_template, name, op.pnode, snode,
                                           self.disk_specs, file_dir=file_dir,
                                           file_driver=op.file_driver or constants.FD_LOOP)
            iobj = objects.Instance(name=name, os=op.os_type, primary_node=op.pnode,
                                    nics=self.nics, disks=disks,
                                    disk_template=op.disk_template,
                                    # marked up at once only without an OS install that
                                    # the watcher could otherwise race with a start
                                    admin_up=op.start and not disks,
                                    network_port=network_port, beparams=op.beparams,
                                    hvparams=op.hvparams, hypervisor=self.hv_name)
            iobj.EnsureUuid()
            if disks:
                feedback_fn("* creating instance disks...")
            istorage.CreateDisks(self, iobj, feedback_fn=feedback_fn)
        except errors.GenericError:
            self._ReleaseResources(network_port, disks)
            raise
        feedback_fn("adding instance %s (uuid %s) to cluster config" % (name, iobj.uuid))
        try:
            self.cfg.AddInstance(iobj, self.proc.GetECId())
        except errors.GenericError:
            istorage.RemoveDisks(self, iobj)
            self._ReleaseResources(network_port, disks)
            raise
        # The instance exists now: its lock must stay, even if a later step fails
        # (mcpu removes remove_locks whatever the outcome).
        del self.remove_locks[locking.LEVEL_INSTANCE]
        self.cfg.ReleaseDRBDMinors(name)
        try:
            self._WaitForDisks(iobj, feedback_fn)
            self._InstallOs(iobj, feedback_fn)
        except errors.GenericError:
            self._UndoCreation(iobj)
            raise
        if op.start:
            self._Start(iobj, feedback_fn)
        else:
            istorage.ShutdownInstanceDisks(self, iobj)
        return list(iobj.all_nodes)

    def _ReleaseResources(self, network_port: int | None, disks: list[objects.Disk]) -> None:
        """Give back what Exec reserved for an instance that will not exist."""
        self.cfg.ReleaseDRBDMinors(self.op.instance_name)
        cluster = self.cfg.GetClusterInfo()
        if network_port is not None:
            cluster.tcpudp_port_pool.append(network_port)
            self.cfg.Update(cluster)
        istorage.ReleaseDiskPorts(self.cfg, disks)

    def _UndoCreation(self, iobj: objects.Instance) -> None:
        """Remove the disks and the configuration entry of a failed creation."""
        self.LogWarning("Creation of %s failed, removing its disks and configuration entry",
                        iobj.name)
        istorage.ShutdownInstanceDisks(self, iobj)
        if not istorage.RemoveDisks(self, iobj):
            self.LogWarning("Some disks of %s could not be removed (see above)", iobj.name)
        istorage.ReleaseDiskPorts(self.cfg, iobj.disks)
        self.cfg.RemoveInstance(iobj.name)
        self.remove_locks[locking.LEVEL_INSTANCE] = iobj.name

    def _WaitForDisks(self, iobj: objects.Instance, feedback_fn: FeedbackFn) -> None:
        if iobj.disk_template not in constants.DTS_NET_MIRROR:
            return
        feedback_fn("* %s for the disks to sync..." % ("waiting" if self.op.wait_for_sync
                                                      else "checking"))
        if not istorage.WaitForSync(self, iobj, oneshot=not self.op.wait_for_sync) and \
                self.op.wait_for_sync:
            raise errors.OpExecError("There are some degraded disks for this instance")

    def _InstallOs(self, iobj: objects.Instance, feedback_fn: FeedbackFn) -> None:
        if not iobj.disks:
            feedback_fn("* diskless instance: no OS create script to run")
            return
        feedback_fn("* running the instance OS create scripts...")
        result = self.rpc.call_instance_os_add(
            iobj.primary_node, iutils.RpcInstance(self.cfg, iobj), False, self.op.debug_level)
        result.Raise("Could not add os for instance %s on node %s"
                     % (iobj.name, iobj.primary_node))
        self.LogInfo("OS create script log on %s: %s", iobj.primary_node, result.payload)

    def _Start(self, iobj: objects.Instance, feedback_fn: FeedbackFn) -> None:
        """Start the new instance; if that fails it stays, marked down, and the job fails."""
        if not iobj.admin_up:
            self.cfg.MarkInstanceUp(iobj.name)
        feedback_fn("* starting instance...")
        result = self.rpc.call_instance_start(iobj.primary_node,
                                              iutils.RpcInstance(self.cfg, iobj))
        if result.fail_msg:
            self.cfg.MarkInstanceDown(iobj.name)
            istorage.ShutdownInstanceDisks(self, iobj)
            result.Raise("Instance %s was created but could not be started on node %s (it is"
                         " marked down; start it with gnt-instance startup)"
                         % (iobj.name, iobj.primary_node))
