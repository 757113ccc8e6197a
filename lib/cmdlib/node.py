"""Logical units of nodes: add, remove, list, modify roles, powercycle, storage."""

from __future__ import annotations

from typing import Any

from ganeti import bootstrap, constants, errors, locking, netutils, objects
from ganeti.cmdlib import common
from ganeti.cmdlib.base import ExpandNodeName, LogicalUnit, NoHooksLU, QueryLU
from ganeti.cmdlib.nodequery import NodeQuery


def _NodeHooksEnv(node: objects.Node) -> dict[str, str]:
    return {"OP_TARGET": node.name, "NODE_NAME": node.name, "NODE_PIP": node.primary_ip,
            "NODE_SIP": node.secondary_ip or node.primary_ip}


class LUNodeAdd(LogicalUnit):
    """Brings a machine into the cluster (or back, with readd).

    The new node is reached over SSH to install the cluster certificate and
    start its node daemon; from then on everything goes through RPC: the
    configuration and ssconf (the configuration writer ships them), the
    ancillary files, and the daemons its role needs.
    """

    HPATH = "node-add"
    HTYPE = constants.HTYPE_NODE

    def CheckArguments(self) -> None:
        try:
            name, ip = netutils.Hostname.Resolve(self.op.node_name)
        except errors.ResolverError as err:
            raise errors.OpPrereqError("Cannot resolve node name %s: %s"
                                       % (self.op.node_name, err.args[-1]),
                                       errors.ECODE_RESOLVER) from err
        self.op.node_name = name
        self.op.primary_ip = self.op.primary_ip or ip
        self.op.secondary_ip = self.op.secondary_ip or self.op.primary_ip
        for ip in (self.op.primary_ip, self.op.secondary_ip):
            if not netutils.IsValidIP(ip):
                raise errors.OpPrereqError("Invalid IP address %r" % ip, errors.ECODE_INVAL)

    def ExpandNames(self) -> None:
        self.needed_locks = {locking.LEVEL_NODE: locking.ALL_SET}

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        env = {"OP_TARGET": self.op.node_name, "NODE_NAME": self.op.node_name,
               "NODE_PIP": self.op.primary_ip, "NODE_SIP": self.op.secondary_ip}
        nodes = self.cfg.GetOnlineNodeList()
        return env, nodes, nodes + [self.op.node_name]

    def CheckPrereq(self) -> None:
        name = self.op.node_name
        existing = self.cfg.GetNodeInfo(name)
        if self.op.readd and existing is None:
            raise errors.OpPrereqError("Node %s is not in the configuration" % name,
                                       errors.ECODE_NOENT)
        if not self.op.readd and existing is not None:
            raise errors.OpPrereqError("Node %s is already in the configuration" % name,
                                       errors.ECODE_EXISTS)
        if self.op.readd and name == self.cfg.GetMasterNode():
            raise errors.OpPrereqError("The master node cannot be re-added", errors.ECODE_INVAL)
        for other in self.cfg.GetAllNodesInfo().values():
            if other.name == name:
                continue
            for ip in {self.op.primary_ip, self.op.secondary_ip}:
                if ip in (other.primary_ip, other.secondary_ip):
                    raise errors.OpPrereqError("IP address %s of the new node is already used by"
                                               " node %s" % (ip, other.name),
                                               errors.ECODE_NOTUNIQUE)
        if self.op.primary_ip == self.cfg.GetMasterIP():
            raise errors.OpPrereqError("The new node's address is the cluster's master IP",
                                       errors.ECODE_INVAL)
        # the new node itself is eligible too, on top of the others
        mc_now, _, mc_max = self.cfg.GetMasterCandidateStats(exceptions=[name])
        pool_size = self.cfg.GetClusterInfo().candidate_pool_size
        self.become_candidate = mc_now < min(mc_max + 1, pool_size)
        if existing is not None:
            self.new_node = existing
        else:
            self.new_node = objects.Node(name=name, primary_ip=self.op.primary_ip,
                                         secondary_ip=self.op.secondary_ip)

    def Exec(self, feedback_fn: Any) -> str:
        node = self.new_node
        ssconf_values = self.cfg.GetSsconfValues()
        bootstrap.SetupNodeDaemon(self.cfg.GetClusterName(), node.name, self.op.primary_ip,
                                  ssconf_values, feedback_fn)
        node.master_candidate = self.become_candidate
        node.offline = node.drained = False
        if self.op.readd:
            node.primary_ip, node.secondary_ip = self.op.primary_ip, self.op.secondary_ip
            self.cfg.Update(node, feedback_fn)
            self.context.ReaddNode(node)
        else:
            self.context.AddNode(node, self.proc.GetECId())
        if node.master_candidate:
            feedback_fn("Node %s is a master candidate" % node.name)
        common.RedistributeAncillaryFiles(self.cfg, self.rpc, self.LogWarning, [node.name])
        common.EnsureDaemons(self, [node.name])
        return node.uuid


