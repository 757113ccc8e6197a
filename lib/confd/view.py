"""A read-only, pre-indexed view of config.data for answering confd queries.

confd answers tens of thousands of queries a second from one configuration
that changes rarely, so everything a query needs (roles, primary IPs, the
instance owning an IP on a link) is computed once per load and every query
is a dictionary lookup. A view is never modified after it is built; the
server swaps in a new one on reload, so no query ever sees half of an update.
"""

from __future__ import annotations

import logging
from typing import Any

from ganeti import constants, errors, objects
from ganeti.config import load as config_load
from ganeti.utils import text


class NodeEntry:
    """What confd knows about one node."""

    __slots__ = ("name", "primary_ip", "role")

    def __init__(self, name: str, primary_ip: str, role: int):
        self.name = name
        self.primary_ip = primary_ip
        self.role = role


_CONFD_ROLES = {
    constants.NR_MASTER: constants.CONFD_NODE_ROLE_MASTER,
    constants.NR_MCANDIDATE: constants.CONFD_NODE_ROLE_CANDIDATE,
    constants.NR_DRAINED: constants.CONFD_NODE_ROLE_DRAINED,
    constants.NR_OFFLINE: constants.CONFD_NODE_ROLE_OFFLINE,
    constants.NR_REGULAR: constants.CONFD_NODE_ROLE_REGULAR,
}


def NodeRole(node: objects.Node, master_node: str) -> int:
    """The CONFD_NODE_ROLE_* of a node."""
    return _CONFD_ROLES[node.GetRole(master_node)]


class ConfigView:
    """Indexes of one configuration; build with FromConfigData or LoadFile."""

    def __init__(self, cfg: objects.ConfigData):
        cluster = cfg.cluster
        if not cluster.master_node or cluster.master_node not in cfg.nodes:
            raise errors.ConfigurationError("config: master node %r is not a known node"
                                            % cluster.master_node)
        self.serial: int = cfg.serial_no
        self.cluster_name: str = cluster.cluster_name
        self.master_node: str = cluster.master_node
        self.master_ip: str = cluster.master_ip
        self.default_link: str | None = cluster.SimpleFillNIC(None).get(constants.NIC_LINK)

        names = text.NiceSort(cfg.nodes)
        self.nodes: dict[str, NodeEntry] = {}
        by_uuid: dict[str, str] = {}
        for name in names:
            node = cfg.nodes[name]
            self.nodes[name] = NodeEntry(name, node.primary_ip, NodeRole(node, self.master_node))
            if node.uuid:
                by_uuid[node.uuid] = name
        self.node_pips: list[str] = [self.nodes[n].primary_ip for n in names]
        self.mc_pips: list[str] = [self.nodes[n].primary_ip for n in names
                                   if self.nodes[n].role in (constants.CONFD_NODE_ROLE_MASTER,
                                                             constants.CONFD_NODE_ROLE_CANDIDATE)]
        self.node_roles: list[list[Any]] = [[n, self.nodes[n].role] for n in names]

        self.instance_names: list[str] = text.NiceSort(cfg.instances)
        self.instance_pnode: dict[str, str] = {}
        self._inst_by_link_ip: dict[tuple[str | None, str], str] = {}
        self.ips_by_link: dict[str | None, list[str]] = {}
        for name in self.instance_names:
            inst = cfg.instances[name]
            # primary_node is a node name in 2.1; accept a UUID as later versions write
            self.instance_pnode[name] = by_uuid.get(inst.primary_node, inst.primary_node)
            for nic in inst.nics:
                if not nic.ip:
                    continue
                link = cluster.SimpleFillNIC(nic.nicparams).get(constants.NIC_LINK)
                key = (link, nic.ip)
                if key in self._inst_by_link_ip:
                    logging.warning("IP %s on link %s is used by both %s and %s; answering %s",
                                    nic.ip, link, self._inst_by_link_ip[key], name,
                                    self._inst_by_link_ip[key])
                    continue
                self._inst_by_link_ip[key] = name
                self.ips_by_link.setdefault(link, []).append(nic.ip)

    @classmethod
    def LoadFile(cls, path: str) -> "ConfigView":
        """Read, check and index config.data; ConfigurationError if it is unusable."""
        cfg, _ = config_load.LoadConfigData(path)
        return cls(cfg)

    def IsMasterCandidate(self, name: str) -> bool:
        """Whether name may serve confd (the master is a candidate too)."""
        entry = self.nodes.get(name)
        return entry is not None and entry.role in (constants.CONFD_NODE_ROLE_MASTER,
                                                    constants.CONFD_NODE_ROLE_CANDIDATE)

    def GetInstanceByLinkIp(self, ip: str, link: str | None = None) -> str | None:
        """The instance with a NIC of this IP on link (the cluster's default link if None)."""
        return self._inst_by_link_ip.get((link or self.default_link, ip))

    def GetNodePrimaryIp(self, name: str) -> str | None:
        entry = self.nodes.get(name)
        return entry.primary_ip if entry is not None else None
