"""Small, general helpers, one module per job.

The names most code needs are re-exported here so that callers can write
``utils.WriteFile`` as upstream code does.
"""

from ganeti.utils.filelock import FileLock  # noqa: F401
from ganeti.utils.io import (  # noqa: F401
    EnsureDirs,
    ListVisibleFiles,
    ReadFile,
    ReadOneLineFile,
    RemoveFile,
    WriteFile,
)
from ganeti.utils.process import (  # noqa: F401
    Daemonize,
    IsProcessAlive,
    KillProcess,
    ReadPidFile,
    RemovePidFile,
    RunCmd,
    RunResult,
    ShellQuoteArgs,
    WritePidFile,
)
from ganeti.utils.text import (  # noqa: F401
    FormatUnit,
    NewUUID,
    NiceSort,
    ParseUnit,
    SafeEncode,
    TryConvert,
)
