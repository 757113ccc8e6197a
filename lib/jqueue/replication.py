"""Copying the job queue to the other master candidates, through ganeti.rpc.

A candidate that becomes master finds the jobs of its predecessor (upstream
behaviour). Replication is best effort: a candidate that cannot be reached
is logged and skipped, never a reason to fail a job. The writer thread calls
UpdateFiles after each local batch is durable; files of a batch go out in
parallel (each call reaches all candidates at once), so a batch costs about
one RPC round trip however many jobs it holds.
"""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any, Callable, Sequence

_PARALLEL_CALLS = 8


class RpcReplicator:
    """Replicates to nodes_fn() (the other online master candidates, read when needed)."""

    def __init__(self, rpc_runner: Any, nodes_fn: Callable[[], list[str]]):
        self._rpc = rpc_runner
        self._nodes_fn = nodes_fn
        self._pool = concurrent.futures.ThreadPoolExecutor(_PARALLEL_CALLS,
                                                           thread_name_prefix="JobQueueReplicate")

    def _Push(self, nodes: list[str], files: Sequence[tuple[str, str]]) -> None:
        calls = {self._pool.submit(self._rpc.call_jobqueue_update, nodes, path, content): path
                 for path, content in files}
        for future in concurrent.futures.as_completed(calls):
            self._Check(future.result(), "update of %s" % calls[future])

    def UpdateFiles(self, files: Sequence[tuple[str, str]]) -> None:
        nodes = self._nodes_fn()
        if nodes and files:
            self._Push(nodes, files)

    def RenameFiles(self, renames: Sequence[tuple[str, str]]) -> None:
        nodes = self._nodes_fn()
        if nodes and renames:
            self._Check(self._rpc.call_jobqueue_rename(nodes, list(renames)),
                        "rename of %d file(s)" % len(renames))

    def AddNode(self, node: str, files: Sequence[tuple[str, str]]) -> None:
        """A new candidate: empty its queue, then give it every current file."""
        self._Check({node: self._rpc.call_jobqueue_purge(node)}, "purge")
        self._Push([node], files)

    @staticmethod
    def _Check(results: dict[str, Any], what: str) -> None:
        for node, res in results.items():
            if res.fail_msg:
                logging.error("Job queue replication to %s failed (%s): %s", node, what,
                              res.fail_msg)
