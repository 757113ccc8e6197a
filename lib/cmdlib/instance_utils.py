"""What the instance logical units share: parameter checks, hooks environment, RPC forms.

The checks here are the ones every instance operation applies the same way,
so that create, modify and startup refuse the same inputs with the same
messages: instance-level hypervisor parameters (known to the hypervisor,
never a global one, typed, syntax-checked on the master and verified on
the nodes through RPC), backend parameters, NIC specifications (mode, link,
routed needs an IP, MACs generated or reserved through the ConfigWriter,
IPs unique in the cluster), OS usability on a node, free memory, bridges.
"""

from __future__ import annotations

import errno
import re
import socket
from typing import Any, Iterable, Sequence

from ganeti import constants, errors, hypervisor, locking, netutils, objects
from ganeti.cmdlib import common
from ganeti.cmdlib.base import LOCKS_REPLACE, CheckGlobalHvParams, CheckNodeOnline
from ganeti.utils import params as uparams

#: Hypervisors that connect instance NICs to the host's network (bridges must exist).
_HV_WITHOUT_NETWORK = frozenset([constants.HT_FAKE])

_NIC_KEYS = frozenset([constants.INIC_MAC, constants.INIC_IP, constants.INIC_MODE,
                       constants.INIC_LINK, constants.INIC_BRIDGE])


# --- instance objects as the nodes get them ------------------------------------------

def SetDiskID(disk: objects.Disk, node: str, node_ips: dict[str, str]) -> None:
    """Fill disk.physical_id (and its children's) as seen from node.

    DRBD8's physical id is (local ip, port, remote ip, port, local minor,
    secret) over the nodes' secondary IPs; other devices use their logical id.
    """
    if disk.dev_type in constants.LDS_DRBD:
        pnode, snode, port, pminor, sminor, secret = disk.logical_id
        if node not in (pnode, snode):
            raise errors.ConfigurationError("DRBD disk %s is not on node %s" % (disk.iv_name, node))
        local, remote, minor = (pnode, snode, pminor) if node == pnode else (snode, pnode, sminor)
        try:
            disk.physical_id = [node_ips[local], port, node_ips[remote], port, minor, secret]
        except KeyError as err:
            raise errors.ConfigurationError("Unknown node %s of DRBD disk %s"
                                            % (err.args[0], disk.iv_name)) from err
    else:
        disk.physical_id = list(disk.logical_id) if disk.logical_id is not None else None
    for child in disk.children:
        SetDiskID(child, node, node_ips)


def NodeSecondaryIps(cfg: Any) -> dict[str, str]:
    return {name: node.secondary_ip or node.primary_ip
            for name, node in cfg.GetAllNodesInfo().items()}


def DiskForNode(cfg: Any, disk: objects.Disk, node: str) -> objects.Disk:
    """A copy of disk with its physical ids for node (config objects stay untouched)."""
    copy = disk.Copy()
    SetDiskID(copy, node, NodeSecondaryIps(cfg))
    return copy


def RpcInstance(cfg: Any, instance: objects.Instance, node: str | None = None,
                hvp: dict[str, Any] | None = None,
                bep: dict[str, Any] | None = None) -> objects.Instance:
    """The instance as a node must get it: parameters filled, disk ids for node.

    hvp/bep are one-off overrides (startup with temporary parameters); node
    defaults to the primary.
    """
    cluster = cfg.GetClusterInfo()
    inst = instance.Copy()
    inst.hvparams = cluster.FillHV(instance)
    inst.hvparams.update(hvp or {})
    inst.beparams = cluster.FillBE(instance)
    inst.beparams.update(bep or {})
    for nic in inst.nics:
        nic.nicparams = cluster.SimpleFillNIC(nic.nicparams)
    node_ips = NodeSecondaryIps(cfg)
    for disk in inst.disks:
        SetDiskID(disk, node or instance.primary_node, node_ips)
    return inst


# --- hooks environment -------------------------------------------------------------------

