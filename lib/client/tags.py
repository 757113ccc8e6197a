"""The list-tags / add-tags / remove-tags commands every gnt-* object command has."""

from __future__ import annotations

import sys
from typing import Any

from ganeti import cli, constants, errors, opcodes
from ganeti.cli import TAG_SRC_OPT, ArgUnknown, ToStdout
from ganeti.utils import io


def _TagsFromOpts(opts: Any, args: list[str]) -> list[str]:
    """Tags from the arguments plus --from FILE (one a line, '-' for stdin)."""
    tags = list(args)
    source = getattr(opts, "tags_source", None)
    if source:
        if source == "-":
            text = sys.stdin.read()
        else:
            text = io.ReadFile(source)
        tags += [line.strip() for line in text.splitlines() if line.strip()]
    if not tags:
        raise errors.OpPrereqError("No tags given", errors.ECODE_INVAL)
    return tags


def TagCommands(kind: str, noun: str) -> dict[str, tuple]:
    """The three tag commands for one object kind (the object's name comes first
    in args unless kind is the cluster)."""
    takes_name = kind != constants.TAG_CLUSTER

    def _Split(args: list[str]) -> tuple[str | None, list[str]]:
        return (args[0], args[1:]) if takes_name else (None, args)

    def ListTags(opts: Any, args: list[str]) -> int:
        name, _ = _Split(args)
        for tag in sorted(cli.GetClient().QueryTags(kind, name)):
            ToStdout(tag)
        return 0

    def AddTags(opts: Any, args: list[str]) -> int:
        name, tags = _Split(args)
        cli.SubmitOrSend(opcodes.OpTagsSet(kind=kind, name=name, tags=_TagsFromOpts(opts, tags)),
                         opts)
        return 0

    def RemoveTags(opts: Any, args: list[str]) -> int:
        name, tags = _Split(args)
        cli.SubmitOrSend(opcodes.OpTagsDel(kind=kind, name=name, tags=_TagsFromOpts(opts, tags)),
                         opts)
        return 0

    prefix = "<%s> " % noun if takes_name else ""
    first = 1 if takes_name else 0
    return {
        "list-tags": (ListTags, [ArgUnknown(min=first, max=first)], [], prefix.strip(),
                      "List the tags of the %s" % noun),
        "add-tags": (AddTags, [ArgUnknown(min=first)], [TAG_SRC_OPT], prefix + "tag...",
                     "Add tags to the %s" % noun),
        "remove-tags": (RemoveTags, [ArgUnknown(min=first)], [TAG_SRC_OPT], prefix + "tag...",
                        "Remove tags from the %s" % noun),
    }
