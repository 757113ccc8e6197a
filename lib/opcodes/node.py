"""Node opcodes, including the storage units framework's."""

from __future__ import annotations

from ganeti.opcodes import ht
from ganeti.opcodes.base import (
    REQUIRED,
    OpCode,
    PForce,
    PIAllocator,
    PNames,
    PNodeName,
    POutputFields,
    PStorageName,
    PStorageType,
    PUseLocking,
)

_PNodes = ("nodes", [], ht.TListOf(ht.TNonEmptyString), "Nodes to query (empty for all)")


class OpNodeRemove(OpCode):
    """Remove a node from the cluster."""

    OP_ID = "OP_NODE_REMOVE"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [PNodeName]


class OpNodeAdd(OpCode):
    """Add a node to the cluster (or re-add a known one)."""

    OP_ID = "OP_NODE_ADD"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [
        PNodeName,
        ("primary_ip", None, ht.TNonEmptyString, "Primary IP (default: resolved from the name)"),
        ("secondary_ip", None, ht.TNonEmptyString, "Secondary (replication) IP"),
        ("readd", False, ht.TBool, "Whether the node is already in the configuration"),
    ]


class OpNodeQuery(OpCode):
    """Node fields, for `gnt-node list`."""

    OP_ID = "OP_NODE_QUERY"
    OP_PARAMS = [POutputFields, PNames, PUseLocking]


class OpNodeQueryvols(OpCode):
    """Logical volumes on nodes, for `gnt-node volumes`."""

    OP_ID = "OP_NODE_QUERYVOLS"
    OP_PARAMS = [POutputFields, _PNodes]


class OpNodeQueryStorage(OpCode):
    """Storage units of one type on nodes, for `gnt-node list-storage`."""

    OP_ID = "OP_NODE_QUERY_STORAGE"
    OP_PARAMS = [
        _PNodes,
        PStorageType,
        ("name", None, ht.TNonEmptyString, "Only this storage unit"),
        POutputFields,
    ]


class OpNodeModifyStorage(OpCode):
    """Change a storage unit's settings (e.g. a PV's allocatable flag)."""

    OP_ID = "OP_NODE_MODIFY_STORAGE"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [PNodeName, PStorageType, PStorageName,
                 ("changes", REQUIRED, ht.TDict, "Field -> new value")]


class OpRepairNodeStorage(OpCode):
    """Repair a storage unit (e.g. `vgreduce --removemissing` of a volume group)."""

    OP_ID = "OP_REPAIR_NODE_STORAGE"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [PNodeName, PStorageType, PStorageName,
                 ("ignore_consistency", False, ht.TBool,
                  "Repair even if instances' disks would lose redundancy")]


class OpNodeSetParams(OpCode):
    """Change a node's role flags; None leaves a flag unchanged."""

    OP_ID = "OP_NODE_SET_PARAMS"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [
        PNodeName,
        PForce,
        ("master_candidate", None, ht.TBool, "Whether the node is a master candidate"),
        ("offline", None, ht.TBool, "Whether the node is offline"),
        ("drained", None, ht.TBool, "Whether the node is drained"),
        ("auto_promote", False, ht.TBool, "Promote other nodes to keep the candidate pool full"),
    ]


class OpNodePowercycle(OpCode):
    """Hard-reboot a node."""

    OP_ID = "OP_NODE_POWERCYCLE"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [PNodeName, PForce]


class OpNodeEvacuate(OpCode):
    """Move all secondary instances off a node."""

    OP_ID = "OP_NODE_EVACUATE"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [PNodeName,
                 ("remote_node", None, ht.TNonEmptyString, "New secondary node"),
                 PIAllocator]


class OpNodeMigrate(OpCode):
    """Live-migrate all primary instances off a node."""

    OP_ID = "OP_NODE_MIGRATE"
    OP_DSC_FIELD = "node_name"
    OP_PARAMS = [PNodeName, ("live", True, ht.TBool, "Live migration (else non-live)")]
