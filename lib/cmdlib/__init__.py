"""Logical units, one module per domain.

An opcode class OpFooBar is run by the LU class LUFooBar; GetLUClass finds
it. Opcodes without a logical unit yet are refused with OpCodeUnknown (RAPI
turns that into 501 Not Implemented).
"""

from __future__ import annotations

import importlib
from typing import Any

from ganeti import errors

_LU_MODULES = ("cluster", "node", "tags", "test", "instance_create", "instance_ops",
               "instance_disks", "instance_query", "instance_set_params", "instance_migration",
               "operating_system")
_REGISTRY: dict[str, type] | None = None


def _Registry() -> dict[str, type]:
    global _REGISTRY
    if _REGISTRY is None:
        from ganeti.cmdlib.base import LogicalUnit
        registry = {}
        for modname in _LU_MODULES:
            module = importlib.import_module("ganeti.cmdlib." + modname)
            for name, obj in vars(module).items():
                if (name.startswith("LU") and isinstance(obj, type)
                        and issubclass(obj, LogicalUnit) and obj.__module__ == module.__name__):
                    registry["Op" + name[2:]] = obj
        _REGISTRY = registry
    return _REGISTRY


def GetLUClass(op: Any) -> type:
    """The logical unit class that executes op."""
    lu_class = _Registry().get(op.__class__.__name__)
    if lu_class is None:
        raise errors.OpCodeUnknown("Opcode %s (%s) is not implemented"
                                   % (op.__class__.__name__, getattr(op, "OP_ID", "?")))
    return lu_class
