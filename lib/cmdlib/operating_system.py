"""LUOsDiagnose: the OS definitions of every node, for gnt-os list and diagnose.

Every online node reports each OS directory of its search path (valid or
not, shadowed ones too); the LU merges those per OS name. An OS is valid
when its first (effective) entry is valid on every node that answered, and
its variants are the ones every node's effective definition declares.
"""

from __future__ import annotations

from typing import Any, Callable

from ganeti import errors, utils
from ganeti.cmdlib.base import FeedbackFn, QueryLU

# node_status entries: (path, status, diagnose, variants, parameters, api_versions)
NodeOsEntries = dict[str, list[tuple[str, bool, str, list[str], list[Any], list[int]]]]


def _Valid(status: NodeOsEntries) -> bool:
    return bool(status) and all(entries and entries[0][1] for entries in status.values())


def _Common(status: NodeOsEntries, index: int) -> list[Any]:
    """What every node's effective entry has in field index (variants, API versions)."""
    sets = [entries[0][index] for entries in status.values() if entries and entries[0][1]]
    if not sets or len(sets) != len(status):
        return []
    common = set(sets[0]).intersection(*sets[1:])
    return [item for item in sets[0] if item in common]


_FIELDS: dict[str, Callable[[str, NodeOsEntries], Any]] = {
    "name": lambda name, status: name,
    "valid": lambda name, status: _Valid(status),
    "node_status": lambda name, status: status,
    "variants": lambda name, status: _Common(status, 3),
    "api_versions": lambda name, status: _Common(status, 5),
    "parameters": lambda name, status: [],
}


class LUOsDiagnose(QueryLU):
    """Rows of the requested fields, one per OS name found on any node."""

    def CheckArguments(self) -> None:
        unknown = [f for f in self.op.output_fields if f not in _FIELDS]
        if unknown:
            raise errors.OpPrereqError("Unknown output fields selected: %s" % ", ".join(unknown),
                                       errors.ECODE_INVAL)

    def ExpandNames(self) -> None:
        self.needed_locks = {}

    def Exec(self, feedback_fn: FeedbackFn) -> list[list[Any]]:
        nodes = self.cfg.GetOnlineNodeList()
        merged: dict[str, NodeOsEntries] = {}
        answered = []
        for node, result in sorted(self.rpc.call_os_diagnose(nodes).items()):
            if result.fail_msg or not isinstance(result.payload, list):
                self.LogWarning("Can't get the OS list of node %s: %s", node, result.fail_msg)
                continue
            answered.append(node)
            for name, path, status, diagnose, variants, params, api in result.payload:
                merged.setdefault(name, {}).setdefault(node, []).append(
                    (path, status, diagnose, variants, params, api))
        for status in merged.values():
            for node in answered:
                status.setdefault(node, [])
        wanted = self.op.names or utils.NiceSort(merged)
        missing = [name for name in wanted if name not in merged]
        if missing:
            raise errors.OpPrereqError("OS(es) not found on any node: %s" % ", ".join(missing),
                                       errors.ECODE_NOENT)
        return [[_FIELDS[f](name, merged[name]) for f in self.op.output_fields]
                for name in wanted]
