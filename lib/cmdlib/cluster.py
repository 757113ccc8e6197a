"""Logical units of the cluster as a whole: info, verify, modify, redist-conf, destroy."""

from __future__ import annotations

import functools
import os
import platform
from typing import Any

from ganeti import constants, errors, locking, objects, pathutils, uidpool, utils
from ganeti.cmdlib import common
from ganeti.cmdlib.base import LogicalUnit, NoHooksLU, QueryLU
from ganeti.cmdlib.verify import ClusterVerifier
from ganeti.utils import params


class LUClusterPostInit(LogicalUnit):
    """Runs the cluster-init post hooks once the master daemon is up."""

    HPATH = "cluster-init"
    HTYPE = constants.HTYPE_CLUSTER

    def ExpandNames(self) -> None:
        self.needed_locks = {}

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        return {"OP_TARGET": self.cfg.GetClusterName()}, [], [self.cfg.GetMasterNode()]

    def Exec(self, feedback_fn: Any) -> bool:
        return True


class LUClusterDestroy(LogicalUnit):
    """Checks that only the master is left; the CLI then cleans up the master."""

    HPATH = "cluster-destroy"
    HTYPE = constants.HTYPE_CLUSTER

    def ExpandNames(self) -> None:
        self.needed_locks = {}

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        return {"OP_TARGET": self.cfg.GetClusterName()}, [], []

    def CheckPrereq(self) -> None:
        nodes = [n for n in self.cfg.GetNodeList() if n != self.cfg.GetMasterNode()]
        if nodes:
            raise errors.OpPrereqError("There are still %d node(s) in this cluster (%s): remove"
                                       " them first" % (len(nodes), ", ".join(sorted(nodes))),
                                       errors.ECODE_STATE)
        instances = self.cfg.GetInstanceList()
        if instances:
            raise errors.OpPrereqError("There are still %d instance(s) in this cluster: remove"
                                       " them first" % len(instances), errors.ECODE_STATE)

    def Exec(self, feedback_fn: Any) -> str:
        return self.cfg.GetMasterNode()


@functools.lru_cache(maxsize=1)
def _Architecture() -> tuple[str, str]:
    """(bits, machine) of this Python; platform.architecture() runs file(1), so once."""
    return platform.architecture()[0], platform.machine()


def ClusterInfo(cfg: Any) -> dict[str, Any]:
    """What `gnt-cluster info` and RAPI /2/info show (upstream's keys)."""
    cluster = cfg.GetClusterInfo()
    return {
        "software_version": constants.RELEASE_VERSION,
        "protocol_version": constants.PROTOCOL_VERSION,
        "config_version": constants.CONFIG_VERSION,
        "os_api_version": max(constants.OS_API_VERSIONS),
        "export_version": constants.EXPORT_VERSION,
        "architecture": _Architecture(),
        "name": cluster.cluster_name,
        "master": cluster.master_node,
        "master_ip": cluster.master_ip,
        "default_hypervisor": cluster.primary_hypervisor,
        "enabled_hypervisors": list(cluster.enabled_hypervisors),
        "hvparams": {hv: dict(cluster.hvparams.get(hv, {})) for hv in cluster.enabled_hypervisors},
        "os_hvp": {},
        "beparams": dict(cluster.beparams),
        "nicparams": dict(cluster.nicparams),
        "diskparams": dict(cluster.diskparams),
        "candidate_pool_size": cluster.candidate_pool_size,
        "master_netdev": cluster.master_netdev,
        "volume_group_name": cluster.volume_group_name,
        "file_storage_dir": cluster.file_storage_dir,
        "mac_prefix": cluster.mac_prefix,
        "maintain_node_health": cluster.maintain_node_health,
        "default_iallocator": cluster.default_iallocator,
        "uid_pool": [list(r) for r in cluster.uid_pool],
        "uuid": cluster.uuid,
        "tags": list(cluster.tags),
        "ctime": cluster.ctime,
        "mtime": cluster.mtime,
        "serial_no": cluster.serial_no,
    }


class LUClusterQuery(QueryLU):
    """Cluster information (luxi QueryClusterInfo)."""

    def ExpandNames(self) -> None:
        self.needed_locks = {}

    def Exec(self, feedback_fn: Any) -> dict[str, Any]:
        return ClusterInfo(self.cfg)


