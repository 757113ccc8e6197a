"""The master's job queue (upstream's ganeti.jqueue), as a package.

job: jobs and opcodes in memory, file format, query fields; storage: the
queue directory and its durable writes; writer: group commit of job files;
processor: running a job in a worker; queue: JobQueue itself; replication:
pushing queue files to master candidates.
"""

from ganeti.jqueue.job import (  # noqa: F401
    VALID_FIELDS,
    CalcJobStatus,
    JobSnapshot,
    QueuedJob,
    QueuedOpCode,
    TimeStampNow,
)
from ganeti.jqueue.queue import UNCLEAN_SHUTDOWN_MSG, JobQueue, LoadOpCodes, ParseJobId  # noqa: F401
from ganeti.jqueue.storage import QueueStorage  # noqa: F401
from ganeti.jqueue.writer import NullReplicator, Replicator  # noqa: F401
