"""Instance opcodes."""

from __future__ import annotations

from ganeti import constants
from ganeti.opcodes import ht
from ganeti.opcodes.base import (
    REQUIRED,
    OpCode,
    PBeParams,
    PForce,
    PHvParams,
    PIAllocator,
    PInstanceName,
    PNames,
    POutputFields,
    PShutdownTimeout,
    PUseLocking,
)

_PWaitForSync = ("wait_for_sync", True, ht.TBool, "Wait for the disks to sync")
# A modification of a disk or NIC list: ("add" | "remove" | index, parameters).
_TDeviceChange = ht.TListOf(ht.TTupleOf(
    ht.TOr(ht.TElemOf(constants.DDMS_VALID), ht.TNonNegativeInt), ht.TDict))


class _InstanceOpCode(OpCode):
    """An opcode acting on one instance, named by instance_name."""

    OP_DSC_FIELD = "instance_name"
    OP_PARAMS = [PInstanceName]


class OpInstanceCreate(_InstanceOpCode):
    """Create an instance, installing its OS or importing an export."""

    OP_ID = "OP_INSTANCE_CREATE"
    OP_PARAMS = [
        ("os_type", None, ht.TNonEmptyString, "OS (with +variant) to install"),
        ("force_variant", False, ht.TBool, "Accept an OS variant the OS does not list"),
        ("pnode", None, ht.TNonEmptyString, "Primary node (or use an iallocator)"),
        ("snode", None, ht.TNonEmptyString, "Secondary node (mirrored templates)"),
        ("disk_template", REQUIRED, ht.TElemOf(constants.DISK_TEMPLATES), "Disk template"),
        ("mode", REQUIRED, ht.TElemOf(constants.INSTANCE_CREATE_MODES),
         "'create' installs the OS, 'import' restores an export"),
        ("disks", REQUIRED, ht.TListOf(ht.TDict), "Disks as [{size, mode}]"),
        ("nics", REQUIRED, ht.TListOf(ht.TDict), "NICs as [{mac, ip, mode, link}]"),
        ("src_node", None, ht.TNonEmptyString, "Node holding the export (import)"),
        ("src_path", None, ht.TNonEmptyString, "Directory of the export (import)"),
        ("start", True, ht.TBool, "Start the instance once created"),
        _PWaitForSync,
        ("ip_check", True, ht.TBool, "Refuse if the instance's IP already answers"),
        ("name_check", True, ht.TBool, "Resolve the instance name"),
        ("file_storage_dir", None, ht.TNonEmptyString, "Directory for file disks"),
        ("file_driver", None, ht.TElemOf(constants.FILE_DRIVER), "Driver for file disks"),
        PIAllocator,
        ("hypervisor", None, ht.TElemOf(constants.HYPER_TYPES), "Hypervisor (default: cluster's)"),
        PHvParams,
        PBeParams,
    ]


class OpInstanceReinstall(_InstanceOpCode):
    """Reinstall an instance's OS (the instance must be stopped)."""

    OP_ID = "OP_INSTANCE_REINSTALL"
    OP_PARAMS = [
        ("os_type", None, ht.TNonEmptyString, "New OS (default: keep the current one)"),
        ("force_variant", False, ht.TBool, "Accept an OS variant the OS does not list"),
    ]


class OpInstanceRemove(_InstanceOpCode):
    """Remove an instance and its disks."""

    OP_ID = "OP_INSTANCE_REMOVE"
    OP_PARAMS = [
        ("ignore_failures", False, ht.TBool, "Remove from the config even if cleanup fails"),
        PShutdownTimeout,
    ]


class OpInstanceRename(_InstanceOpCode):
    """Rename an instance."""

    OP_ID = "OP_INSTANCE_RENAME"
    OP_PARAMS = [
        ("new_name", REQUIRED, ht.TNonEmptyString, "New instance name"),
        ("ip_check", False, ht.TBool, "Refuse if the new name's IP already answers"),
        ("name_check", True, ht.TBool, "Resolve the new name"),
    ]


class OpInstanceStartup(_InstanceOpCode):
    """Start an instance, optionally with one-off parameters."""

    OP_ID = "OP_INSTANCE_STARTUP"
    OP_PARAMS = [PForce, PHvParams, PBeParams]


class OpInstanceShutdown(_InstanceOpCode):
    """Stop an instance."""

    OP_ID = "OP_INSTANCE_SHUTDOWN"
    OP_PARAMS = [("timeout", constants.DEFAULT_SHUTDOWN_TIMEOUT, ht.TNonNegativeInt,
                  "Seconds to wait for a clean shutdown before forcing it")]


