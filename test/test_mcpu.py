"""Tests for ganeti.mcpu.Processor: locking with retries, dry run, hooks."""

import threading

import pytest
from jqtestutils import OpWithoutLu

from ganeti import cmdlib, constants, errors, locking, mcpu, opcodes, pathutils
from ganeti.cmdlib.base import LogicalUnit, NoHooksLU


class _Result:
    def __init__(self, payload=None, fail_msg=None, offline=False):
        self.payload, self.fail_msg, self.offline = payload, fail_msg, offline


class _Rpc:
    def __init__(self):
        self.hook_calls = []
        self.hook_status = constants.HKR_SUCCESS

    def call_hooks_runner(self, nodes, hpath, phase, env):
        self.hook_calls.append((list(nodes), hpath, phase, env))
        return {node: _Result([("%s/10-check" % hpath, self.hook_status, "output")])
                for node in nodes}


class _Cfg:
    def __init__(self):
        self.write_count = 0
        self.dropped = []

    def GetClusterName(self):
        return "cluster.example.com"

    def GetMasterNode(self):
        return "node1"

    def DropECReservations(self, ec_id):
        self.dropped.append(ec_id)


class _Context:
    def __init__(self):
        self.glm = locking.GanetiLockManager(["node1", "node2"], ["inst1"])
        self.cfg = _Cfg()
        self.rpc = _Rpc()


class _Callbacks(mcpu.OpExecCbBase):
    def __init__(self, cancel_after=None):
        self.events = []
        self.checks = 0
        self._cancel_after = cancel_after

    def NotifyWaiting(self):
        self.events.append("waiting")

    def NotifyStart(self):
        self.events.append("start")

    def Feedback(self, *args):
        self.events.append(args)

    def CheckCancel(self):
        self.checks += 1
        if self._cancel_after is not None and self.checks > self._cancel_after:
            raise RuntimeError("canceled")


class _NodeLU(NoHooksLU):
    """Wants node2 exclusively; records what it was asked to do."""

    REQ_BGL = False

    def ExpandNames(self):
        self.needed_locks = {locking.LEVEL_NODE: ["node2"]}

    def CheckPrereq(self):
        self.op.steps.append("prereq")
        self.dry_run_result = "would do it"

    def Exec(self, feedback_fn):
        self.op.steps.append("exec")
        feedback_fn("working")
        self.LogInfo("about %s", "it")
        return sorted(self.owned_locks(locking.LEVEL_NODE))


class _HookedLU(LogicalUnit):
    HPATH = "instance-start"
    HTYPE = constants.HTYPE_INSTANCE
    REQ_BGL = False

    def ExpandNames(self):
        self.needed_locks = {}

    def BuildHooksEnv(self):
        return {"INSTANCE_NAME": "inst1", "EMPTY": None}, ["node1"], ["node1", "node2"]

    def Exec(self, feedback_fn):
        self.op.steps.append("exec")
        return True


class _AddLockLU(NoHooksLU):
    """Adds inst2's lock as LUInstanceCreate does: doomed until the object exists."""

    def ExpandNames(self):
        self.needed_locks = {}
        self.add_locks[locking.LEVEL_INSTANCE] = "inst2"
        self.remove_locks[locking.LEVEL_INSTANCE] = "inst2"

    def Exec(self, feedback_fn):
        del self.remove_locks[locking.LEVEL_INSTANCE]
        return sorted(self.owned_locks(locking.LEVEL_INSTANCE))


class _RemoveLockLU(NoHooksLU):
    def ExpandNames(self):
        self.needed_locks = {locking.LEVEL_INSTANCE: "inst2"}
        self.remove_locks[locking.LEVEL_INSTANCE] = "inst2"

    def Exec(self, feedback_fn):
        return True


@pytest.fixture(autouse=True)
def lu_override(monkeypatch):
    real = cmdlib.GetLUClass
    monkeypatch.setattr(cmdlib, "GetLUClass", lambda op: getattr(op, "test_lu", None) or real(op))


def _Op(lu_class=None, **kwargs):
    op = opcodes.OpTestDelay(duration=0, **kwargs)
    op.test_lu = lu_class
    op.steps = []
    return op