def BuildInstanceHookEnv(name: str, primary_node: str, secondary_nodes: Sequence[str],
                         os_type: str, status: bool, memory: int, vcpus: int,
                         nics: Sequence[tuple[str | None, str | None, str, str]],
                         disk_template: str, disks: Sequence[tuple[int, str]],
                         bep: dict[str, Any], hvp: dict[str, Any],
                         hypervisor_name: str) -> dict[str, Any]:
    """The INSTANCE_* hooks variables (hooksmaster adds the GANETI_ prefix).

    nics are (ip, mac, mode, link) with filled parameters, disks (size, mode).
    """
    env: dict[str, Any] = {
        "OP_TARGET": name,
        "INSTANCE_NAME": name,
        "INSTANCE_PRIMARY": primary_node,
        "INSTANCE_SECONDARIES": " ".join(secondary_nodes),
        "INSTANCE_OS_TYPE": os_type,
        "INSTANCE_STATUS": "up" if status else "down",
        "INSTANCE_MEMORY": memory,
        "INSTANCE_VCPUS": vcpus,
        "INSTANCE_DISK_TEMPLATE": disk_template,
        "INSTANCE_HYPERVISOR": hypervisor_name,
        "INSTANCE_NIC_COUNT": len(nics),
        "INSTANCE_DISK_COUNT": len(disks),
    }
    for idx, (ip, mac, mode, link) in enumerate(nics):
        env["INSTANCE_NIC%d_IP" % idx] = ip or ""
        env["INSTANCE_NIC%d_MAC" % idx] = mac or ""
        env["INSTANCE_NIC%d_MODE" % idx] = mode
        env["INSTANCE_NIC%d_LINK" % idx] = link or ""
        if mode == constants.NIC_MODE_BRIDGED:
            env["INSTANCE_NIC%d_BRIDGE" % idx] = link or ""
    for idx, (size, mode) in enumerate(disks):
        env["INSTANCE_DISK%d_SIZE" % idx] = size
        env["INSTANCE_DISK%d_MODE" % idx] = mode
    for prefix, source in (("INSTANCE_BE_", bep), ("INSTANCE_HV_", hvp)):
        for key, value in source.items():
            env[prefix + key] = value
    return env


def NicHookTuples(cfg: Any, nics: Iterable[objects.NIC]) -> list[tuple[Any, Any, str, str]]:
    cluster = cfg.GetClusterInfo()
    result = []
    for nic in nics:
        filled = cluster.SimpleFillNIC(nic.nicparams)
        result.append((nic.ip, nic.mac, filled[constants.NIC_MODE], filled[constants.NIC_LINK]))
    return result


def BuildInstanceHookEnvByObject(cfg: Any, instance: objects.Instance,
                                 **override: Any) -> dict[str, Any]:
    """BuildInstanceHookEnv for a configured instance; override replaces arguments."""
    cluster = cfg.GetClusterInfo()
    bep = cluster.FillBE(instance)
    args = {
        "name": instance.name,
        "primary_node": instance.primary_node,
        "secondary_nodes": instance.secondary_nodes,
        "os_type": instance.os,
        "status": instance.admin_up,
        "memory": bep[constants.BE_MEMORY],
        "vcpus": bep[constants.BE_VCPUS],
        "nics": NicHookTuples(cfg, instance.nics),
        "disk_template": instance.disk_template,
        "disks": [(disk.size, disk.mode) for disk in instance.disks],
        "bep": bep,
        "hvp": cluster.FillHV(instance),
        "hypervisor_name": instance.hypervisor,
    }
    args.update(override)
    return BuildInstanceHookEnv(**args)


def InstanceHookNodes(cfg: Any, instance: objects.Instance) -> list[str]:
    """The master and the instance's nodes, the usual hook targets."""
    master = cfg.GetMasterNode()
    return [master] + [n for n in instance.all_nodes if n != master]


# --- parameters ---------------------------------------------------------------------------

