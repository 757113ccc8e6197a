"""Consistency checks over a whole configuration.

Type errors are caught when the file is parsed (ganeti.objects); what is left
here are the relations between objects: references that must exist, values
that must be unique across the cluster, parameters that must make sense once
filled with the cluster defaults.
"""

from __future__ import annotations

import collections
import re

from ganeti import constants, errors, objects, uidpool

_MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def _Duplicates(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """{value: [owners]} for values owned more than once."""
    owners: dict[str, list[str]] = collections.defaultdict(list)
    for value, owner in pairs:
        owners[value].append(owner)
    return {value: who for value, who in owners.items() if len(who) > 1}


def _CheckKeys(kind: str, items: dict, result: list[str]) -> None:
    for key, obj in items.items():
        if obj.name != key:
            result.append("%s %r is stored under the key %r" % (kind, obj.name, key))


def _CheckUuids(config: objects.ConfigData, result: list[str]) -> None:
    owners = [(config.cluster.uuid, "cluster")]
    owners += [(n.uuid, "node %s" % n.name) for n in config.nodes.values()]
    owners += [(i.uuid, "instance %s" % i.name) for i in config.instances.values()]
    for uuid, owner in owners:
        if not uuid:
            result.append("%s has no UUID" % owner)
    for uuid, who in _Duplicates([o for o in owners if o[0]]).items():
        result.append("UUID %s is used by %s" % (uuid, ", ".join(who)))


def _CheckNodes(config: objects.ConfigData, result: list[str]) -> None:
    nodes = config.nodes
    master = config.cluster.master_node
    if master not in nodes:
        result.append("Master node %r is not in the node list" % master)
    elif not nodes[master].master_candidate:
        result.append("Master node %s is not a master candidate" % master)
    ips = []
    for node in nodes.values():
        ips.append((node.primary_ip, node.name))
        if node.secondary_ip and node.secondary_ip != node.primary_ip:
            ips.append((node.secondary_ip, node.name))
        if node.master_candidate and node.offline:
            result.append("Node %s is both offline and a master candidate" % node.name)
    for ip, who in _Duplicates(ips).items():
        result.append("IP address %s is used by nodes %s" % (ip, ", ".join(who)))


def _CheckInstanceNics(cluster: objects.Cluster, inst: objects.Instance,
                       macs: list, ips: list, result: list[str]) -> None:
    for idx, nic in enumerate(inst.nics):
        where = "instance %s nic %d" % (inst.name, idx)
        if not nic.mac or not _MAC_RE.match(nic.mac):
            result.append("%s has an invalid MAC %r" % (where, nic.mac))
        else:
            macs.append((nic.mac, inst.name))
        if nic.ip:
            ips.append((nic.ip, inst.name))
        try:
            objects.NIC.CheckParameterSyntax(cluster.SimpleFillNIC(nic.nicparams), nic.ip)
        except errors.ConfigurationError as err:
            result.append("%s: %s" % (where, err))


def _CheckInstances(config: objects.ConfigData, result: list[str]) -> None:
    cluster = config.cluster
    macs: list[tuple[str, str]] = []
    ips: list[tuple[str, str]] = []
    ports: list[tuple[str, str]] = []
    minors: list[tuple[str, str]] = []
    for inst in config.instances.values():
        for node in inst.all_nodes:
            if node not in config.nodes:
                result.append("Instance %s uses unknown node %r" % (inst.name, node))
        if inst.hypervisor not in cluster.enabled_hypervisors:
            result.append("Instance %s uses hypervisor %r, not enabled on the cluster"
                          % (inst.name, inst.hypervisor))
        if inst.disk_template not in constants.DISK_TEMPLATES:
            result.append("Instance %s has unknown disk template %r"
                          % (inst.name, inst.disk_template))
        bad_hv = sorted(set(inst.hvparams) & constants.HVC_GLOBALS)
        if bad_hv:
            result.append("Instance %s carries global hypervisor parameters %s"
                          % (inst.name, ", ".join(bad_hv)))
        if inst.network_port is not None:
            ports.append((str(inst.network_port), inst.name))
        _CheckInstanceNics(cluster, inst, macs, ips, result)
        for disk in inst.disks:
            if disk.dev_type in constants.LDS_DRBD and disk.logical_id:
                node_a, node_b, port, minor_a, minor_b = disk.logical_id[:5]
                ports.append((str(port), inst.name))
                minors.append(("%s:%s" % (node_a, minor_a), inst.name))
                minors.append(("%s:%s" % (node_b, minor_b), inst.name))
    for kind, pairs in (("MAC", macs), ("IP address", ips), ("port", ports),
                        ("DRBD minor", minors)):
        for value, who in _Duplicates(pairs).items():
            result.append("%s %s is used by instances %s" % (kind, value, ", ".join(who)))


def VerifyConfigData(config: objects.ConfigData) -> list[str]:
    """Every inconsistency found, as messages (empty when all is well)."""
    result: list[str] = []
    _CheckKeys("Node", config.nodes, result)
    _CheckKeys("Instance", config.instances, result)
    _CheckUuids(config, result)
    _CheckNodes(config, result)
    _CheckInstances(config, result)
    try:
        uidpool.CheckUidPool(config.cluster.uid_pool)
    except errors.OpPrereqError as err:
        result.append("Cluster uid pool: %s" % err.args[0])
    if not config.cluster.enabled_hypervisors:
        result.append("The cluster has no enabled hypervisor")
    return result
