"""ConfigWriter: the master's single owner of config.data.

All changes to the cluster configuration go through one ConfigWriter in the
master daemon. It holds its own lock (so logical units running in parallel
see consistent data), refuses duplicate names, IPs and MACs with typed
errors, hands out unique MACs, ports and DRBD minors, and writes the file
atomically (temporary file, fsync, rename) with an increasing serial number.
After each write a hook lets the master push the new file to the master
candidates and ssconf to every node.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any, Callable, Hashable, TypeVar

from ganeti import constants, errors, netutils, objects, pathutils, serializer
from ganeti.config import load, reservations, ssvalues, verify
from ganeti.utils import io

F = TypeVar("F", bound=Callable[..., Any])
WriteHook = Callable[["ConfigWriter"], None]


def _Locked(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(self: "ConfigWriter", *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return fn(self, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


def MatchNameComponent(key: str, names: list[str]) -> str | None:
    """The one name equal to key or starting with "key." (upstream's short names)."""
    if key in names:
        return key
    matches = [name for name in names if name.startswith(key + ".")]
    return matches[0] if len(matches) == 1 else None


def WriteConfigFile(config: objects.ConfigData, path: str, backup: bool = False) -> None:
    """Serialise and write config.data atomically (root-only, fsync'd)."""
    io.WriteFile(path, serializer.DumpJson(config.ToDict()), mode=constants.SECURE_FILE_MODE,
                 backup=backup, mkdir=True)


def InitConfig(cluster: objects.Cluster, master_node: objects.Node,
               cfg_file: str | None = None) -> objects.ConfigData:
    """Write the first config.data of a new cluster (gnt-cluster init).

    The cluster and master node get their UUIDs and timestamps here; the
    master node is always a master candidate.
    """
    now = time.time()
    for obj in (cluster, master_node):
        obj.EnsureUuid()
        obj.ctime = obj.mtime = now
        obj.serial_no = 1
    master_node.master_candidate = True
    cluster.master_node = master_node.name
    config = objects.ConfigData(version=constants.CONFIG_VERSION, cluster=cluster,
                                nodes={master_node.name: master_node}, instances={},
                                serial_no=1, ctime=now, mtime=now)
    config.UpgradeConfig()
    problems = verify.VerifyConfigData(config)
    if problems:
        raise errors.ConfigurationError("Initial configuration is inconsistent: %s"
                                        % "; ".join(problems))
    WriteConfigFile(config, cfg_file or pathutils.CLUSTER_CONF_FILE)
    return config


class ConfigWriter:
    """The cluster configuration, loaded once and kept in memory by the master."""

    def __init__(self, cfg_file: str | None = None, offline: bool = False,
                 accept_foreign: bool = False):
        self._lock = threading.RLock()
        self._cfg_file = cfg_file or pathutils.CLUSTER_CONF_FILE
        self._offline = offline
        self._write_hook: WriteHook | None = None
        self._temporary_macs = reservations.TemporaryReservationManager()
        self._temporary_secrets = reservations.TemporaryReservationManager()
        self._temporary_drbds: dict[tuple[str, int], str] = {}
        self.write_count = 0
        self._config_data = self._Open(accept_foreign)

    # --- loading and writing -------------------------------------------------
    def _Open(self, accept_foreign: bool) -> objects.ConfigData:
        config, upgraded = load.LoadConfigData(self._cfg_file)
        master = config.cluster.master_node
        if not (self._offline or accept_foreign) and master != netutils.GetHostname():
            raise errors.ConfigurationError(
                "This node (%s) is not the master (%s) of the cluster in %s"
                % (netutils.GetHostname(), master, self._cfg_file))
        for problem in verify.VerifyConfigData(config):
            logging.warning("Configuration problem: %s", problem)
        if upgraded:
            logging.info("Configuration upgraded on load (UUIDs, parameters); writing it back")
            self._config_data = config
            self._WriteConfig(backup=True)
        return config

    def SetWriteHook(self, fn: WriteHook | None) -> None:
        """fn(self) runs after every write (distribution to the other nodes)."""
        self._write_hook = fn

    def _WriteConfig(self, feedback_fn: Callable[[str], None] | None = None,
                     backup: bool = False) -> None:
        config = self._config_data
        for problem in verify.VerifyConfigData(config):
            msg = "Configuration data is not consistent: %s" % problem
            logging.error(msg)
            if feedback_fn:
                feedback_fn(msg)
        config.serial_no += 1
        config.mtime = time.time()
        WriteConfigFile(config, self._cfg_file, backup=backup)
        self.write_count += 1
        if self._write_hook is not None and not self._offline:
            self._write_hook(self)

    @_Locked
    def WriteCurrent(self, feedback_fn: Callable[[str], None] | None = None) -> None:
        """Write (and distribute) the configuration as it is (redist-conf)."""
        self._WriteConfig(feedback_fn)

    def GetConfigFilename(self) -> str:
        return self._cfg_file

    # --- readers ---------------------------------------------------------------
    @_Locked
    def GetConfigSerial(self) -> int:
        return self._config_data.serial_no

    @_Locked
    def GetClusterInfo(self) -> objects.Cluster:
        return self._config_data.cluster

    def GetClusterName(self) -> str:
        return self.GetClusterInfo().cluster_name

    def GetMasterNode(self) -> str:
        return self.GetClusterInfo().master_node

    def GetMasterIP(self) -> str:
        return self.GetClusterInfo().master_ip

    def GetMasterNetdev(self) -> str:
        return self.GetClusterInfo().master_netdev

    def GetFileStorageDir(self) -> str:
        return self.GetClusterInfo().file_storage_dir

    def GetVGName(self) -> str | None:
        return self.GetClusterInfo().volume_group_name

    def GetHypervisorType(self) -> str:
        return self.GetClusterInfo().primary_hypervisor

    def GetMACPrefix(self) -> str:
        return self.GetClusterInfo().mac_prefix

    @_Locked
    def GetNodeList(self) -> list[str]:
        return list(self._config_data.nodes)

    @_Locked
    def GetNodeInfo(self, name: str) -> objects.Node | None:
        return self._config_data.nodes.get(name)

    @_Locked
    def GetAllNodesInfo(self) -> dict[str, objects.Node]:
        return dict(self._config_data.nodes)

    @_Locked
    def GetOnlineNodeList(self) -> list[str]:
        return [n.name for n in self._config_data.nodes.values() if not n.offline]

    @_Locked
    def GetMasterCandidates(self) -> list[str]:
        return [n.name for n in self._config_data.nodes.values() if n.master_candidate]

    @_Locked
    def GetInstanceList(self) -> list[str]:
        return list(self._config_data.instances)

    @_Locked
    def GetInstanceInfo(self, name: str) -> objects.Instance | None:
        return self._config_data.instances.get(name)

    @_Locked
    def GetAllInstancesInfo(self) -> dict[str, objects.Instance]:
        return dict(self._config_data.instances)

    @_Locked
    def GetNodeInstances(self, node: str) -> tuple[list[str], list[str]]:
        """(instances with node as primary, instances with node as secondary)."""
        primary, secondary = [], []
        for inst in self._config_data.instances.values():
            if inst.primary_node == node:
                primary.append(inst.name)
            elif node in inst.secondary_nodes:
                secondary.append(inst.name)
        return primary, secondary

    @_Locked
    def GetNodeByUUID(self, uuid: str) -> objects.Node | None:
        return next((n for n in self._config_data.nodes.values() if n.uuid == uuid), None)

    @_Locked
    def GetInstanceByUUID(self, uuid: str) -> objects.Instance | None:
        return next((i for i in self._config_data.instances.values() if i.uuid == uuid), None)

    @_Locked
    def ExpandNodeName(self, name: str) -> str | None:
        """Full node name from a name, a unique short name or a UUID."""
        found = self.GetNodeByUUID(name)
        if found is not None:
            return found.name
        return MatchNameComponent(name, list(self._config_data.nodes))

    @_Locked
    def ExpandInstanceName(self, name: str) -> str | None:
        """Full instance name from a name, a unique short name or a UUID."""
        found = self.GetInstanceByUUID(name)
        if found is not None:
            return found.name
        return MatchNameComponent(name, list(self._config_data.instances))

    @_Locked
    def VerifyConfig(self) -> list[str]:
        return verify.VerifyConfigData(self._config_data)

    @_Locked
    def GetSsconfValues(self) -> dict[str, str]:
        return ssvalues.ComputeSsconfValues(self._config_data)

    @_Locked
    def GetMasterCandidateStats(self, exceptions: list[str] | None = None
                                ) -> tuple[int, int, int]:
        """(candidates now, candidates wanted, nodes that could be candidates)."""
        exceptions = exceptions or []
        eligible = [n for n in self._config_data.nodes.values()
                    if n.name not in exceptions and not (n.offline or n.drained)]
        mc_now = sum(1 for n in eligible if n.master_candidate)
        mc_max = len(eligible)
        return mc_now, min(mc_max, self._config_data.cluster.candidate_pool_size), mc_max

    # --- writers: nodes --------------------------------------------------------
    def _UsedNodeIps(self, skip: str | None = None) -> dict[str, str]:
        used = {}
        for node in self._config_data.nodes.values():
            if node.name != skip:
                used[node.primary_ip] = node.name
                if node.secondary_ip:
                    used[node.secondary_ip] = node.name
        return used

    def _CheckUniqueUuid(self, obj: objects.UuidObject) -> None:
        data = self._config_data
        owners = [data.cluster] + list(data.nodes.values()) + list(data.instances.values())
        if any(o.uuid == obj.uuid and o is not obj for o in owners):
            raise errors.ConfigurationError("UUID %s is already in use" % obj.uuid)

    @_Locked
    def AddNode(self, node: objects.Node, ec_id: Hashable) -> None:
        """Add a node; its name and IPs must be new to the cluster."""
        if node.name in self._config_data.nodes:
            raise errors.OpPrereqError("Node %s is already in the cluster" % node.name,
                                       errors.ECODE_EXISTS)
        used = self._UsedNodeIps()
        for ip in {node.primary_ip, node.secondary_ip or node.primary_ip}:
            if ip in used:
                raise errors.OpPrereqError("IP address %s is already used by node %s"
                                           % (ip, used[ip]), errors.ECODE_NOTUNIQUE)
        node.EnsureUuid()
        self._CheckUniqueUuid(node)
        node.UpgradeConfig()
        node.serial_no = 1
        node.ctime = node.mtime = time.time()
        self._config_data.nodes[node.name] = node
        self._BumpCluster()
        self._WriteConfig()

    @_Locked
    def RemoveNode(self, name: str) -> None:
        if name not in self._config_data.nodes:
            raise errors.OpPrereqError("Node %s is not in the cluster" % name, errors.ECODE_NOENT)
        if name == self._config_data.cluster.master_node:
            raise errors.OpPrereqError("Node %s is the master and cannot be removed" % name,
                                       errors.ECODE_INVAL)
        del self._config_data.nodes[name]
        self._BumpCluster()
        self._WriteConfig()

    @_Locked
    def MaintainCandidatePool(self, exceptions: list[str] | None = None) -> list[str]:
        """Promote nodes until the candidate pool is as full as it can be."""
        mc_now, mc_should, _ = self.GetMasterCandidateStats(exceptions)
        promoted = []
        if mc_now < mc_should:
            for node in sorted(self._config_data.nodes.values(), key=lambda n: n.name):
                if mc_now >= mc_should:
                    break
                if (node.master_candidate or node.offline or node.drained
                        or node.name in (exceptions or [])):
                    continue
                node.master_candidate = True
                node.serial_no += 1
                node.mtime = time.time()
                promoted.append(node.name)
                mc_now += 1
            self._BumpCluster()
            self._WriteConfig()
        return promoted

    def _BumpCluster(self) -> None:
        cluster = self._config_data.cluster
        cluster.serial_no += 1
        cluster.mtime = time.time()

    # --- writers: instances ------------------------------------------------------
    def _AllMacs(self, skip: str | None = None) -> set[str]:
        return {nic.mac for inst in self._config_data.instances.values()
                if inst.name != skip for nic in inst.nics if nic.mac}

    def _AllIps(self, skip: str | None = None) -> dict[str, str]:
        return {nic.ip: inst.name for inst in self._config_data.instances.values()
                if inst.name != skip for nic in inst.nics if nic.ip}

    def _CheckInstanceNics(self, instance: objects.Instance, ec_id: Hashable) -> None:
        macs = self._AllMacs(skip=instance.name)
        ips = self._AllIps(skip=instance.name)
        seen_macs: set[str] = set()
        for idx, nic in enumerate(instance.nics):
            if not nic.mac:
                raise errors.OpPrereqError("NIC %d of %s has no MAC address" % (idx, instance.name),
                                           errors.ECODE_INVAL)
            if nic.mac in macs or nic.mac in seen_macs:
                raise errors.OpPrereqError("MAC address %s is already in use" % nic.mac,
                                           errors.ECODE_NOTUNIQUE)
            seen_macs.add(nic.mac)
            if nic.ip and nic.ip in ips:
                raise errors.OpPrereqError("IP address %s is already used by instance %s"
                                           % (nic.ip, ips[nic.ip]), errors.ECODE_NOTUNIQUE)
            try:
                objects.NIC.CheckParameterSyntax(
                    self._config_data.cluster.SimpleFillNIC(nic.nicparams), nic.ip)
            except errors.ConfigurationError as err:
                raise errors.OpPrereqError("NIC %d of %s: %s" % (idx, instance.name, err),
                                           errors.ECODE_INVAL) from err

    @_Locked
    def AddInstance(self, instance: objects.Instance, ec_id: Hashable) -> None:
        """Add an instance; its name, MACs and IPs must be new to the cluster."""
        if instance.name in self._config_data.instances:
            raise errors.OpPrereqError("Instance %s is already in the cluster" % instance.name,
                                       errors.ECODE_EXISTS)
        if instance.primary_node not in self._config_data.nodes:
            raise errors.OpPrereqError("Unknown primary node %s" % instance.primary_node,
                                       errors.ECODE_NOENT)
        self._CheckInstanceNics(instance, ec_id)
        instance.EnsureUuid()
        self._CheckUniqueUuid(instance)
        instance.serial_no = 1
        instance.ctime = instance.mtime = time.time()
        self._config_data.instances[instance.name] = instance
        for nic in instance.nics:
            self._temporary_macs.Release(nic.mac)
        self._BumpCluster()
        self._WriteConfig()

    @_Locked
    def RemoveInstance(self, name: str) -> None:
        if name not in self._config_data.instances:
            raise errors.OpPrereqError("Instance %s is not in the cluster" % name,
                                       errors.ECODE_NOENT)
        inst = self._config_data.instances.pop(name)
        if inst.network_port is not None:
            self._config_data.cluster.tcpudp_port_pool.append(inst.network_port)
        self._UnlockedReleaseDRBDMinors(name)
        self._BumpCluster()
        self._WriteConfig()

    @_Locked
    def RenameInstance(self, old_name: str, new_name: str) -> None:
        instances = self._config_data.instances
        if old_name not in instances:
            raise errors.OpPrereqError("Instance %s is not in the cluster" % old_name,
                                       errors.ECODE_NOENT)
        if new_name in instances:
            raise errors.OpPrereqError("Instance %s is already in the cluster" % new_name,
                                       errors.ECODE_EXISTS)
        inst = instances.pop(old_name)
        inst.name = new_name
        inst.serial_no += 1
        inst.mtime = time.time()
        instances[new_name] = inst
        self._WriteConfig()

    def _SetInstanceStatus(self, name: str, admin_up: bool) -> None:
        inst = self._config_data.instances.get(name)
        if inst is None:
            raise errors.OpPrereqError("Instance %s is not in the cluster" % name,
                                       errors.ECODE_NOENT)
        if inst.admin_up != admin_up:
            inst.admin_up = admin_up
            inst.serial_no += 1
            inst.mtime = time.time()
            self._WriteConfig()

    @_Locked
    def MarkInstanceUp(self, name: str) -> None:
        self._SetInstanceStatus(name, True)

    @_Locked
    def MarkInstanceDown(self, name: str) -> None:
        self._SetInstanceStatus(name, False)

    # --- generic update ------------------------------------------------------------
    @_Locked
    def Update(self, target: objects.ConfigObject,
               feedback_fn: Callable[[str], None] | None = None) -> None:
        """Write a changed object back; it must be the object this writer handed out."""
        data = self._config_data
        if isinstance(target, objects.Cluster):
            known = target is data.cluster
        elif isinstance(target, objects.Node):
            known = data.nodes.get(target.name) is target
        elif isinstance(target, objects.Instance):
            known = data.instances.get(target.name) is target
        else:
            raise errors.ProgrammerError("Invalid object type %s for Update"
                                         % type(target).__name__)
        if not known:
            raise errors.ConfigurationError("Configuration updated since %r was read, or it is"
                                            " not part of the configuration" % target)
        target.serial_no += 1
        target.mtime = time.time()
        if isinstance(target, objects.Instance):
            self._UnlockedReleaseDRBDMinors(target.name)
            for nic in target.nics:
                self._temporary_macs.Release(nic.mac)
        self._WriteConfig(feedback_fn)

    # --- unique resources --------------------------------------------------------------
    @_Locked
    def GenerateMAC(self, ec_id: Hashable) -> str:
        """A MAC with the cluster prefix, unused and reserved for ec_id."""
        prefix = self._config_data.cluster.mac_prefix
        return self._temporary_macs.Generate(self._AllMacs(),
                                             lambda: reservations.RandomMac(prefix), ec_id)

    @_Locked
    def ReserveMAC(self, mac: str, ec_id: Hashable) -> None:
        """Reserve a MAC the user chose; ReservationError if it is taken."""
        if mac in self._AllMacs():
            raise errors.ReservationError("MAC address %s already in use in the cluster" % mac)
        self._temporary_macs.Reserve(ec_id, mac)

    @_Locked
    def GenerateDRBDSecret(self, ec_id: Hashable) -> str:
        used = {disk.logical_id[5] for inst in self._config_data.instances.values()
                for disk in inst.disks
                if disk.dev_type in constants.LDS_DRBD and disk.logical_id
                and len(disk.logical_id) > 5}
        return self._temporary_secrets.Generate(used, reservations.RandomSecret, ec_id)

    @_Locked
    def DropECReservations(self, ec_id: Hashable) -> None:
        """Forget everything a job reserved (it has finished)."""
        self._temporary_macs.DropECReservations(ec_id)
        self._temporary_secrets.DropECReservations(ec_id)

    @_Locked
    def AllocatePort(self) -> int:
        """A TCP/UDP port for an instance (VNC, DRBD): recycled first, then new."""
        cluster = self._config_data.cluster
        if cluster.tcpudp_port_pool:
            port = cluster.tcpudp_port_pool.pop(0)
        else:
            port = cluster.highest_used_port + 1
            if port > constants.LAST_DRBD_PORT:
                raise errors.ConfigurationError("The highest used port is greater than %s,"
                                                " no free ports" % constants.LAST_DRBD_PORT)
            cluster.highest_used_port = port
        self._WriteConfig()
        return port

    def _ComputeDRBDMap(self) -> dict[str, dict[int, str]]:
        used: dict[str, dict[int, str]] = {name: {} for name in self._config_data.nodes}

        def _Add(node: str, minor: int, instance: str) -> None:
            owner = used.setdefault(node, {}).setdefault(minor, instance)
            if owner != instance:
                raise errors.ConfigurationError("DRBD minor %d on node %s is used by both %s"
                                                " and %s" % (minor, node, owner, instance))

        def _Walk(disk: objects.Disk, instance: str) -> None:
            if disk.dev_type in constants.LDS_DRBD and disk.logical_id:
                _Add(disk.logical_id[0], disk.logical_id[3], instance)
                _Add(disk.logical_id[1], disk.logical_id[4], instance)
            for child in disk.children:
                _Walk(child, instance)

        for inst in self._config_data.instances.values():
            for disk in inst.disks:
                _Walk(disk, inst.name)
        for (node, minor), instance in self._temporary_drbds.items():
            _Add(node, minor, instance)
        return used

    @_Locked
    def ComputeDRBDMap(self) -> dict[str, dict[int, str]]:
        """{node: {minor: instance}} of every DRBD minor in use or reserved."""
        return self._ComputeDRBDMap()

    @_Locked
    def AllocateDRBDMinor(self, nodes: list[str], instance: str) -> list[int]:
        """One free minor per entry of nodes (a node may appear twice), reserved."""
        drbd_map = self._ComputeDRBDMap()
        result = []
        for node in nodes:
            if node not in drbd_map:
                raise errors.ConfigurationError("Unknown node %s for DRBD minor allocation" % node)
            minor = reservations.FreeMinor(drbd_map[node])
            drbd_map[node][minor] = instance
            self._temporary_drbds[(node, minor)] = instance
            result.append(minor)
        return result

    def _UnlockedReleaseDRBDMinors(self, instance: str) -> None:
        for key in [k for k, v in self._temporary_drbds.items() if v == instance]:
            del self._temporary_drbds[key]

    @_Locked
    def ReleaseDRBDMinors(self, instance: str) -> None:
        """Drop an instance's reserved minors (its creation failed or is done)."""
        self._UnlockedReleaseDRBDMinors(instance)