def CheckHvName(cfg: Any, hv_name: str) -> None:
    enabled = cfg.GetClusterInfo().enabled_hypervisors
    if hv_name not in enabled:
        raise errors.OpPrereqError("Selected hypervisor (%s) not enabled in the cluster (%s)"
                                   % (hv_name, ", ".join(enabled)), errors.ECODE_STATE)


def PrepareInstanceHvParams(hv_name: str, hvparams: dict[str, Any]) -> dict[str, Any]:
    """An instance's own hvparams, typed; refuses global and unknown parameters.

    Values None or "default" stay None (the caller resets them to the
    cluster default).
    """
    CheckGlobalHvParams(hvparams)
    return common.ForceHvParamTypes(hv_name, hvparams, instance_level=True)


def CheckHvParamSyntax(hv_name: str, filled: dict[str, Any]) -> None:
    """The master-side check of a full hvparams dict (no side effects)."""
    try:
        hypervisor.GetHypervisorClass(hv_name).CheckParameterSyntax(filled)
    except errors.HypervisorError as err:
        raise errors.OpPrereqError("Invalid hypervisor parameters: %s" % err,
                                   errors.ECODE_INVAL) from err


def CheckHvParamsOnNodes(lu: Any, nodes: Sequence[str], hv_name: str,
                         filled: dict[str, Any]) -> None:
    """The node-side half: every (online) node must accept the parameters."""
    nodes = [n for n in nodes if not lu.cfg.GetNodeInfo(n).offline]
    if not nodes:
        return
    for node, result in lu.rpc.call_hypervisor_validate_params(nodes, hv_name, filled).items():
        result.Raise("Hypervisor parameter validation failed on node %s" % node, prereq=True,
                     ecode=errors.ECODE_INVAL)


def PrepareBeParams(beparams: dict[str, Any]) -> dict[str, Any]:
    """Backend parameters converted to their types ("512M" → 512); None means reset."""
    return uparams.ForceDictType(dict(beparams), constants.BES_PARAMETER_TYPES)


def CheckNodeFreeMemory(lu: Any, node: str, reason: str, requested: int,
                        hv_name: str) -> None:
    """Refuse (ECODE_NORES) unless node has requested MiB free for hv_name guests."""
    result = lu.rpc.call_node_info([node], None, hv_name)[node]
    result.Raise("Can't get data from node %s" % node, prereq=True)
    free = result.payload.get("memory_free")
    if not isinstance(free, int):
        raise errors.OpPrereqError("Can't compute free memory on node %s, result was '%s'"
                                   % (node, free), errors.ECODE_ENVIRON)
    if requested > free:
        raise errors.OpPrereqError("Not enough memory on node %s for %s: needed %s MiB,"
                                   " available %s MiB" % (node, reason, requested, free),
                                   errors.ECODE_NORES)


# --- OS, bridges, running state ------------------------------------------------------------

def CheckNodeHasOS(lu: Any, node: str, os_name: str, force_variant: bool) -> dict[str, Any]:
    """The OS check on the node that will run the scripts (existence, API, variant)."""
    result = lu.rpc.call_os_validate(node, os_name, force_variant)
    result.Raise("Cannot use OS '%s' on node %s" % (os_name, node), prereq=True,
                 ecode=errors.ECODE_INVAL)
    return result.payload


def CheckNicBridges(lu: Any, nics: Iterable[objects.NIC], node: str, hv_name: str) -> None:
    """Bridged NICs' bridges must exist on node (hypervisors without networking skip this)."""
    if hv_name in _HV_WITHOUT_NETWORK:
        return
    cluster = lu.cfg.GetClusterInfo()
    bridges = sorted({cluster.SimpleFillNIC(nic.nicparams)[constants.NIC_LINK] for nic in nics
                      if cluster.SimpleFillNIC(nic.nicparams)[constants.NIC_MODE]
                      == constants.NIC_MODE_BRIDGED})
    if bridges:
        lu.rpc.call_bridges_exist(node, bridges).Raise(
            "Bridge check failed on node %s" % node, prereq=True, ecode=errors.ECODE_ENVIRON)


