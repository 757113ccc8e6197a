"""ganeti-masterd's main: the job queue, the locks and the luxi socket.

Start-up, on the master node only (as ssconf names it and, unless
--no-voting, as a majority of the other nodes confirm): load the
configuration, build the lock manager, open the job queue (taking
queue/lock, checking its version, ending jobs a dead master left running,
resuming queued ones), then listen on the master socket. Shutdown on SIGTERM: refuse new jobs, let running
opcodes finish (up to --shutdown-timeout; the rest end as errors at the
next start), write the queue, close the socket.

Query methods (QueryInstances, QueryNodes, ...) run their opcode's logical
unit right here in the connection's thread, as upstream 2.1 does: a query
changes nothing, so it needs no job file, and the LU takes the same locks a
job would (shared, and only with use_locking), so answers are consistent
with running jobs. Until a query's LU exists it answers OpCodeUnknown.
"""

from __future__ import annotations

import inspect
import logging
import sys
from typing import Any, Callable

from ganeti import (
    bootstrap,
    config,
    constants,
    daemon,
    errors,
    jqueue,
    locking,
    luxi,
    mcpu,
    netutils,
    opcodes,
    pathutils,
    rpc,
    ssconf,
    utils,
)
from ganeti.cmdlib import common
from ganeti.jqueue.replication import RpcReplicator
from ganeti.luxi import server as luxi_server

#: How long running opcodes get to finish at shutdown before the daemon exits anyway.
DEFAULT_SHUTDOWN_TIMEOUT = 120.0
_VOTE_ATTEMPTS = 6
_VOTE_RETRY_DELAY = 10.0


class GanetiContext:
    """What every logical unit and the job queue share in the master daemon."""

    def __init__(self, cfg: Any, rpc_runner: Any):
        self.cfg = cfg
        self.rpc = rpc_runner
        self.glm = locking.GanetiLockManager(cfg.GetNodeList(), cfg.GetInstanceList())
        self.jobqueue: jqueue.JobQueue | None = None

    def OtherMasterCandidates(self) -> list[str]:
        """Online master candidates except this node: where the job queue is copied."""
        master = self.cfg.GetMasterNode()
        return [name for name in self.cfg.GetMasterCandidates()
                if name != master and not self.cfg.GetNodeInfo(name).offline]

    def AddNode(self, node: Any, ec_id: Any) -> None:
        """A new node: configuration, lock, and the queue if it is a candidate."""
        self.cfg.AddNode(node, ec_id)
        self.glm.add(locking.LEVEL_NODE, node.name)
        if node.master_candidate and self.jobqueue is not None:
            self.jobqueue.AddNode(node.name)

    def ReaddNode(self, node: Any) -> None:
        """A node added again (gnt-node add --readd): it needs the queue again."""
        if node.master_candidate and self.jobqueue is not None:
            self.jobqueue.AddNode(node.name)

    def RemoveNode(self, name: str) -> None:
        self.cfg.RemoveNode(name)
        self.glm.remove(locking.LEVEL_NODE, name)


