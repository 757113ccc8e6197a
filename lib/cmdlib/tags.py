"""Logical units of tags on the cluster, nodes and instances."""

from __future__ import annotations

import re
from typing import Any

from ganeti import constants, errors, locking, objects
from ganeti.cmdlib.base import ExpandInstanceName, ExpandNodeName, NoHooksLU, QueryLU


class _TagsLU(NoHooksLU):
    """Finds the tagged object (and locks it) from op.kind and op.name."""

    def ExpandNames(self) -> None:
        self.needed_locks = {}
        kind = self.op.kind
        if kind == constants.TAG_CLUSTER:
            return
        if not self.op.name:
            raise errors.OpPrereqError("A %s name is required for %s tags" % (kind, kind),
                                       errors.ECODE_INVAL)
        if kind == constants.TAG_NODE:
            self.op.name = ExpandNodeName(self.cfg, self.op.name)
            self.needed_locks[locking.LEVEL_NODE] = [self.op.name]
        else:
            self.op.name = ExpandInstanceName(self.cfg, self.op.name)
            self.needed_locks[locking.LEVEL_INSTANCE] = [self.op.name]

    def _Target(self) -> objects.TaggableObject:
        if self.op.kind == constants.TAG_CLUSTER:
            return self.cfg.GetClusterInfo()
        if self.op.kind == constants.TAG_NODE:
            return self.cfg.GetNodeInfo(self.op.name)
        return self.cfg.GetInstanceInfo(self.op.name)


class LUTagsGet(_TagsLU, QueryLU):
    """An object's tags."""

    def Exec(self, feedback_fn: Any) -> list[str]:
        return sorted(self._Target().GetTags())


class LUTagsSet(_TagsLU):
    """Adds tags; all are checked before any is added."""

    REQ_BGL = False

    def CheckPrereq(self) -> None:
        for tag in self.op.tags:
            try:
                objects.ValidateTag(tag)
            except errors.TagError as err:
                raise errors.OpPrereqError("Invalid tag %r: %s" % (tag, err.args[0]),
                                           errors.ECODE_INVAL) from err
        target = self._Target()
        if len(set(target.tags) | set(self.op.tags)) > constants.MAX_TAGS_PER_OBJ:
            raise errors.OpPrereqError("Too many tags (at most %d)" % constants.MAX_TAGS_PER_OBJ,
                                       errors.ECODE_INVAL)

    def Exec(self, feedback_fn: Any) -> None:
        target = self._Target()
        for tag in self.op.tags:
            target.AddTag(tag)
        self.cfg.Update(target, feedback_fn)


class LUTagsDel(_TagsLU):
    """Removes tags; all must be present."""

    REQ_BGL = False

    def CheckPrereq(self) -> None:
        missing = sorted(set(self.op.tags) - set(self._Target().tags))
        if missing:
            raise errors.OpPrereqError("Tag(s) %s not found" % ", ".join(repr(t) for t in missing),
                                       errors.ECODE_NOENT)

    def Exec(self, feedback_fn: Any) -> None:
        target = self._Target()
        for tag in self.op.tags:
            target.RemoveTag(tag)
        self.cfg.Update(target, feedback_fn)


class LUTagsSearch(QueryLU):
    """Every (path, tag) matching a regular expression, over all objects."""

    def ExpandNames(self) -> None:
        try:
            self.regex = re.compile(self.op.pattern)
        except re.error as err:
            raise errors.OpPrereqError("Invalid search pattern %r: %s" % (self.op.pattern, err),
                                       errors.ECODE_INVAL) from err
        self.needed_locks = {}

    def Exec(self, feedback_fn: Any) -> list[tuple[str, str]]:
        objs: list[tuple[str, Any]] = [("/cluster", self.cfg.GetClusterInfo())]
        objs += [("/instances/%s" % n, i) for n, i in sorted(self.cfg.GetAllInstancesInfo().items())]
        objs += [("/nodes/%s" % n, node) for n, node in sorted(self.cfg.GetAllNodesInfo().items())]
        return [(path, tag) for path, obj in objs for tag in sorted(obj.tags)
                if self.regex.search(tag)]