def IsInstanceRunning(lu: Any, instance: objects.Instance) -> bool:
    result = lu.rpc.call_instance_info(instance.primary_node, instance.name, instance.hypervisor)
    result.Raise("Error checking node %s" % instance.primary_node, prereq=True)
    return bool(result.payload)


def CheckInstanceDown(lu: Any, instance: objects.Instance, reason: str) -> None:
    """Refuse unless the instance is marked down and not running."""
    if instance.admin_up:
        raise errors.OpPrereqError("Instance %s is marked to be up, %s" % (instance.name, reason),
                                   errors.ECODE_STATE)
    if IsInstanceRunning(lu, instance):
        raise errors.OpPrereqError("Instance %s is running on node %s, %s"
                                   % (instance.name, instance.primary_node, reason),
                                   errors.ECODE_STATE)


def CheckDisksOffline(lu: Any, instance: objects.Instance, reason: str) -> None:
    """For work on a stopped instance's disks: it has some, its node answers, it is down."""
    if instance.disk_template == constants.DT_DISKLESS:
        raise errors.OpPrereqError("Instance '%s' has no disks" % instance.name,
                                   errors.ECODE_INVAL)
    CheckPrimaryOnline(lu.cfg, instance)
    CheckInstanceDown(lu, instance, reason)


# --- names and addresses ---------------------------------------------------------------------

_VALID_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,254}$")


def NormalizeInstanceName(name: str) -> str:
    """The lower-cased name, refused unless it is a plausible host name.

    Instance names end up in file names (file disks, hypervisor state,
    sockets), so nothing else may pass even without the name check.
    """
    normalized = name.lower()
    if not _VALID_NAME_RE.match(normalized) or ".." in normalized:
        raise errors.OpPrereqError("Invalid instance name '%s' (letters, digits, '.', '-' and"
                                   " '_' only, like a host name)" % name, errors.ECODE_INVAL)
    return normalized


def ResolveInstanceName(name: str) -> tuple[str, str]:
    """(canonical name, IP) of a new instance name; the name must resolve to itself."""
    name = NormalizeInstanceName(name)
    try:
        full, ip = netutils.Hostname.Resolve(name)
    except errors.ResolverError as err:
        raise errors.OpPrereqError("Cannot resolve instance name %s: %s"
                                   % (name, err.args[-1] if err.args else err),
                                   errors.ECODE_RESOLVER) from err
    full = NormalizeInstanceName(full)
    if full != name and not full.startswith(name + "."):
        raise errors.OpPrereqError("Resolved hostname '%s' does not look the same as given"
                                   " hostname '%s'" % (full, name), errors.ECODE_INVAL)
    return full, ip


def IsIpInUse(ip: str, timeout: float = 1.0) -> bool:
    """Whether something answers at ip (a node daemon port probe; refusal counts)."""
    family = netutils.GetAddressFamily(ip)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((ip, constants.DEFAULT_NODED_PORT))
        return True
    except ConnectionRefusedError:
        return True
    except OSError as err:
        return err.errno == errno.ECONNREFUSED
    finally:
        sock.close()


def CheckIpUnused(ip: str, name: str) -> None:
    if IsIpInUse(ip):
        raise errors.OpPrereqError("IP %s of instance %s already in use" % (ip, name),
                                   errors.ECODE_NOTUNIQUE)


def CheckNicIpsUnique(cfg: Any, nics: Iterable[objects.NIC], skip: str | None = None) -> None:
    """No IP of nics may be used by another instance (or twice in nics)."""
    used = {nic.ip: inst.name for inst in cfg.GetAllInstancesInfo().values()
            if inst.name != skip for nic in inst.nics if nic.ip}
    seen: set[str] = set()
    for nic in nics:
        if not nic.ip:
            continue
        if nic.ip in used:
            raise errors.OpPrereqError("IP address %s already in use by instance %s"
                                       % (nic.ip, used[nic.ip]), errors.ECODE_NOTUNIQUE)
        if nic.ip in seen:
            raise errors.OpPrereqError("IP address %s given to two NICs" % nic.ip,
                                       errors.ECODE_NOTUNIQUE)
        seen.add(nic.ip)


