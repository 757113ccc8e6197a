"""The luxi client: what gnt-* commands and RAPI use to talk to the master."""

from __future__ import annotations

from typing import Any, Sequence

from ganeti import constants, errors, opcodes, pathutils
from ganeti.luxi import protocol as lp


def _OpState(op: Any) -> Any:
    """Opcodes travel in their __getstate__ form; dicts pass unchanged."""
    return op.__getstate__() if isinstance(op, opcodes.OpCode) else op


class Client:
    """A connection to the master daemon, opened at the first call.

    Arguments travel as upstream sends them: the methods taking one value
    (SubmitJob's opcode list, SubmitManyJobs, CancelJob, ArchiveJob,
    QueryConfigValues, SetDrainFlag) send it as the args themselves, the
    others a list of positional arguments.

    After any failure the connection is dropped and the next call opens a
    new one; calls are never retried, because a job submission that may
    have reached the master must not be submitted twice.
    """

    def __init__(self, address: str | None = None,
                 timeouts: tuple[float, float] | None = None):
        self.address = address or pathutils.MASTER_SOCKET
        self._timeouts = timeouts or (lp.DEF_CTMO, lp.DEF_RWTO)
        self._transport: lp.Transport | None = None

    def Close(self) -> None:
        if self._transport is not None:
            self._transport.Close()
            self._transport = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.Close()

    def CallMethod(self, method: str, args: Any) -> Any:
        """Send one request and return its result (or raise the master's error)."""
        if self._transport is None:
            self._transport = lp.Transport(self.address, self._timeouts)
        try:
            self._transport.Send(lp.FormatRequest(method, args))
            reply = self._transport.Recv()
        except errors.ProtocolError:
            self.Close()
            raise
        return lp.ParseResponse(reply)

    # --- jobs ---------------------------------------------------------------
    def SubmitJob(self, ops: Sequence[Any]) -> str:
        return self.CallMethod(lp.REQ_SUBMIT_JOB, [_OpState(op) for op in ops])

    def SubmitManyJobs(self, jobs: Sequence[Sequence[Any]]) -> list:
        return self.CallMethod(lp.REQ_SUBMIT_MANY_JOBS,
                               [[_OpState(op) for op in ops] for ops in jobs])

    def CancelJob(self, job_id: Any) -> Any:
        return self.CallMethod(lp.REQ_CANCEL_JOB, job_id)

    def ArchiveJob(self, job_id: Any) -> bool:
        return self.CallMethod(lp.REQ_ARCHIVE_JOB, job_id)

    def AutoArchiveJobs(self, age: float, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = lp.WFJC_TIMEOUT
        return self.CallMethod(lp.REQ_AUTOARCHIVE_JOBS, [age, timeout])

    def WaitForJobChangeOnce(self, job_id: Any, fields: list[str], prev_job_info: Any,
                             prev_log_serial: Any, timeout: float = lp.WFJC_TIMEOUT) -> Any:
        """One wait: JOB_NOTCHANGED after timeout, or (job_info, new log entries)."""
        return self.CallMethod(lp.REQ_WAIT_FOR_JOB_CHANGE,
                               [job_id, fields, prev_job_info, prev_log_serial, timeout])

    def WaitForJobChange(self, job_id: Any, fields: list[str], prev_job_info: Any,
                         prev_log_serial: Any) -> Any:
        """Wait as long as it takes for a change (upstream's blocking form)."""
        while True:
            result = self.WaitForJobChangeOnce(job_id, fields, prev_job_info, prev_log_serial)
            if result != constants.JOB_NOTCHANGED:
                return result

    def QueryJobs(self, job_ids: Sequence[Any] | None, fields: list[str]) -> list:
        return self.CallMethod(lp.REQ_QUERY_JOBS, [job_ids, fields])

    # --- cluster state --------------------------------------------------------
    def QueryInstances(self, names: list[str], fields: list[str], use_locking: bool) -> Any:
        return self.CallMethod(lp.REQ_QUERY_INSTANCES, [names, fields, use_locking])

    def QueryNodes(self, names: list[str], fields: list[str], use_locking: bool) -> Any:
        return self.CallMethod(lp.REQ_QUERY_NODES, [names, fields, use_locking])

    def QueryExports(self, nodes: list[str], use_locking: bool) -> Any:
        return self.CallMethod(lp.REQ_QUERY_EXPORTS, [nodes, use_locking])

    def QueryClusterInfo(self) -> Any:
        return self.CallMethod(lp.REQ_QUERY_CLUSTER_INFO, [])

    def QueryConfigValues(self, fields: list[str]) -> Any:
        return self.CallMethod(lp.REQ_QUERY_CONFIG_VALUES, fields)

    def QueryTags(self, kind: str, name: str | None) -> Any:
        return self.CallMethod(lp.REQ_QUERY_TAGS, [kind, name])

    def QueryLocks(self) -> Any:
        return self.CallMethod(lp.REQ_QUERY_LOCKS, [])

    # --- queue and watcher control ------------------------------------------------
    def SetDrainFlag(self, drain_flag: bool) -> Any:
        return self.CallMethod(lp.REQ_SET_DRAIN_FLAG, drain_flag)

    def SetWatcherPause(self, until: float | None) -> Any:
        return self.CallMethod(lp.REQ_SET_WATCHER_PAUSE, [until])
