"""Tag opcodes (cluster, node and instance tags)."""

from __future__ import annotations

from ganeti.opcodes import ht
from ganeti.opcodes.base import REQUIRED, OpCode, PTagKind

# The tagged object's name; the cluster kind has none.
_PTagName = ("name", None, ht.TNonEmptyString, "Name of the tagged object")
_PTags = ("tags", REQUIRED, ht.TStrings, "Tags")


class OpTagsGet(OpCode):
    """An object's tags."""

    OP_ID = "OP_TAGS_GET"
    OP_DSC_FIELD = "name"
    OP_PARAMS = [PTagKind, _PTagName]


class OpTagsSearch(OpCode):
    """Every (path, tag) whose tag matches a regular expression."""

    OP_ID = "OP_TAGS_SEARCH"
    OP_DSC_FIELD = "pattern"
    OP_PARAMS = [("pattern", REQUIRED, ht.TNonEmptyString, "Regular expression")]


class OpTagsSet(OpCode):
    """Add tags to an object."""

    OP_ID = "OP_TAGS_SET"
    OP_DSC_FIELD = "name"
    OP_PARAMS = [PTagKind, _PTagName, _PTags]


class OpTagsDel(OpCode):
    """Remove tags from an object."""

    OP_ID = "OP_TAGS_DEL"
    OP_DSC_FIELD = "name"
    OP_PARAMS = [PTagKind, _PTagName, _PTags]