# --- NIC specifications ------------------------------------------------------------------------

def _NormaliseMac(mac: str) -> str:
    parts = mac.lower().split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789abcdef" for c in p)
                                  for p in parts):
        raise errors.OpPrereqError("Invalid MAC address specified: %s" % mac, errors.ECODE_INVAL)
    return ":".join(parts)


def CheckNicSpecKeys(idx: Any, spec: dict[str, Any]) -> None:
    unknown = sorted(set(spec) - _NIC_KEYS)
    if unknown:
        raise errors.OpPrereqError("NIC %s: unknown parameter(s) %s (known: %s)"
                                   % (idx, ", ".join(unknown), ", ".join(sorted(_NIC_KEYS))),
                                   errors.ECODE_INVAL)
    if spec.get(constants.INIC_BRIDGE) and spec.get(constants.INIC_LINK):
        raise errors.OpPrereqError("NIC %s: give either link or bridge, not both" % idx,
                                   errors.ECODE_INVAL)
    if spec.get(constants.INIC_BRIDGE) and \
            spec.get(constants.INIC_MODE, constants.NIC_MODE_BRIDGED) != constants.NIC_MODE_BRIDGED:
        raise errors.OpPrereqError("NIC %s: a bridge only makes sense in bridged mode" % idx,
                                   errors.ECODE_INVAL)


def NicIp(idx: Any, value: Any, resolved_ip: str | None) -> str | None:
    """A NIC's IP from its spec: none, auto (the instance name's IP) or an address."""
    if value is None or (isinstance(value, str) and value.lower() == constants.VALUE_NONE):
        return None
    if not isinstance(value, str):
        raise errors.OpPrereqError("NIC %s: invalid IP %r" % (idx, value), errors.ECODE_INVAL)
    if value.lower() == constants.VALUE_AUTO:
        if resolved_ip is None:
            raise errors.OpPrereqError("NIC %s: IP 'auto' needs the name check (the instance"
                                       " name must resolve)" % idx, errors.ECODE_INVAL)
        return resolved_ip
    if not netutils.IsValidIP(value):
        raise errors.OpPrereqError("NIC %s: invalid IP address %s" % (idx, value),
                                   errors.ECODE_INVAL)
    return value


def NicParamsFromSpec(cluster: objects.Cluster, spec: dict[str, Any]) -> dict[str, Any]:
    """The nicparams a NIC spec sets (what it leaves out inherits the cluster default).

    An empty link is kept only for a routed NIC, where it means the main
    routing table (the inherited default link is usually a bridge); for a
    bridged NIC it means the default, as upstream.
    """
    params = {}
    if spec.get(constants.INIC_MODE):
        params[constants.NIC_MODE] = spec[constants.INIC_MODE]
    link = spec.get(constants.INIC_LINK) or spec.get(constants.INIC_BRIDGE)
    if link:
        params[constants.NIC_LINK] = link
    elif (spec.get(constants.INIC_LINK) == "" and
          cluster.SimpleFillNIC(params).get(constants.NIC_MODE) == constants.NIC_MODE_ROUTED):
        params[constants.NIC_LINK] = ""
    return params


def CheckNicParams(cfg: Any, idx: Any, nicparams: dict[str, Any], ip: str | None) -> None:
    """Filled NIC parameters must be valid; a routed NIC needs an IP."""
    filled = cfg.GetClusterInfo().SimpleFillNIC(nicparams)
    if filled.get(constants.NIC_MODE) == constants.NIC_MODE_ROUTED and not ip:
        raise errors.OpPrereqError("NIC %s: routed mode requires an IP address" % idx,
                                   errors.ECODE_INVAL)
    try:
        objects.NIC.CheckParameterSyntax(filled, ip)
    except errors.ConfigurationError as err:
        raise errors.OpPrereqError("NIC %s: %s" % (idx, err), errors.ECODE_INVAL) from err


