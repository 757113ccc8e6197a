"""The cluster as one node group (/2/groups), as later upstream clients expect it.

Ganeti 2.1 has no node groups and no instance policy: any node can be paired
with any other, and an instance is limited only by MAX_DISKS and MAX_NICS.
Upstream's htools (hbal, hscan, hspace) read /2/groups, the "ipolicy" of
/2/info, each node's group, ndparams and cnos, and each instance's spindle
figures, and refuse a cluster whose answers lack them. So RAPI shows the
cluster as upstream shows a cluster upgraded from a release without groups:
one group, "default", holding every node; a policy stating exactly the
limits this cluster enforces (none beyond the disk and NIC counts); and
upstream's defaults for the spindle figures 2.1 does not track. Nothing here
is stored or enforced: the group resources are read-only (other methods
answer 405, the resources below /2/groups/<name> 501). doc/interop.md lists
these fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from ganeti import constants, http, serializer
from ganeti.rapi import baserlib

GROUP_NAME = "default"
ALLOC_POLICY = "preferred"
#: Policy bound standing for "no limit" (upstream's policy fields are numbers).
NO_LIMIT = 2 ** 31 - 1
#: Upstream's defaults for a node's spindles and an instance's spindle use.
SPINDLE_COUNT = 1
SPINDLE_USE = 1
BE_SPINDLE_USE = "spindle_use"
NDPARAMS = {"exclusive_storage": False, "spindle_count": SPINDLE_COUNT}
#: Node fields computed here rather than by the node query.
NODE_FIELDS = ["group", "group.uuid", "vm_capable", "master_capable", "ndparams"]
#: Instance fields computed here (from disk.sizes) rather than by the instance query.
INSTANCE_FIELDS = ["disk.spindles"]
#: What /2/groups?bulk=1 and /2/groups/<name> show.
G_FIELDS = ["name", "uuid", "alloc_policy", "node_cnt", "node_list", "ipolicy", "ndparams",
            "tags"]


def GroupUuid(cluster_uuid: str) -> str:
    """The group's uuid: stable, derived from the cluster's (nothing stores it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ganeti:%s/group/%s" % (cluster_uuid, GROUP_NAME)))


def IPolicy(cluster_info: dict[str, Any]) -> dict[str, Any]:
    """The instance policy this cluster applies, in upstream's format.

    Minimums are 0 and maximums NO_LIMIT except the disk and NIC counts;
    the standard instance has the cluster's default memory and VCPUs and
    upstream's default disk (one of 1 GiB) and NIC count.
    """
    be = cluster_info.get("beparams", {}).get(constants.PP_DEFAULT, {})
    be_defaults = constants.BEC_DEFAULTS
    spec_min = {"memory-size": 0, "cpu-count": 0, "disk-size": 0, "disk-count": 0,
                "nic-count": 0, "spindle-use": 0}
    spec_max = {"memory-size": NO_LIMIT, "cpu-count": NO_LIMIT, "disk-size": NO_LIMIT,
                "disk-count": constants.MAX_DISKS, "nic-count": constants.MAX_NICS,
                "spindle-use": NO_LIMIT}
    std = {"memory-size": be.get(constants.BE_MEMORY, be_defaults[constants.BE_MEMORY]),
           "cpu-count": be.get(constants.BE_VCPUS, be_defaults[constants.BE_VCPUS]),
           "disk-size": 1024, "disk-count": 1, "nic-count": 1, "spindle-use": SPINDLE_USE}
    return {"minmax": [{"min": spec_min, "max": spec_max}], "std": std,
            "disk-templates": sorted(constants.DISK_TEMPLATES),
            "vcpu-ratio": float(NO_LIMIT), "spindle-ratio": float(NO_LIMIT)}


def CachedClusterInfo(res: baserlib.ResourceBase) -> bytes:
    """/2/info's answer (luxi QueryClusterInfo plus "ipolicy"), cached by config serial."""
    def _Compute() -> dict[str, Any]:
        info = res.Luxi("QueryClusterInfo")
        return dict(info, ipolicy=IPolicy(info))
    return res.env.cache.Get(("info",), _Compute, live=False)


def _ClusterUuid(res: baserlib.ResourceBase) -> str:
    return serializer.LoadJson(CachedClusterInfo(res))["uuid"]


def NodeFields(res: baserlib.ResourceBase, fields: list[str]) -> dict[str, Any]:
    """The values of NODE_FIELDS among fields (the same for every node)."""
    values: dict[str, Any] = {}
    for field in fields:
        if field == "group":
            values[field] = GROUP_NAME
        elif field == "group.uuid":
            values[field] = GroupUuid(_ClusterUuid(res))
        elif field in ("vm_capable", "master_capable"):
            values[field] = True  # every 2.1 node can host instances and be a candidate
        elif field == "ndparams":
            values[field] = dict(NDPARAMS)
    return values


def AddInstanceFields(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Add INSTANCE_FIELDS and the beparams' spindle_use to an instance's answer."""
    beparams = data.get("beparams")
    if isinstance(beparams, dict) and BE_SPINDLE_USE not in beparams:
        data["beparams"] = dict(beparams, **{BE_SPINDLE_USE: SPINDLE_USE})
    if "disk.spindles" in fields:
        data["disk.spindles"] = [None] * len(data.get("disk.sizes") or [])
    return data


def _Group(res: baserlib.ResourceBase, fields: list[str]) -> dict[str, Any]:
    info = serializer.LoadJson(CachedClusterInfo(res))
    nodes = []
    if "node_cnt" in fields or "node_list" in fields:
        nodes = sorted(row[0] for row in res.Luxi("QueryNodes", [], ["name"], False))
    group = {"name": GROUP_NAME, "uuid": GroupUuid(info["uuid"]), "alloc_policy": ALLOC_POLICY,
             "node_cnt": len(nodes), "node_list": nodes, "ipolicy": info["ipolicy"],
             "ndparams": dict(NDPARAMS), "tags": []}
    return {f: group[f] for f in fields}


class R_2_groups(baserlib.ResourceBase):  # noqa: N801
    """/2/groups: the one group, as {name, uri} or (bulk) its fields."""

    def GET(self) -> Any:  # noqa: N802
        if self.useBulk():
            return [_Group(self, self.GetFields(G_FIELDS))]
        return baserlib.BuildUriList([GROUP_NAME], "/2/groups/%s", uri_fields=("name", "uri"))


class R_2_groups_name(baserlib.ResourceBase):  # noqa: N801
    """/2/groups/<name>: the group, by name or uuid."""

    def GET(self) -> Any:  # noqa: N802
        fields = self.GetFields(G_FIELDS)
        wanted = self.items[0]
        if wanted not in (GROUP_NAME, GroupUuid(_ClusterUuid(self))):
            raise http.HttpNotFound("Node group %s not found" % wanted[:64])
        return _Group(self, fields)