class LUNodeRemove(LogicalUnit):
    """Takes a node out of the cluster; it must have no instances."""

    HPATH = "node-remove"
    HTYPE = constants.HTYPE_NODE

    def ExpandNames(self) -> None:
        self.op.node_name = ExpandNodeName(self.cfg, self.op.node_name)
        self.needed_locks = {locking.LEVEL_NODE: locking.ALL_SET}

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        others = [n for n in self.cfg.GetOnlineNodeList() if n != self.op.node_name]
        return _NodeHooksEnv(self.cfg.GetNodeInfo(self.op.node_name)), others, others

    def CheckPrereq(self) -> None:
        name = self.op.node_name
        if name == self.cfg.GetMasterNode():
            raise errors.OpPrereqError("Node %s is the master node: fail over the master"
                                       " first" % name, errors.ECODE_INVAL)
        primary, secondary = self.cfg.GetNodeInstances(name)
        if primary or secondary:
            raise errors.OpPrereqError("Instances still use node %s: %s"
                                       % (name, ", ".join(sorted(primary + secondary))),
                                       errors.ECODE_STATE)

    def Exec(self, feedback_fn: Any) -> None:
        name = self.op.node_name
        node = self.cfg.GetNodeInfo(name)
        if not node.offline:
            result = self.rpc.call_node_leave_cluster(name, False)
            if result.fail_msg:
                self.LogWarning("Node %s could not clean up after itself: %s", name,
                                result.fail_msg)
        self.context.RemoveNode(name)
        promoted = self.cfg.MaintainCandidatePool()
        for other in promoted:
            feedback_fn("Promoted %s to master candidate" % other)
        common.PromoteNodes(self, promoted)


class LUNodeQuery(QueryLU):
    """gnt-node list: configuration fields and, when asked for, live ones."""

    def ExpandNames(self) -> None:
        self.query = NodeQuery(self.cfg, self.op.output_fields)
        self.wanted = ([ExpandNodeName(self.cfg, n) for n in self.op.names] if self.op.names
                       else None)
        self.needed_locks = {}
        if self.op.use_locking:
            self.needed_locks[locking.LEVEL_NODE] = self.wanted or locking.ALL_SET
            self.share_locks[locking.LEVEL_NODE] = 1

    def Exec(self, feedback_fn: Any) -> list[list[Any]]:
        return self.query.Run(self.rpc, self.wanted)