class ClientOps:
    """The luxi methods: handler(method, args) for luxi.server.LuxiServer."""

    def __init__(self, context: GanetiContext):
        self.context = context
        # method -> (function, whether args is the single argument itself, as upstream)
        self._methods: dict[str, tuple[Callable[..., Any], bool]] = {
            luxi.REQ_SUBMIT_JOB: (self.SubmitJob, True),
            luxi.REQ_SUBMIT_MANY_JOBS: (self.SubmitManyJobs, True),
            luxi.REQ_WAIT_FOR_JOB_CHANGE: (self.WaitForJobChange, False),
            luxi.REQ_WAIT_FOR_JOB_CHANGES: (self.WaitForJobChange, False),
            luxi.REQ_CANCEL_JOB: (self.CancelJob, True),
            luxi.REQ_ARCHIVE_JOB: (self.ArchiveJob, True),
            luxi.REQ_AUTOARCHIVE_JOBS: (self.AutoArchiveJobs, False),
            luxi.REQ_QUERY_JOBS: (self.QueryJobs, False),
            luxi.REQ_QUERY_INSTANCES: (self.QueryInstances, False),
            luxi.REQ_QUERY_NODES: (self.QueryNodes, False),
            luxi.REQ_QUERY_EXPORTS: (self.QueryExports, False),
            luxi.REQ_QUERY_CONFIG_VALUES: (self.QueryConfigValues, True),
            luxi.REQ_QUERY_CLUSTER_INFO: (self.QueryClusterInfo, False),
            luxi.REQ_QUERY_TAGS: (self.QueryTags, False),
            luxi.REQ_QUERY_LOCKS: (self.QueryLocks, False),
            luxi.REQ_SET_DRAIN_FLAG: (self.SetDrainFlag, True),
            luxi.REQ_SET_WATCHER_PAUSE: (self.SetWatcherPause, False),
        }

    @property
    def _queue(self) -> jqueue.JobQueue:
        assert self.context.jobqueue is not None
        return self.context.jobqueue

    def __call__(self, method: str, args: Any) -> Any:
        try:
            fn, bare = self._methods[method]
        except KeyError:
            raise errors.ProtocolError("Unknown luxi method %r" % (method,))
        if bare:
            return fn(args)
        if not isinstance(args, list):
            raise errors.ProtocolError("Arguments of %s must be a list" % method)
        try:
            inspect.signature(fn).bind(*args)
        except TypeError as err:
            raise errors.ProtocolError("Invalid arguments for %s: %s" % (method, err))
        return fn(*args)

    # --- jobs ---------------------------------------------------------------
    def SubmitJob(self, ops: Any) -> str:
        return self._queue.SubmitJob(ops)

    def SubmitManyJobs(self, jobs: Any) -> list:
        if not isinstance(jobs, list):
            raise errors.OpPrereqError("SubmitManyJobs needs a list of jobs", errors.ECODE_INVAL)
        return self._queue.SubmitManyJobs(jobs)

    def WaitForJobChange(self, job_id: Any, fields: Any, prev_job_info: Any,
                         prev_log_serial: Any, timeout: Any = luxi.WFJC_TIMEOUT) -> Any:
        return self._queue.WaitForJobChanges(job_id, fields, prev_job_info, prev_log_serial,
                                             _ClampTimeout(timeout))

    def CancelJob(self, job_id: Any) -> Any:
        return self._queue.CancelJob(job_id)

    def ArchiveJob(self, job_id: Any) -> bool:
        return self._queue.ArchiveJob(job_id)

    def AutoArchiveJobs(self, age: Any, timeout: Any = luxi.WFJC_TIMEOUT) -> Any:
        if not isinstance(age, (int, float)) or isinstance(age, bool) or (age < 0 and age != -1):
            raise errors.OpPrereqError("Invalid age %r" % (age,), errors.ECODE_INVAL)
        return self._queue.AutoArchiveJobs(age, _ClampTimeout(timeout))

    def QueryJobs(self, job_ids: Any, fields: Any) -> list:
        if job_ids is not None and not isinstance(job_ids, list):
            raise errors.OpPrereqError("Job ids must be a list or null", errors.ECODE_INVAL)
        return self._queue.QueryJobs(job_ids, fields)

    # --- cluster state, through the query LUs -------------------------------------
    def _Query(self, op: opcodes.OpCode) -> Any:
        op.Validate()
        return mcpu.Processor(self.context, None).ExecOpCode(op)

    def QueryInstances(self, names: Any, fields: Any, use_locking: Any) -> Any:
        return self._Query(opcodes.OpInstanceQuery(names=names, output_fields=fields,
                                                   use_locking=use_locking))

    def QueryNodes(self, names: Any, fields: Any, use_locking: Any) -> Any:
        return self._Query(opcodes.OpNodeQuery(names=names, output_fields=fields,
                                               use_locking=use_locking))

    def QueryExports(self, nodes: Any, use_locking: Any) -> Any:
        return self._Query(opcodes.OpBackupQuery(nodes=nodes, use_locking=use_locking))

    def QueryConfigValues(self, fields: Any) -> Any:
        return self._Query(opcodes.OpClusterConfigQuery(output_fields=fields))

    def QueryClusterInfo(self) -> Any:
        return self._Query(opcodes.OpClusterQuery())

    def QueryTags(self, kind: Any, name: Any) -> Any:
        return self._Query(opcodes.OpTagsGet(kind=kind, name=name))

    def QueryLocks(self) -> Any:
        """Every lock with its mode, owners and pending acquires (gnt-debug locks)."""
        return self.context.glm.QueryLocks()

    # --- queue and watcher control ----------------------------------------------
    def SetDrainFlag(self, drain_flag: Any) -> bool:
        if not isinstance(drain_flag, bool):
            raise errors.OpPrereqError("The drain flag must be a boolean", errors.ECODE_INVAL)
        return self._queue.SetDrainFlag(drain_flag)

    def SetWatcherPause(self, until: Any) -> Any:
        """Pause the watcher until a unix time (None: resume); returns until."""
        if until is None:
            utils.RemoveFile(pathutils.WATCHER_PAUSEFILE)
            return None
        if not isinstance(until, (int, float)) or isinstance(until, bool):
            raise errors.OpPrereqError("Invalid watcher pause time %r" % (until,),
                                       errors.ECODE_INVAL)
        utils.WriteFile(pathutils.WATCHER_PAUSEFILE, "%d\n" % until)
        return until