def AssignMac(cfg: Any, idx: Any, value: Any, ec_id: Any) -> str:
    """A NIC's MAC: generated for auto/generate/none given, else checked and reserved."""
    if value is None or (isinstance(value, str) and
                         value.lower() in (constants.VALUE_AUTO, constants.VALUE_GENERATE)):
        return cfg.GenerateMAC(ec_id)
    if not isinstance(value, str):
        raise errors.OpPrereqError("NIC %s: invalid MAC %r" % (idx, value), errors.ECODE_INVAL)
    mac = _NormaliseMac(value)
    try:
        cfg.ReserveMAC(mac, ec_id)
    except errors.ReservationError as err:
        raise errors.OpPrereqError("MAC address %s already in use in cluster" % mac,
                                   errors.ECODE_NOTUNIQUE) from err
    return mac


def BuildNic(cfg: Any, idx: Any, spec: dict[str, Any], ec_id: Any,
             resolved_ip: str | None = None) -> objects.NIC:
    """A new NIC object from a spec {mac, ip, mode, link|bridge}, checked, MAC reserved."""
    CheckNicSpecKeys(idx, spec)
    ip = NicIp(idx, spec.get(constants.INIC_IP), resolved_ip)
    nicparams = NicParamsFromSpec(cfg.GetClusterInfo(), spec)
    CheckNicParams(cfg, idx, nicparams, ip)
    mac = AssignMac(cfg, idx, spec.get(constants.INIC_MAC), ec_id)
    return objects.NIC(mac=mac, ip=ip, nicparams=nicparams)


# --- the shape of single-instance logical units ---------------------------------------------

class InstanceLUMixin:
    """Locks one instance (name or UUID) and its nodes; hooks on the instance.

    Mixed into LogicalUnit/NoHooksLU subclasses. NODE_LOCKS: "all" (primary
    and secondaries), "primary", or None for no node locks. SHARED: take the
    instance and node locks shared (operations that change nothing).
    """

    NODE_LOCKS: str | None = "all"
    SHARED = False
    instance: objects.Instance

    def ExpandNames(self) -> None:
        self._ExpandAndLockInstance()
        if self.NODE_LOCKS is not None:
            self.needed_locks[locking.LEVEL_NODE] = []
            self.recalculate_locks[locking.LEVEL_NODE] = LOCKS_REPLACE
        if self.SHARED:
            self.share_locks = dict.fromkeys(locking.LEVELS, 1)

    def DeclareLocks(self, level: int) -> None:
        if level == locking.LEVEL_NODE and self.NODE_LOCKS is not None:
            self._LockInstancesNodes(primary_only=self.NODE_LOCKS == "primary")

    def CheckPrereq(self) -> None:
        self.instance = GetInstance(self.cfg, self.op.instance_name)
        self.CheckInstance()

    def CheckInstance(self) -> None:
        """Operation-specific prerequisites (self.instance is set)."""

    def HookEnv(self) -> dict[str, Any]:
        """Variables this operation adds to the instance's hooks environment."""
        return {}

    def BuildHooksEnv(self) -> tuple[dict[str, Any], list[str], list[str]]:
        env = BuildInstanceHookEnvByObject(self.cfg, self.instance)
        env.update(self.HookEnv())
        nodes = InstanceHookNodes(self.cfg, self.instance)
        return env, nodes, nodes


def GetInstance(cfg: Any, name: str) -> objects.Instance:
    instance = cfg.GetInstanceInfo(name)
    if instance is None:
        raise errors.OpPrereqError("Instance '%s' not known" % name, errors.ECODE_NOENT)
    return instance


def CheckPrimaryOnline(cfg: Any, instance: objects.Instance) -> None:
    CheckNodeOnline(cfg, instance.primary_node,
                    "Instance %s's primary node %s is offline" % (instance.name,
                                                                   instance.primary_node))