class LUClusterConfigQuery(QueryLU):
    """Single configuration values (luxi QueryConfigValues)."""

    _FIELDS = frozenset(["cluster_name", "master_node", "drain_flag", "watcher_pause"])

    def ExpandNames(self) -> None:
        unknown = sorted(set(self.op.output_fields) - self._FIELDS)
        if unknown:
            raise errors.OpPrereqError("Unknown output field(s): %s" % ", ".join(unknown),
                                       errors.ECODE_INVAL)
        self.needed_locks = {}

    def Exec(self, feedback_fn: Any) -> list[Any]:
        values = []
        for field in self.op.output_fields:
            if field == "cluster_name":
                values.append(self.cfg.GetClusterName())
            elif field == "master_node":
                values.append(self.cfg.GetMasterNode())
            elif field == "drain_flag":
                values.append(os.path.exists(pathutils.JOB_QUEUE_DRAIN_FILE))
            else:
                try:
                    values.append(float(utils.ReadOneLineFile(pathutils.WATCHER_PAUSEFILE)))
                except (OSError, ValueError, errors.GenericError):
                    values.append(None)
        return values


class LUClusterVerify(LogicalUnit):
    """Checks nodes, versions, distributed files and ssconf against the configuration."""

    HPATH = "cluster-verify"
    HTYPE = constants.HTYPE_CLUSTER
    REQ_BGL = False

    def ExpandNames(self) -> None:
        self.needed_locks = {locking.LEVEL_NODE: locking.ALL_SET,
                             locking.LEVEL_INSTANCE: locking.ALL_SET}
        self.share_locks = dict.fromkeys(locking.LEVELS, 1)

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        nodes = self.cfg.GetOnlineNodeList()
        env = {"CLUSTER_TAGS": " ".join(self.cfg.GetClusterInfo().tags)}
        return env, [], nodes

    def Exec(self, feedback_fn: Any) -> bool:
        verifier = ClusterVerifier(self.cfg, self.rpc, feedback_fn, self.op)
        return verifier.Run()

    def HooksCallBack(self, phase: str, hook_results: Any, feedback_fn: Any,
                      lu_result: Any) -> Any:
        """Failed post-verify hooks make the verification fail too (as upstream)."""
        if phase != constants.HOOKS_PHASE_POST or not hook_results:
            return lu_result
        ok = lu_result
        for node, res in hook_results.items():
            if getattr(res, "offline", False):
                continue
            if res.fail_msg:
                feedback_fn("  - ERROR: node %s: communication failure in hooks: %s"
                            % (node, res.fail_msg))
                ok = False
                continue
            for script, status, output in res.payload:
                if status == constants.HKR_FAIL:
                    feedback_fn("  - ERROR: node %s: hook script %s failed: %s"
                                % (node, script, (output or "").strip()))
                    ok = False
        return ok


class LUClusterRedistConf(NoHooksLU):
    """Pushes config.data, ssconf and the ancillary files to every node again."""

    REQ_BGL = False

    def ExpandNames(self) -> None:
        self.needed_locks = {locking.LEVEL_NODE: locking.ALL_SET}
        self.share_locks[locking.LEVEL_NODE] = 1

    def Exec(self, feedback_fn: Any) -> dict[str, list[str]]:
        self.cfg.WriteCurrent(feedback_fn)
        return common.RedistributeAncillaryFiles(self.cfg, self.rpc, self.LogWarning)