def _Fast():
    return locking.LockAttemptTimeoutStrategy(attempts=2, start=0.01, cap=0.05, backoff=0)


def test_runs_lu_with_locks_and_feedback():
    ctx = _Context()
    cbs = _Callbacks()
    op = _Op(_NodeLU)
    assert mcpu.Processor(ctx, 17).ExecOpCode(op, cbs) == ["node2"]
    assert op.steps == ["prereq", "exec"]
    assert cbs.events == ["start", ("working",), (" - INFO: about it",)]
    assert not any(lock["owner"] for lock in ctx.glm.QueryLocks())
    assert ctx.cfg.dropped == [17]


def test_real_test_delay_lu():
    assert mcpu.Processor(_Context(), 1).ExecOpCode(opcodes.OpTestDelay(duration=0)) is True


def test_busy_lock_retries_then_succeeds_without_holding_locks_meanwhile():
    ctx = _Context()
    holder_has, holder_go = threading.Event(), threading.Event()

    def _Holder():
        ctx.glm.acquire(locking.LEVEL_CLUSTER, [locking.BGL], shared=1)
        ctx.glm.acquire(locking.LEVEL_NODE, ["node2"])
        holder_has.set()
        holder_go.wait(10)
        ctx.glm.release(locking.LEVEL_NODE)
        ctx.glm.release(locking.LEVEL_CLUSTER)

    class _Cbs(_Callbacks):
        def CheckCancel(self):
            super().CheckCancel()
            if self.checks == 4:  # second attempt timed out too: let the holder go
                holder_go.set()

    holder = threading.Thread(target=_Holder)
    holder.start()
    assert holder_has.wait(10)
    cbs = _Cbs()
    result = mcpu.Processor(ctx, 2, strategy_factory=_Fast).ExecOpCode(_Op(_NodeLU), cbs)
    holder.join(10)
    assert result == ["node2"]
    assert cbs.events.count("waiting") >= 2 and cbs.events[-3] == "start"
    assert cbs.checks >= 4


def test_cancel_while_waiting_leaves_no_lock_held():
    ctx = _Context()
    ctx.glm.acquire(locking.LEVEL_CLUSTER, [locking.BGL])  # exclusive: everybody waits
    result = {}

    def _Run():
        try:
            mcpu.Processor(ctx, 3, strategy_factory=_Fast).ExecOpCode(
                _Op(_NodeLU), _Callbacks(cancel_after=1))
        except RuntimeError as err:
            result["error"] = str(err)

    runner = threading.Thread(target=_Run, name="Job3/Worker1")
    runner.start()
    runner.join(10)
    ctx.glm.release(locking.LEVEL_CLUSTER)
    assert result == {"error": "canceled"}
    bgl = [lock for lock in ctx.glm.QueryLocks() if lock["name"] == "cluster/BGL"][0]
    assert bgl["owner"] == [] and bgl["pending"] == []


def test_dry_run_stops_after_check_prereq():
    ctx = _Context()
    op = _Op(_NodeLU, dry_run=True)
    assert mcpu.Processor(ctx, 4).ExecOpCode(op, _Callbacks()) == "would do it"
    assert op.steps == ["prereq"]


def test_hooks_environment_and_phases():
    ctx = _Context()
    op = _Op(_HookedLU)
    assert mcpu.Processor(ctx, 5).ExecOpCode(op, _Callbacks()) is True
    (pre_nodes, hpath, pre, env), (post_nodes, _, post, post_env) = ctx.rpc.hook_calls
    assert (pre_nodes, hpath, pre, post_nodes, post) == (
        ["node1"], "instance-start", "pre", ["node1", "node2"], "post")
    assert env["GANETI_HOOKS_VERSION"] == str(constants.HOOKS_VERSION)
    assert env["GANETI_OP_CODE"] == "OP_TEST_DELAY"
    assert env["GANETI_OBJECT_TYPE"] == "INSTANCE"
    assert env["GANETI_DATA_DIR"] == pathutils.DATA_DIR
    assert env["GANETI_HOOKS_PATH"] == "instance-start" and env["GANETI_HOOKS_PHASE"] == "pre"
    assert env["GANETI_CLUSTER"] == "cluster.example.com" and env["GANETI_MASTER"] == "node1"
    assert env["GANETI_INSTANCE_NAME"] == "inst1" and env["GANETI_EMPTY"] == ""
    assert post_env["GANETI_HOOKS_PHASE"] == "post"


