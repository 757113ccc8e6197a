"""Operating system definition opcodes."""

from __future__ import annotations

from ganeti.opcodes.base import OpCode, PNames, POutputFields


class OpOsDiagnose(OpCode):
    """The OS definitions found on the nodes, for `gnt-os list/diagnose`."""

    OP_ID = "OP_OS_DIAGNOSE"
    OP_PARAMS = [POutputFields, PNames]
