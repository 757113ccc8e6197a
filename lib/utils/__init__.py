"""Small, general helpers, one module per job.

The names most code needs are reachable from here so that callers can write
``utils.WriteFile`` as upstream code does. They are loaded on first use: a
gnt-* command that never runs a process should not pay for importing
subprocess and tempfile at every start.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "filelock": ("FileLock",),
    "io": ("EnsureDirs", "FileSha1", "FsyncDir", "ListVisibleFiles", "ReadFile",
           "ReadOneLineFile", "RemoveFile", "WriteFile"),
    "process": ("Daemonize", "IsProcessAlive", "KillProcess", "ReadPidFile", "RemovePidFile",
                "RunCmd", "RunResult", "ShellQuoteArgs", "WritePidFile"),
    "text": ("FormatUnit", "NewUUID", "NiceSort", "ParseUnit", "SafeEncode", "TryConvert"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError("module 'ganeti.utils' has no attribute %r" % name)
    value = getattr(importlib.import_module("ganeti.utils." + module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