def test_failing_pre_hook_aborts_and_post_hook_only_warns():
    ctx = _Context()
    ctx.rpc.hook_status = constants.HKR_FAIL
    op = _Op(_HookedLU)
    with pytest.raises(errors.HooksAbort):
        mcpu.Processor(ctx, 6).ExecOpCode(op, _Callbacks())
    assert op.steps == []

    class _PostOnly(_Rpc):
        def call_hooks_runner(self, nodes, hpath, phase, env):
            self.hook_status = constants.HKR_FAIL if phase == "post" else constants.HKR_SUCCESS
            return super().call_hooks_runner(nodes, hpath, phase, env)

    ctx.rpc = _PostOnly()
    cbs = _Callbacks()
    op = _Op(_HookedLU)
    assert mcpu.Processor(ctx, 7).ExecOpCode(op, cbs) is True
    warnings = [e[0] for e in cbs.events if isinstance(e, tuple) and "WARNING" in e[0]]
    assert len(warnings) == 2 and "instance-start/10-check failed on node" in warnings[0]


def test_added_and_removed_locks():
    ctx = _Context()
    assert mcpu.Processor(ctx, 8).ExecOpCode(_Op(_AddLockLU)) == ["inst2"]
    assert "inst2" in ctx.glm._names(locking.LEVEL_INSTANCE)
    assert mcpu.Processor(ctx, 9).ExecOpCode(_Op(_RemoveLockLU)) is True
    assert ctx.glm._names(locking.LEVEL_INSTANCE) == {"inst1"}


class _AddLockThenFailLU(_AddLockLU):
    def CheckPrereq(self):
        raise errors.OpPrereqError("no such thing after all", errors.ECODE_NOENT)


def test_added_lock_goes_when_the_lu_fails():
    ctx = _Context()
    with pytest.raises(errors.OpPrereqError):
        mcpu.Processor(ctx, 8).ExecOpCode(_Op(_AddLockThenFailLU))
    assert ctx.glm._names(locking.LEVEL_INSTANCE) == {"inst1"}
    assert mcpu.Processor(ctx, 9).ExecOpCode(_Op(_AddLockLU)) == ["inst2"], \
        "the name can be used again"


class _AddLockThenFailLateLU(_AddLockLU):
    def Exec(self, feedback_fn):
        super().Exec(feedback_fn)
        raise errors.OpExecError("added, but could not be started")


def test_added_lock_stays_when_the_lu_fails_after_creating_the_object():
    ctx = _Context()
    with pytest.raises(errors.OpExecError):
        mcpu.Processor(ctx, 8).ExecOpCode(_Op(_AddLockThenFailLateLU))
    assert ctx.glm._names(locking.LEVEL_INSTANCE) == {"inst1", "inst2"}, \
        "the object exists, so must its lock"


def test_adding_a_lock_another_job_added_is_a_clear_error():
    ctx = _Context()
    ctx.glm.acquire(locking.LEVEL_CLUSTER, [locking.BGL], shared=1)
    ctx.glm.add(locking.LEVEL_INSTANCE, "inst2")  # a concurrent creation of that name
    ctx.glm.release(locking.LEVEL_CLUSTER)
    with pytest.raises(errors.OpPrereqError, match="Couldn't add locks .inst2., probably"
                       " because another job added them first") as err:
        mcpu.Processor(ctx, 8).ExecOpCode(_Op(_AddLockLU))
    assert err.value.args[1] == errors.ECODE_EXISTS
    assert "inst2" in ctx.glm._names(locking.LEVEL_INSTANCE), "the other job's lock stays"


def test_opcode_without_lu_is_refused():
    with pytest.raises(errors.OpCodeUnknown, match="OpWithoutLu"):
        mcpu.Processor(_Context(), 10).ExecOpCode(OpWithoutLu(duration=0))