class LUClusterSetParams(LogicalUnit):
    """gnt-cluster modify: hypervisors and their defaults, pools, uid pool..."""

    HPATH = "cluster-modify"
    HTYPE = constants.HTYPE_CLUSTER

    def CheckArguments(self) -> None:
        if self.op.uid_pool is not None and (self.op.add_uids or self.op.remove_uids):
            raise errors.OpPrereqError("--uid-pool cannot be combined with --add-uids or"
                                       " --remove-uids", errors.ECODE_INVAL)

    def ExpandNames(self) -> None:
        self.needed_locks = {locking.LEVEL_NODE: locking.ALL_SET}
        self.share_locks[locking.LEVEL_NODE] = 1

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        master = self.cfg.GetMasterNode()
        return {"OP_TARGET": self.cfg.GetClusterName()}, [master], [master]

    def CheckPrereq(self) -> None:
        """Build the new cluster object on a copy and check it as a whole."""
        op = self.op
        new = self.cfg.GetClusterInfo().Copy()
        if op.enabled_hypervisors is not None:
            if not op.enabled_hypervisors:
                raise errors.OpPrereqError("At least one hypervisor must be enabled",
                                           errors.ECODE_INVAL)
            in_use = {i.hypervisor for i in self.cfg.GetAllInstancesInfo().values()}
            dropped = sorted(in_use - set(op.enabled_hypervisors))
            if dropped:
                raise errors.OpPrereqError("Hypervisor(s) %s still used by instances"
                                           % ", ".join(dropped), errors.ECODE_STATE)
            new.enabled_hypervisors = list(op.enabled_hypervisors)
        for hv_name, changes in (op.hvparams or {}).items():
            changes = common.ForceHvParamTypes(hv_name, changes)
            new.hvparams[hv_name] = params.UpdateParams(new.hvparams.get(hv_name, {}), changes)
            defaults = constants.HVC_DEFAULTS.get(hv_name, {})
            new.hvparams[hv_name] = objects.FillDict(defaults, new.hvparams[hv_name])
        if op.beparams is not None:
            changes = params.ForceDictType(dict(op.beparams), constants.BES_PARAMETER_TYPES)
            new.beparams[constants.PP_DEFAULT] = objects.FillDict(
                constants.BEC_DEFAULTS,
                params.UpdateParams(new.beparams[constants.PP_DEFAULT], changes))
        if op.nicparams is not None:
            changes = params.ForceDictType(dict(op.nicparams), constants.NICS_PARAMETER_TYPES)
            new.nicparams[constants.PP_DEFAULT] = objects.FillDict(
                constants.NICC_DEFAULTS,
                params.UpdateParams(new.nicparams[constants.PP_DEFAULT], changes))
            self._CheckRoutedInstances(new)
        for template, changes in (op.diskparams or {}).items():
            changes = params.ForceDictType(dict(changes), constants.DISK_DT_PARAMETER_TYPES)
            new.diskparams[template] = objects.FillDict(
                constants.DISK_DT_DEFAULTS,
                params.UpdateParams(new.diskparams.get(template, {}), changes))
        if op.uid_pool is not None:
            new.uid_pool = [tuple(r) for r in op.uid_pool]
        if op.add_uids:
            new.uid_pool = uidpool.AddToUidPool(new.uid_pool, [tuple(r) for r in op.add_uids])
        if op.remove_uids:
            new.uid_pool = uidpool.RemoveFromUidPool(new.uid_pool,
                                                     [tuple(r) for r in op.remove_uids])
        for name in ("candidate_pool_size", "maintain_node_health", "default_iallocator"):
            if getattr(op, name) is not None:
                setattr(new, name, getattr(op, name))
        if op.vg_name is not None:
            new.volume_group_name = op.vg_name or None
        if op.os_hvp:
            raise errors.OpPrereqError("Per-OS hypervisor parameters are not supported yet",
                                       errors.ECODE_INVAL)
        common.CheckClusterParams(new)
        self.new_cluster = new

    def _CheckRoutedInstances(self, new: objects.Cluster) -> None:
        """A new routed default must not leave an inheriting NIC without an IP."""
        for inst in self.cfg.GetAllInstancesInfo().values():
            for idx, nic in enumerate(inst.nics):
                try:
                    objects.NIC.CheckParameterSyntax(new.SimpleFillNIC(nic.nicparams), nic.ip)
                except errors.ConfigurationError as err:
                    raise errors.OpPrereqError("Instance %s nic %d would become invalid: %s"
                                               % (inst.name, idx, err), errors.ECODE_INVAL)

    def Exec(self, feedback_fn: Any) -> None:
        cluster = self.cfg.GetClusterInfo()
        for name in objects.Cluster.FIELDS:
            if name not in ("uuid", "serial_no", "ctime", "mtime"):
                setattr(cluster, name, getattr(self.new_cluster, name))
        self.cfg.Update(cluster, feedback_fn)
        if self.op.candidate_pool_size is not None:
            promoted = self.cfg.MaintainCandidatePool()
            for node in promoted:
                feedback_fn("Promoted %s to master candidate" % node)
            common.PromoteNodes(self, promoted)
        common.RedistributeAncillaryFiles(self.cfg, self.rpc, self.LogWarning)