class OpInstanceReboot(_InstanceOpCode):
    """Reboot an instance (soft, hard or full)."""

    OP_ID = "OP_INSTANCE_REBOOT"
    OP_PARAMS = [
        ("reboot_type", REQUIRED, ht.TElemOf(constants.REBOOT_TYPES), "Kind of reboot"),
        ("ignore_secondaries", False, ht.TBool, "Ignore errors on secondary nodes (full)"),
        PShutdownTimeout,
    ]


class OpInstanceReplaceDisks(_InstanceOpCode):
    """Replace an instance's disks on the primary, secondary or a new node."""

    OP_ID = "OP_INSTANCE_REPLACE_DISKS"
    OP_PARAMS = [
        ("mode", REQUIRED, ht.TElemOf(constants.REPLACE_MODES), "Replacement mode"),
        ("disks", [], ht.TListOf(ht.TNonNegativeInt), "Disk indices (empty: all)"),
        ("remote_node", None, ht.TNonEmptyString, "New secondary node"),
        PIAllocator,
        ("early_release", False, ht.TBool, "Release locks before the resync ends"),
    ]


class OpInstanceFailover(_InstanceOpCode):
    """Fail an instance over to its secondary node."""

    OP_ID = "OP_INSTANCE_FAILOVER"
    OP_PARAMS = [
        ("ignore_consistency", False, ht.TBool, "Fail over even with degraded disks"),
        PShutdownTimeout,
    ]


class OpInstanceMigrate(_InstanceOpCode):
    """Migrate an instance to its secondary node."""

    OP_ID = "OP_INSTANCE_MIGRATE"
    OP_PARAMS = [
        ("live", True, ht.TBool, "Live migration (else non-live)"),
        ("cleanup", False, ht.TBool, "Recover from a failed migration"),
    ]


class OpInstanceMove(_InstanceOpCode):
    """Move a non-mirrored instance to another node, copying its disks."""

    OP_ID = "OP_INSTANCE_MOVE"
    OP_PARAMS = [("target_node", REQUIRED, ht.TNonEmptyString, "Destination node"),
                 PShutdownTimeout]


class OpInstanceConsole(_InstanceOpCode):
    """The command that connects to an instance's console."""

    OP_ID = "OP_INSTANCE_CONSOLE"


class OpInstanceActivateDisks(_InstanceOpCode):
    """Make an instance's disks available on its nodes."""

    OP_ID = "OP_INSTANCE_ACTIVATE_DISKS"
    OP_PARAMS = [("ignore_size", False, ht.TBool, "Do not check the recorded disk sizes")]


class OpInstanceDeactivateDisks(_InstanceOpCode):
    """Shut down an instance's disks."""

    OP_ID = "OP_INSTANCE_DEACTIVATE_DISKS"


class OpInstanceRecreateDisks(_InstanceOpCode):
    """Create an instance's missing disks again (empty)."""

    OP_ID = "OP_INSTANCE_RECREATE_DISKS"
    OP_PARAMS = [("disks", [], ht.TListOf(ht.TNonNegativeInt), "Disk indices (empty: all)")]


class OpInstanceQuery(OpCode):
    """Instance fields, for `gnt-instance list`."""

    OP_ID = "OP_INSTANCE_QUERY"
    OP_PARAMS = [POutputFields, PNames, PUseLocking]


class OpInstanceQueryData(OpCode):
    """Detailed instance information, for `gnt-instance info`."""

    OP_ID = "OP_INSTANCE_QUERY_DATA"
    OP_PARAMS = [
        ("instances", [], ht.TListOf(ht.TNonEmptyString), "Instances (empty: all)"),
        ("static", False, ht.TBool, "Only configuration data, do not ask the nodes"),
    ]


class OpInstanceSetParams(_InstanceOpCode):
    """Change an instance's parameters, disks and NICs."""

    OP_ID = "OP_INSTANCE_SET_PARAMS"
    OP_PARAMS = [
        ("nics", [], _TDeviceChange, "NIC changes: [(add|remove|index, params)]"),
        ("disks", [], _TDeviceChange, "Disk changes: [(add|remove|index, params)]"),
        PHvParams,
        PBeParams,
        PForce,
    ]


class OpInstanceGrowDisk(_InstanceOpCode):
    """Grow one of an instance's disks."""

    OP_ID = "OP_INSTANCE_GROW_DISK"
    OP_PARAMS = [
        ("disk", REQUIRED, ht.TNonNegativeInt, "Disk index"),
        ("amount", REQUIRED, ht.TPositiveInt, "MiB to add"),
        _PWaitForSync,
    ]
