"""Small, general helpers, one module per job.

The names most code needs are re-exported here so that callers can write
``utils.WriteFile`` as upstream code does.
"""

from ganeti.utils.io import (  # noqa: F401
    EnsureDirs, ReadFile, ReadOneLineFile, RemoveFile, WriteFile, ListVisibleFiles,
)
from ganeti.utils.filelock import FileLock  # noqa: F401
from ganeti.utils.process import (  # noqa: F401
    RunCmd, RunResult, IsProcessAlive, KillProcess, ReadPidFile, WritePidFile,
    RemovePidFile, Daemonize, ShellQuoteArgs,
)
from ganeti.utils.text import (  # noqa: F401
    FormatUnit, ParseUnit, NiceSort, NewUUID, TryConvert, SafeEncode,
)