class LUNodeSetParams(LogicalUnit):
    """Changes a node's role: master candidate, offline, drained.

    Demoting a candidate must not leave the pool short (unless auto_promote
    fills it from the other nodes); the master's role only changes through
    master-failover.
    """

    HPATH = "node-modify"
    HTYPE = constants.HTYPE_NODE

    def CheckArguments(self) -> None:
        flags = (self.op.master_candidate, self.op.offline, self.op.drained)
        if all(flag is None for flag in flags):
            raise errors.OpPrereqError("Please pass at least one modification",
                                       errors.ECODE_INVAL)
        if sum(1 for flag in flags if flag) > 1:
            raise errors.OpPrereqError("Can't set the node into more than one state at the same"
                                       " time", errors.ECODE_INVAL)

    def ExpandNames(self) -> None:
        self.op.node_name = ExpandNodeName(self.cfg, self.op.node_name)
        self.needed_locks = {locking.LEVEL_NODE: (locking.ALL_SET if self.op.auto_promote
                                                  else [self.op.node_name])}

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        env = _NodeHooksEnv(self.cfg.GetNodeInfo(self.op.node_name))
        for key in ("master_candidate", "offline", "drained"):
            env[key.upper()] = str(getattr(self.op, key))
        master = self.cfg.GetMasterNode()
        return env, [master, self.op.node_name], [master, self.op.node_name]

    def CheckPrereq(self) -> None:
        node = self.cfg.GetNodeInfo(self.op.node_name)
        op = self.op
        if node.name == self.cfg.GetMasterNode() and (
                op.master_candidate is False or op.offline or op.drained):
            raise errors.OpPrereqError("The master role can be changed only with"
                                       " master-failover", errors.ECODE_INVAL)
        new = {"master_candidate": node.master_candidate, "offline": node.offline,
               "drained": node.drained}
        for key in new:
            if getattr(op, key) is not None:
                new[key] = getattr(op, key)
        # becoming offline or drained means stopping to be a candidate
        if (op.offline or op.drained) and node.master_candidate:
            new["master_candidate"] = False
        if op.master_candidate:
            new["offline"] = new["drained"] = False
            if (node.offline and op.offline is None) or (node.drained and op.drained is None):
                raise errors.OpPrereqError("Node %s is offline or drained: clear that flag to"
                                           " make it a master candidate" % node.name,
                                           errors.ECODE_STATE)
        self.demote = node.master_candidate and not new["master_candidate"]
        if self.demote:
            mc_now, mc_should, mc_max = self.cfg.GetMasterCandidateStats()
            if mc_now - 1 < mc_should:
                if not op.auto_promote:
                    raise errors.OpPrereqError(
                        "Not enough master candidates (desired %d, new value will be %d): use"
                        " --auto-promote to promote other nodes" % (mc_should, mc_now - 1),
                        errors.ECODE_STATE)
                if mc_max - 1 <= mc_now - 1:
                    raise errors.OpPrereqError(
                        "No other node can be promoted to replace %s as master candidate"
                        % node.name, errors.ECODE_STATE)
        self.coming_online = node.offline and new["offline"] is False
        self.promote = not node.master_candidate and new["master_candidate"]
        self.new_flags = new

    def Exec(self, feedback_fn: Any) -> list[tuple[str, str]]:
        node = self.cfg.GetNodeInfo(self.op.node_name)
        changes = []
        for key, value in self.new_flags.items():
            if getattr(node, key) != value:
                setattr(node, key, value)
                changes.append((key, str(value)))
        self.cfg.Update(node, feedback_fn)
        if self.coming_online:
            # only now: the RPC layer never contacts a node marked offline
            result = self.rpc.call_version([node.name])[node.name]
            if result.fail_msg:
                self.LogWarning("Node %s does not answer yet (%s); it is marked online anyway",
                                node.name, result.fail_msg)
        if self.demote:
            if not node.offline:
                common.DemoteNode(self, node.name)
            promoted = self.cfg.MaintainCandidatePool(exceptions=[node.name])
            for other in promoted:
                feedback_fn("Promoted %s to master candidate" % other)
            common.PromoteNodes(self, promoted)
        if self.promote:
            common.PromoteNodes(self, [node.name])
        elif self.coming_online:
            common.RedistributeAncillaryFiles(self.cfg, self.rpc, self.LogWarning, [node.name])
        return changes


class LUNodePowercycle(NoHooksLU):
    """Hard-reboots a node through its node daemon (kept in RAM for this)."""

    REQ_BGL = False

    def ExpandNames(self) -> None:
        self.op.node_name = ExpandNodeName(self.cfg, self.op.node_name)
        if self.op.node_name == self.cfg.GetMasterNode() and not self.op.force:
            raise errors.OpPrereqError("The node is the master and the force parameter was not"
                                       " set", errors.ECODE_INVAL)
        self.needed_locks = {}

    def Exec(self, feedback_fn: Any) -> str:
        result = self.rpc.call_node_powercycle(self.op.node_name,
                                               self.cfg.GetHypervisorType())
        result.Raise("Failed to schedule the reboot of %s" % self.op.node_name)
        return result.payload


def _StorageArgs(cfg: Any, storage_type: str) -> list[Any]:
    if storage_type == constants.ST_FILE:
        return [[cfg.GetFileStorageDir()]]
    return []


