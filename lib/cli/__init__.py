"""Shared command-line machinery of the gnt-* commands.

Split by job: options (option definitions and parsers), output (tables and
messages), jobs (submitting opcodes and following jobs), main (GenericMain,
argument checks). Everything a gnt-* module needs is importable from here,
as upstream's `from ganeti.cli import *` users expect.
"""

from ganeti.cli.jobs import (  # noqa: F401
    FormatJobLogEntry,
    FormatLogMessage,
    GetClient,
    JobExecutor,
    JobSubmittedException,
    PollJob,
    SendJob,
    SubmitOpCode,
    SubmitOrSend,
)
from ganeti.cli.main import (  # noqa: F401
    ARGS_MANY_INSTANCES,
    ARGS_MANY_NODES,
    ARGS_NONE,
    ARGS_ONE_INSTANCE,
    ARGS_ONE_NODE,
    ArgCommand,
    ArgFile,
    ArgHost,
    ArgInstance,
    ArgJobId,
    ArgNode,
    ArgOs,
    ArgUnknown,
    AskUser,
    GenericMain,
)
from ganeti.cli.options import *  # noqa: F401,F403
from ganeti.cli.output import (  # noqa: F401
    FormatTimestamp,
    GenerateTable,
    ParseFields,
    ToStderr,
    ToStdout,
)
