"""gnt-os: the OS definitions the nodes have (list) and why some are unusable (diagnose)."""

from __future__ import annotations

import sys
from typing import Any

from ganeti import cli, opcodes, utils
from ganeti.cli import NOHDR_OPT, ToStdout

_FIELDS = ["name", "valid", "variants", "node_status"]


def _Diagnose(opts: Any, names: list[str] | None = None) -> list[list[Any]]:
    return cli.SubmitOpCode(opcodes.OpOsDiagnose(output_fields=_FIELDS, names=names or []),
                            opts=opts)


def ListOS(opts: Any, args: list[str]) -> int:
    """Valid OSes, one line per OS and per declared variant (os+variant)."""
    names = []
    for name, valid, variants, _ in _Diagnose(opts):
        if valid:
            names.extend(["%s+%s" % (name, v) for v in variants] if variants else [name])
    if not opts.no_headers:
        ToStdout("Name")
    for name in utils.NiceSort(names):
        ToStdout("%s", name)
    return 0


def _NodeLine(node: str, entries: list[list[Any]]) -> list[str]:
    if not entries:
        return ["    Node: %s, status: missing" % node]
    lines = []
    for idx, (path, status, diagnose, variants, _, api) in enumerate(entries):
        what = "valid" if status else "invalid - %s" % diagnose
        if idx:
            what += " (shadowed by the first one found)"
        lines.append("    Node: %s, status: %s (path: %s)" % (node, what, path))
        if status:
            lines.append("      API versions: %s; variants: %s"
                         % (", ".join(map(str, api)), ", ".join(variants) or "none"))
    return lines


def DiagnoseOS(opts: Any, args: list[str]) -> int:
    """Per OS and per node: valid or why not; exit 1 if some OS is invalid somewhere."""
    has_bad = False
    for name, valid, variants, node_status in _Diagnose(opts, args):
        has_bad = has_bad or not valid
        ToStdout("OS: %s [global status: %s]", name, "valid" if valid else "invalid")
        if variants:
            ToStdout("  Variants: [%s]", ", ".join(variants))
        for node in utils.NiceSort(node_status):
            for line in _NodeLine(node, node_status[node]):
                ToStdout("%s", line)
        ToStdout("")
    return 1 if has_bad else 0


commands = {
    "list": (ListOS, [], [NOHDR_OPT], "", "List the OSes (with variants) valid on all nodes"),
    "diagnose": (DiagnoseOS, [cli.ArgOs()], [], "[os...]",
                 "Show each OS's status on every node"),
}


def Main() -> int:
    return cli.GenericMain(commands)


if __name__ == "__main__":
    sys.exit(Main())