class LUNodeQueryStorage(QueryLU):
    """Storage units of one type on nodes (gnt-node list-storage)."""

    def ExpandNames(self) -> None:
        unknown = sorted(set(self.op.output_fields) - constants.VALID_STORAGE_FIELDS
                         - {constants.SF_NODE, constants.SF_TYPE})
        if unknown:
            raise errors.OpPrereqError("Unknown output field(s): %s" % ", ".join(unknown),
                                       errors.ECODE_INVAL)
        self.nodes = ([ExpandNodeName(self.cfg, n) for n in self.op.nodes] if self.op.nodes
                      else self.cfg.GetNodeList())
        self.needed_locks = {locking.LEVEL_NODE: self.nodes}
        self.share_locks[locking.LEVEL_NODE] = 1

    def Exec(self, feedback_fn: Any) -> list[list[Any]]:
        fields = list(self.op.output_fields)
        asked = [f for f in fields if f not in (constants.SF_NODE, constants.SF_TYPE)]
        if constants.SF_NAME not in asked:
            asked.append(constants.SF_NAME)
        online = [n for n in self.nodes if not self.cfg.GetNodeInfo(n).offline]
        results = self.rpc.call_storage_list(online, self.op.storage_type,
                                             _StorageArgs(self.cfg, self.op.storage_type),
                                             self.op.name, asked)
        rows = []
        for node in sorted(online):
            res = results[node]
            if res.fail_msg:
                self.LogWarning("Can't get storage data from node %s: %s", node, res.fail_msg)
                continue
            for values in sorted(res.payload, key=lambda v: v[asked.index(constants.SF_NAME)]):
                row = dict(zip(asked, values))
                row[constants.SF_NODE] = node
                row[constants.SF_TYPE] = self.op.storage_type
                rows.append([row[f] for f in fields])
        return rows


class LUNodeModifyStorage(NoHooksLU):
    """Changes a storage unit (e.g. a PV's allocatable flag)."""

    def ExpandNames(self) -> None:
        self.op.node_name = ExpandNodeName(self.cfg, self.op.node_name)
        self.needed_locks = {locking.LEVEL_NODE: [self.op.node_name]}

    def CheckPrereq(self) -> None:
        allowed = constants.MODIFIABLE_STORAGE_FIELDS.get(self.op.storage_type, frozenset())
        bad = sorted(set(self.op.changes) - set(allowed))
        if bad:
            raise errors.OpPrereqError("Storage type %s cannot change %s (modifiable: %s)"
                                       % (self.op.storage_type, ", ".join(bad),
                                          ", ".join(sorted(allowed)) or "none"),
                                       errors.ECODE_INVAL)

    def Exec(self, feedback_fn: Any) -> None:
        result = self.rpc.call_storage_modify(self.op.node_name, self.op.storage_type,
                                              _StorageArgs(self.cfg, self.op.storage_type),
                                              self.op.name, self.op.changes)
        result.Raise("Failed to modify storage unit %s on %s" % (self.op.name, self.op.node_name))


class LURepairNodeStorage(NoHooksLU):
    """Runs a storage unit's repair (e.g. vgreduce --removemissing)."""

    def ExpandNames(self) -> None:
        self.op.node_name = ExpandNodeName(self.cfg, self.op.node_name)
        self.needed_locks = {locking.LEVEL_NODE: [self.op.node_name]}

    def CheckPrereq(self) -> None:
        ops = constants.VALID_STORAGE_OPERATIONS.get(self.op.storage_type, frozenset())
        if constants.SO_FIX_CONSISTENCY not in ops:
            raise errors.OpPrereqError("Storage units of type %s cannot be repaired"
                                       % self.op.storage_type, errors.ECODE_INVAL)
        if not self.op.ignore_consistency:
            primary, secondary = self.cfg.GetNodeInstances(self.op.node_name)
            mirrored = [i for i in primary + secondary
                        if self.cfg.GetInstanceInfo(i).disk_template in constants.DTS_NET_MIRROR]
            if mirrored:
                raise errors.OpPrereqError(
                    "Instances %s have mirrored disks on %s: make sure their other node is"
                    " healthy, then repeat with ignore_consistency"
                    % (", ".join(sorted(mirrored)), self.op.node_name), errors.ECODE_STATE)

    def Exec(self, feedback_fn: Any) -> list[str]:
        result = self.rpc.call_storage_execute(self.op.node_name, self.op.storage_type,
                                               _StorageArgs(self.cfg, self.op.storage_type),
                                               self.op.name, constants.SO_FIX_CONSISTENCY)
        result.Raise("Failed to repair storage unit %s on %s" % (self.op.name, self.op.node_name))
        for line in result.payload or []:
            feedback_fn(line)
        return result.payload
