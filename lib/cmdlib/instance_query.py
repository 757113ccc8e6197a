"""Instance queries: gnt-instance list (LUInstanceQuery) and info (LUInstanceQueryData).

Fields are upstream's gnt-instance list fields. Static ones come from the
configuration; oper_state, oper_ram, oper_vcpus and status need the nodes'
view, asked of every online node in one parallel all_instances_info call
(which also finds instances running on a node that is not their primary,
with or without a copy on the primary: ERROR_wrongnode). Global hypervisor parameters are never shown per
instance: hvparams hides them and hv/<global> is not a field.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ganeti import constants, errors, hypervisor, locking, objects, utils
from ganeti.cmdlib import instance_storage as istorage
from ganeti.cmdlib import instance_utils as iutils
from ganeti.cmdlib.base import LOCKS_REPLACE, ExpandInstanceName, FeedbackFn, QueryLU
from ganeti.hypervisor import hv_base

_DYNAMIC = frozenset(["oper_state", "oper_ram", "oper_vcpus", "status"])
_NIC_ATTRS = {"mac": "macs", "ip": "ips", "mode": "modes", "link": "links", "bridge": "bridges"}
_INDEXED_RE = re.compile(r"^(disk)\.(size)/([0-9]+)$|^(nic)\.(%s)/([0-9]+)$"
                         % "|".join(_NIC_ATTRS))
_PARAM_RE = re.compile(r"^(hv|be)/([a-z_]+)$")


class _Row:
    """What the field functions of one instance need."""

    def __init__(self, cluster: objects.Cluster, inst: objects.Instance,
                 live: dict[str, Any] | None, node_state: str | None):
        self.inst = inst
        self.cluster = cluster
        self.live = live
        self.node_state = node_state  # None, "offline", "down" or "wrongnode"
        self.nics = [(nic, cluster.SimpleFillNIC(nic.nicparams)) for nic in inst.nics]


def _NicValue(nic: objects.NIC, filled: dict[str, Any], attr: str) -> Any:
    if attr == "mac":
        return nic.mac
    if attr == "ip":
        return nic.ip
    if attr == "bridge":
        return (filled[constants.NIC_LINK]
                if filled[constants.NIC_MODE] == constants.NIC_MODE_BRIDGED else None)
    return filled[constants.NIC_MODE if attr == "mode" else constants.NIC_LINK]


def _FirstNic(attr: str) -> Callable[[_Row], Any]:
    return lambda r: _NicValue(r.nics[0][0], r.nics[0][1], attr) if r.nics else None


def _DiskSize(idx: int) -> Callable[[_Row], Any]:
    return lambda r: r.inst.disks[idx].size if idx < len(r.inst.disks) else None


def _Status(r: _Row) -> str:
    if r.node_state == "offline":
        return constants.INSTST_NODEOFFLINE
    if r.node_state == "down":
        return constants.INSTST_NODEDOWN
    if r.node_state == "wrongnode":
        return constants.INSTST_WRONGNODE
    if r.live is not None:
        return constants.INSTST_RUNNING if r.inst.admin_up else constants.INSTST_ERRORUP
    return constants.INSTST_ERRORDOWN if r.inst.admin_up else constants.INSTST_ADMINDOWN


def _Live(key: str) -> Callable[[_Row], Any]:
    return lambda r: r.live[key] if r.live is not None and r.node_state is None else None


_FIELDS: dict[str, Callable[[_Row], Any]] = {
    "name": lambda r: r.inst.name,
    "uuid": lambda r: r.inst.uuid,
    "os": lambda r: r.inst.os,
    "pnode": lambda r: r.inst.primary_node,
    "snodes": lambda r: list(r.inst.secondary_nodes),
    "admin_state": lambda r: r.inst.admin_up,
    "disk_template": lambda r: r.inst.disk_template,
    "ip": _FirstNic("ip"),
    "mac": _FirstNic("mac"),
    "nic_mode": _FirstNic("mode"),
    "nic_link": _FirstNic("link"),
    "bridge": _FirstNic("bridge"),
    "sda_size": _DiskSize(0),
    "sdb_size": _DiskSize(1),
    "vcpus": lambda r: r.cluster.FillBE(r.inst)[constants.BE_VCPUS],
    "tags": lambda r: list(r.inst.tags),
    "network_port": lambda r: r.inst.network_port,
    "beparams": lambda r: r.cluster.FillBE(r.inst),
    "hvparams": lambda r: r.cluster.FillHV(r.inst, skip_globals=True),
    "serial_no": lambda r: r.inst.serial_no,
    "ctime": lambda r: r.inst.ctime,
    "mtime": lambda r: r.inst.mtime,
    "hypervisor": lambda r: r.inst.hypervisor,
    "disk_usage": lambda r: istorage.ComputeDiskUsage(r.inst.disk_template,
                                                      [d.size for d in r.inst.disks]),
    "disk.count": lambda r: len(r.inst.disks),
    "disk.sizes": lambda r: [d.size for d in r.inst.disks],
    "nic.count": lambda r: len(r.inst.nics),
    "oper_state": lambda r: None if r.node_state in ("offline", "down") else r.live is not None,
    "oper_ram": _Live("memory"),
    "oper_vcpus": _Live("vcpus"),
    "status": _Status,
}
for _attr, _plural in _NIC_ATTRS.items():
    _FIELDS["nic." + _plural] = (lambda a: lambda r: [_NicValue(n, f, a) for n, f in r.nics])(_attr)
del _attr, _plural


_HV_FIELD_NAMES = hypervisor.GetAllParameterNames(skip_globals=True)


def GetFieldFunction(field: str) -> Callable[[_Row], Any] | None:
    """The function computing field for a row, None for unknown fields."""
    if field in _FIELDS:
        return _FIELDS[field]
    match = _INDEXED_RE.match(field)
    if match:
        if match.group(1):
            return _DiskSize(int(match.group(3)))
        attr, idx = match.group(5), int(match.group(6))
        return lambda r: _NicValue(*r.nics[idx], attr) if idx < len(r.nics) else None
    match = _PARAM_RE.match(field)
    if match:
        kind, name = match.groups()
        if kind == "hv" and name in _HV_FIELD_NAMES:
            return lambda r: r.cluster.FillHV(r.inst, skip_globals=True).get(name)
        if kind == "be" and name in constants.BES_PARAMETER_TYPES:
            return lambda r: r.cluster.FillBE(r.inst).get(name)
    return None


def _WantedInstances(lu: Any, names: list[str]) -> list[str]:
    if names:
        return [ExpandInstanceName(lu.cfg, name) for name in names]
    return utils.NiceSort(lu.cfg.GetInstanceList())


def _LockIfWanted(lu: Any, use_locking: bool, names: list[str]) -> None:
    lu.needed_locks = {}
    if use_locking:
        lu.share_locks = dict.fromkeys(locking.LEVELS, 1)
        lu.needed_locks[locking.LEVEL_INSTANCE] = (
            [ExpandInstanceName(lu.cfg, n) for n in names] if names else locking.ALL_SET)
        lu.needed_locks[locking.LEVEL_NODE] = []
        lu.recalculate_locks[locking.LEVEL_NODE] = LOCKS_REPLACE


def GatherLiveData(lu: Any, nodes: list[str]
                   ) -> tuple[dict[str, dict[str, Any]], set[str], set[str]]:
    """({node: {instance: info}}, nodes down, nodes offline) from all_instances_info."""
    offline = {n for n in nodes if lu.cfg.GetNodeInfo(n).offline}
    online = [n for n in nodes if n not in offline]
    live: dict[str, dict[str, Any]] = {}
    down: set[str] = set()
    if online:
        hvs = lu.cfg.GetClusterInfo().enabled_hypervisors
        for node, result in lu.rpc.call_all_instances_info(online, hvs).items():
            if result.fail_msg or not isinstance(result.payload, dict):
                lu.LogWarning("Can't get the instances of node %s: %s", node, result.fail_msg)
                down.add(node)
            else:
                live[node] = result.payload
    return live, down, offline


class LUInstanceQuery(QueryLU):
    """Rows of the requested fields, one per instance (names given: in that order)."""

    def CheckArguments(self) -> None:
        self.field_fns = []
        unknown = []
        for field in self.op.output_fields:
            fn = GetFieldFunction(field)
            if fn is None:
                unknown.append(field)
            self.field_fns.append(fn)
        if unknown:
            raise errors.OpPrereqError("Unknown output fields selected: %s" % ", ".join(unknown),
                                       errors.ECODE_INVAL)
        self.do_live = bool(_DYNAMIC & set(self.op.output_fields))

    def ExpandNames(self) -> None:
        _LockIfWanted(self, self.op.use_locking, self.op.names)

    def DeclareLocks(self, level: int) -> None:
        if level == locking.LEVEL_NODE and self.op.use_locking:
            self._LockInstancesNodes()

    def Exec(self, feedback_fn: FeedbackFn) -> list[list[Any]]:
        names = _WantedInstances(self, self.op.names)
        instances = [iutils.GetInstance(self.cfg, name) for name in names]
        cluster = self.cfg.GetClusterInfo()
        live: dict[str, dict[str, Any]] = {}
        down: set[str] = set()
        offline: set[str] = set()
        if self.do_live and instances:
            live, down, offline = GatherLiveData(self, self.cfg.GetNodeList())
        rows = []
        for inst in instances:
            node_live = live.get(inst.primary_node, {})
            info = node_live.get(inst.name)
            node_state = None
            if inst.primary_node in offline:
                node_state = "offline"
            elif inst.primary_node in down:
                node_state = "down"
            elif any(inst.name in other for node, other in live.items()
                     if node != inst.primary_node):
                # also when it runs on its primary too: two copies of one guest
                node_state = "wrongnode"
            row = _Row(cluster, inst, info, node_state)
            rows.append([fn(row) for fn in self.field_fns])
        return rows


class LUInstanceQueryData(QueryLU):
    """Detailed information per instance (gnt-instance info), live unless static."""

    def ExpandNames(self) -> None:
        _LockIfWanted(self, not self.op.static, self.op.instances)

    def DeclareLocks(self, level: int) -> None:
        if level == locking.LEVEL_NODE and not self.op.static:
            self._LockInstancesNodes()

    def Exec(self, feedback_fn: FeedbackFn) -> dict[str, dict[str, Any]]:
        cluster = self.cfg.GetClusterInfo()
        result = {}
        for name in _WantedInstances(self, self.op.instances):
            inst = iutils.GetInstance(self.cfg, name)
            result[name] = self._Describe(cluster, inst)
        return result

    def _RunState(self, inst: objects.Instance) -> str | None:
        if self.op.static or self.cfg.GetNodeInfo(inst.primary_node).offline:
            return None
        res = self.rpc.call_instance_info(inst.primary_node, inst.name, inst.hypervisor)
        if res.fail_msg:
            self.LogWarning("Can't get the state of %s: %s", inst.name, res.fail_msg)
            return None
        return "up" if res.payload else "down"

    def _DiskStatus(self, inst: objects.Instance, disk: objects.Disk,
                    snode: str | None) -> dict[str, Any]:
        def _Find(node: str | None) -> Any:
            if node is None or self.op.static or self.cfg.GetNodeInfo(node).offline:
                return None
            res = self.rpc.call_blockdev_find(node, iutils.DiskForNode(self.cfg, disk, node))
            if res.fail_msg:
                self.LogWarning("Can't find disk %s on node %s: %s", disk.iv_name, node,
                                res.fail_msg)
                return None
            return res.payload

        if disk.dev_type in constants.LDS_DRBD and snode is None:
            snode = [n for n in disk.logical_id[:2] if n != inst.primary_node][0]
        return {
            "iv_name": disk.iv_name, "dev_type": disk.dev_type, "size": disk.size,
            "mode": disk.mode, "logical_id": disk.logical_id,
            "pstatus": _Find(inst.primary_node),
            "sstatus": _Find(snode),
            "children": [self._DiskStatus(inst, child, snode) for child in disk.children],
        }

    def _Describe(self, cluster: objects.Cluster, inst: objects.Instance) -> dict[str, Any]:
        nics = []
        for nic in inst.nics:
            filled = cluster.SimpleFillNIC(nic.nicparams)
            nics.append((nic.mac, nic.ip, filled[constants.NIC_MODE], filled[constants.NIC_LINK]))
        return {
            "name": inst.name, "uuid": inst.uuid,
            "config_state": "up" if inst.admin_up else "down",
            "run_state": self._RunState(inst),
            "pnode": inst.primary_node, "snodes": inst.secondary_nodes,
            "os": inst.os, "hypervisor": inst.hypervisor, "network_port": inst.network_port,
            "disk_template": inst.disk_template, "nics": nics,
            "disks": [self._DiskStatus(inst, disk, None) for disk in inst.disks],
            "hv_instance": hv_base.StripGlobalHvParams(inst.hvparams),
            "hv_actual": cluster.FillHV(inst, skip_globals=True),
            "be_instance": dict(inst.beparams), "be_actual": cluster.FillBE(inst),
            "tags": list(inst.tags), "serial_no": inst.serial_no,
            "ctime": inst.ctime, "mtime": inst.mtime,
        }