def _ClampTimeout(timeout: Any) -> float:
    """A wait the client asked for, bounded so the answer beats its read timeout."""
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
        raise errors.OpPrereqError("Invalid timeout %r" % (timeout,), errors.ECODE_INVAL)
    return min(max(0.0, float(timeout)), luxi.WFJC_TIMEOUT)


def _DistributeConfig(context: GanetiContext, cfg: Any) -> None:
    """Config write hook: ssconf here and on every online node, config to the candidates."""
    common.DistributeConfig(cfg, context.rpc)


def CheckMasterd(options: Any, args: list[str]) -> None:
    """Start only on the master node, as ssconf names it."""
    if args:
        print("Usage: %s [-f] [-d] [--no-voting --yes-do-it]" % constants.MASTERD,
              file=sys.stderr)
        sys.exit(constants.EXIT_FAILURE)
    if options.no_voting and not options.yes_do_it:
        print("The 'no voting' option has been selected.\nThis is dangerous, please"
              " confirm by adding the --yes-do-it option", file=sys.stderr)
        sys.exit(constants.EXIT_FAILURE)
    store = ssconf.SimpleStore()
    try:
        master = store.GetMasterNode()
    except errors.ConfigurationError as err:
        print("Cluster configuration incomplete: %s" % err, file=sys.stderr)
        sys.exit(constants.EXIT_NODESETUP_ERROR)
    myself = netutils.GetHostname()
    if master != myself:
        print("%s is not the master node (the master is %s)" % (myself, master),
              file=sys.stderr)
        sys.exit(constants.EXIT_NOTMASTER)
    if not options.no_voting and not _CheckAgreement(myself, store):
        sys.exit(constants.EXIT_FAILURE)


def _CheckAgreement(myself: str, store: ssconf.SimpleStore) -> bool:
    """Whether the other nodes agree that we are the master (upstream's start-up vote).

    Guards against two masters after a failover the old master missed. The
    nodes are reached at the addresses our ssconf has for them.
    """
    addresses = dict(line.split(None, 1) for line in store.GetNodePrimaryIPList()
                     if len(line.split()) == 2)
    runner = rpc.RpcRunner(rpc.StaticResolver(addresses))
    try:
        agreed, why = bootstrap.CheckAgreement(myself, store.GetNodeList(), runner,
                                               retries=_VOTE_ATTEMPTS, delay=_VOTE_RETRY_DELAY)
    finally:
        runner.Close()
    if not agreed:
        print("%s; use --no-voting if you understand what it does to the cluster" % why,
              file=sys.stderr)
    return agreed


def PrepMasterd(options: Any, args: list[str]) -> tuple[GanetiContext, Any]:
    """Everything that can fail before we report being started."""
    cfg = config.ConfigWriter()
    context = GanetiContext(cfg, rpc.RpcRunner(cfg))
    cfg.SetWriteHook(lambda written: _DistributeConfig(context, written))
    replicator = RpcReplicator(context.rpc, context.OtherMasterCandidates)
    # The queue lock first: it proves no other master daemon uses this queue,
    # so that the socket file found next can only be a stale one.
    context.jobqueue = jqueue.JobQueue(context, replicator=replicator, start=False)
    server = luxi_server.LuxiServer(pathutils.MASTER_SOCKET, ClientOps(context))
    try:
        server.Start()
    except OSError as err:
        context.jobqueue.Shutdown(0)
        raise errors.GenericError("Cannot listen on %s: %s" % (pathutils.MASTER_SOCKET, err))
    context.jobqueue.Start()
    return context, server


def ExecMasterd(options: Any, args: list[str], prepared: tuple[GanetiContext, Any]) -> None:
    context, server = prepared
    options.shutdown.Wait()
    logging.info("Shutting down: no new jobs, waiting up to %ss for running opcodes",
                 options.shutdown_timeout)
    assert context.jobqueue is not None
    context.jobqueue.Shutdown(options.shutdown_timeout)
    server.Stop()


def Main() -> None:
    parser = daemon.BuildOptionParser(constants.MASTERD)
    parser.add_option("--no-voting", dest="no_voting", action="store_true", default=False,
                      help="Do not check that the other nodes agree this node is the master")
    parser.add_option("--yes-do-it", dest="yes_do_it", action="store_true", default=False,
                      help="Confirm --no-voting")
    parser.add_option("--shutdown-timeout", dest="shutdown_timeout", type="float",
                      default=DEFAULT_SHUTDOWN_TIMEOUT,
                      help="Seconds running opcodes get to finish at shutdown"
                           " (default: %default)")
    daemon.GenericMain(constants.MASTERD, parser, CheckMasterd, PrepMasterd, ExecMasterd)
