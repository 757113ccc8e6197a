"""Instance export (backup) opcodes."""

from __future__ import annotations

from ganeti.opcodes import ht
from ganeti.opcodes.base import REQUIRED, OpCode, PInstanceName, PShutdownTimeout, PUseLocking


class OpBackupQuery(OpCode):
    """The exports present on nodes, for `gnt-backup list`."""

    OP_ID = "OP_BACKUP_QUERY"
    OP_PARAMS = [("nodes", [], ht.TListOf(ht.TNonEmptyString), "Nodes (empty: all)"),
                 PUseLocking]


class OpBackupExport(OpCode):
    """Export an instance to a node."""

    OP_ID = "OP_BACKUP_EXPORT"
    OP_DSC_FIELD = "instance_name"
    OP_PARAMS = [
        PInstanceName,
        ("target_node", REQUIRED, ht.TNonEmptyString, "Node to write the export on"),
        ("shutdown", True, ht.TBool, "Shut the instance down for a consistent export"),
        PShutdownTimeout,
    ]


class OpBackupRemove(OpCode):
    """Remove an instance's exports from all nodes."""

    OP_ID = "OP_BACKUP_REMOVE"
    OP_DSC_FIELD = "instance_name"
    OP_PARAMS = [PInstanceName]
