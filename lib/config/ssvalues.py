"""The ssconf values a configuration implies (one string per ssconf key).

Every node gets these files, so they are what a node knows about the cluster
without asking the master: who the master and the candidates are, which nodes
are online, the uid pool.
"""

from __future__ import annotations

from ganeti import constants, objects, uidpool
from ganeti.utils import text


def _Lines(values: list[str]) -> str:
    return "\n".join(values)


def ComputeSsconfValues(config: objects.ConfigData) -> dict[str, str]:
    """{ssconf key: file content} for a configuration."""
    cluster = config.cluster
    nodes = [config.nodes[name] for name in text.NiceSort(config.nodes)]
    candidates = [n for n in nodes if n.master_candidate]
    return {
        constants.SS_CLUSTER_NAME: cluster.cluster_name,
        constants.SS_CLUSTER_TAGS: _Lines(sorted(cluster.tags)),
        constants.SS_FILE_STORAGE_DIR: cluster.file_storage_dir,
        constants.SS_MASTER_CANDIDATES: _Lines([n.name for n in candidates]),
        constants.SS_MASTER_CANDIDATES_IPS: _Lines([n.primary_ip for n in candidates]),
        constants.SS_MASTER_IP: cluster.master_ip,
        constants.SS_MASTER_NETDEV: cluster.master_netdev,
        constants.SS_MASTER_NODE: cluster.master_node,
        constants.SS_NODE_LIST: _Lines([n.name for n in nodes]),
        constants.SS_NODE_PRIMARY_IPS: _Lines(["%s %s" % (n.name, n.primary_ip) for n in nodes]),
        constants.SS_NODE_SECONDARY_IPS: _Lines(["%s %s" % (n.name, n.secondary_ip or n.primary_ip)
                                                 for n in nodes]),
        constants.SS_OFFLINE_NODES: _Lines([n.name for n in nodes if n.offline]),
        constants.SS_ONLINE_NODES: _Lines([n.name for n in nodes if not n.offline]),
        constants.SS_INSTANCE_LIST: _Lines(text.NiceSort(config.instances)),
        constants.SS_RELEASE_VERSION: constants.RELEASE_VERSION,
        constants.SS_HYPERVISOR_LIST: _Lines(cluster.enabled_hypervisors),
        constants.SS_MAINTAIN_NODE_HEALTH: str(cluster.maintain_node_health),
        constants.SS_UID_POOL: uidpool.FormatUidPool(cluster.uid_pool, separator="\n"),
        constants.SS_CONFIG_SERIAL: str(config.serial_no),
    }
