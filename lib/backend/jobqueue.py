"""Job queue replication on master candidates.

The master writes every job file change to its own queue and to the queue of
each master candidate, so that a candidate taking over the master role has
all jobs. These procedures touch nothing outside this node's queue directory.
"""

from __future__ import annotations

import os
import shutil
from typing import Sequence

from ganeti import constants, pathutils, utils
from ganeti.backend import Fail


def _CheckQueuePath(path: str) -> str:
    """path, if it is strictly inside the queue directory (else RPCFail)."""
    path = os.path.normpath(path)
    queue_dir = os.path.normpath(pathutils.QUEUE_DIR)
    if os.path.commonpath([path, queue_dir]) != queue_dir or path == queue_dir:
        Fail("Path %s is outside the job queue directory %s", path, queue_dir)
    return path


def JobQueueUpdate(file_name: str, content: bytes) -> None:
    """Write one queue file (a job, the serial) atomically."""
    file_name = _CheckQueuePath(file_name)
    try:
        utils.WriteFile(file_name, content, mode=constants.JOB_QUEUE_FILES_PERMS, mkdir=True)
    except OSError as err:
        Fail("Cannot write %s: %s", file_name, err)


def JobQueueRename(rename: Sequence[tuple[str, str]]) -> None:
    """Rename queue files (archiving moves jobs into archive/<n>/)."""
    for old, new in rename:
        old, new = _CheckQueuePath(old), _CheckQueuePath(new)
        try:
            os.makedirs(os.path.dirname(new), mode=constants.JOB_QUEUE_DIRS_MODE, exist_ok=True)
            os.rename(old, new)
        except OSError as err:
            Fail("Cannot rename %s to %s: %s", old, new, err)


def JobQueuePurge() -> None:
    """Remove every job and the archive, keeping the queue lock file.

    Run on a node that stops being a master candidate, so that stale jobs
    cannot come back if it is promoted again later.
    """
    queue_dir = pathutils.QUEUE_DIR
    keep = os.path.basename(pathutils.JOB_QUEUE_LOCK_FILE)
    try:
        names = os.listdir(queue_dir)
    except FileNotFoundError:
        return
    except OSError as err:
        Fail("Cannot list %s: %s", queue_dir, err)
    for name in names:
        if name == keep:
            continue
        path = os.path.join(queue_dir, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except OSError as err:
            Fail("Cannot remove %s: %s", path, err)
