"""Opcodes that exercise the machinery itself (gnt-debug)."""

from __future__ import annotations

from ganeti import constants
from ganeti.opcodes import ht
from ganeti.opcodes.base import REQUIRED, OpCode


class OpTestDelay(OpCode):
    """Sleep on the master and/or nodes: tests locking, jobs and RPC."""

    OP_ID = "OP_TEST_DELAY"
    OP_DSC_FIELD = "duration"
    OP_PARAMS = [
        ("duration", REQUIRED, ht.TNonNegativeNumber, "Seconds to sleep"),
        ("on_master", True, ht.TBool, "Whether to sleep in the master daemon"),
        ("on_nodes", [], ht.TListOf(ht.TNonEmptyString), "Nodes to sleep on (through RPC)"),
        ("repeat", 0, ht.TNonNegativeInt, "How many times to repeat the sleep"),
    ]


class OpTestAllocator(OpCode):
    """Run an instance allocator plugin, or only build its input (direction "in")."""

    OP_ID = "OP_TEST_ALLOCATOR"
    OP_DSC_FIELD = "allocator"
    OP_PARAMS = [
        ("direction", REQUIRED,
         ht.TElemOf([constants.IALLOCATOR_DIR_IN, constants.IALLOCATOR_DIR_OUT]),
         "'in' returns the plugin's input, 'out' runs the plugin"),
        ("mode", REQUIRED, ht.TElemOf(constants.VALID_IALLOCATOR_MODES), "Allocator mode"),
        ("allocator", None, ht.TNonEmptyString, "Allocator plugin (for direction 'out')"),
        ("name", None, ht.TNonEmptyString, "Instance name (allocate, relocate)"),
        ("mem_size", None, ht.TNonNegativeInt, "Memory in MiB"),
        ("vcpus", None, ht.TPositiveInt, "Number of virtual CPUs"),
        ("disks", None, ht.TListOf(ht.TDict), "Disks as [{size, mode}]"),
        ("disk_template", None, ht.TElemOf(constants.DISK_TEMPLATES), "Disk template"),
        ("os", None, ht.TNonEmptyString, "Operating system"),
        ("tags", None, ht.TListOf(ht.TNonEmptyString), "Instance tags"),
        ("nics", None, ht.TListOf(ht.TDict), "NICs as [{mac, ip, mode, link}]"),
        ("hypervisor", None, ht.TElemOf(constants.HYPER_TYPES), "Hypervisor"),
        ("relocate_from", None, ht.TListOf(ht.TNonEmptyString),
         "Secondary nodes to move away from (relocate)"),
    ]
