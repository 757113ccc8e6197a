"""The logical unit: what one opcode does, in four steps.

A LU's life, driven by ganeti.mcpu.Processor:
  CheckArguments → ExpandNames (declare needed_locks) → for each lock level:
  DeclareLocks(level), acquire → CheckPrereq (read config, verify) → pre hooks
  → Exec(feedback_fn) → post hooks.
With op.dry_run the processor stops after CheckPrereq.
"""

from __future__ import annotations

from typing import Any, Callable

from ganeti import errors, locking
from ganeti.hypervisor.hv_base import CheckGlobalHvParams  # noqa: F401 - LUs import it from here

LOCKS_REPLACE = "replace"
LOCKS_APPEND = "append"

FeedbackFn = Callable[[str], None]


class LogicalUnit:
    """Base of every logical unit.

    Subclasses set HPATH/HTYPE to run hooks (None: no hooks), REQ_BGL to
    take the big cluster lock exclusively, and fill needed_locks in
    ExpandNames: {level: [names] | locking.ALL_SET}.
    """

    HPATH: str | None = None
    HTYPE: str | None = None
    REQ_BGL = True

    def __init__(self, processor: Any, op: Any, context: Any, rpc_runner: Any):
        self.proc = processor
        self.op = op
        self.context = context
        self.cfg = context.cfg
        self.glm = context.glm
        self.rpc = rpc_runner
        self.needed_locks: dict[int, Any] | None = None
        self.share_locks = dict.fromkeys(locking.LEVELS, 0)
        self.recalculate_locks: dict[int, str] = {}
        # Locks the processor creates (held) instead of acquiring, and deletes after Exec.
        self.add_locks: dict[int, Any] = {}
        self.remove_locks: dict[int, Any] = {}
        self.dry_run_result: Any = None
        self.LogWarning = processor.LogWarning
        self.LogInfo = processor.LogInfo
        self.LogStep = processor.LogStep
        self.CheckArguments()

    def CheckArguments(self) -> None:
        """Check opcode arguments that need no cluster state (no locks held)."""

    def ExpandNames(self) -> None:
        """Canonicalise names and declare needed_locks; must be overridden."""
        raise NotImplementedError

    def DeclareLocks(self, level: int) -> None:
        """Compute locks of a level from those already held (e.g. nodes of locked instances)."""

    def CheckPrereq(self) -> None:
        """Check the cluster state with the locks held; raise OpPrereqError if unmet."""

    def Exec(self, feedback_fn: FeedbackFn) -> Any:
        raise NotImplementedError

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        """(environment without GANETI_ prefix, pre-hook nodes, post-hook nodes)."""
        raise NotImplementedError

    def HooksCallBack(self, phase: str, hook_results: Any, feedback_fn: FeedbackFn,
                      lu_result: Any) -> Any:
        """Let the LU look at hook results; returns the (possibly new) LU result."""
        return lu_result

    # --- helpers for subclasses ------------------------------------------
    def owned_locks(self, level: int) -> set[str]:
        return set(self.glm.list_owned(level))

    def _ExpandAndLockInstance(self) -> None:
        """Canonicalise op.instance_name (name or UUID) and lock that instance."""
        if self.needed_locks is None:
            self.needed_locks = {}
        self.op.instance_name = ExpandInstanceName(self.cfg, self.op.instance_name)
        self.needed_locks[locking.LEVEL_INSTANCE] = self.op.instance_name

    def _LockInstancesNodes(self, primary_only: bool = False) -> None:
        """In DeclareLocks(LEVEL_NODE): lock the nodes of the locked instances."""
        wanted = []
        for name in self.owned_locks(locking.LEVEL_INSTANCE):
            inst = self.cfg.GetInstanceInfo(name)
            wanted.append(inst.primary_node)
            if not primary_only:
                wanted.extend(getattr(inst, "secondary_nodes", []) or [])
        if self.recalculate_locks.get(locking.LEVEL_NODE) == LOCKS_APPEND:
            current = self.needed_locks.get(locking.LEVEL_NODE) or []
            if current is locking.ALL_SET:
                return
            wanted = list(current) + wanted
        self.needed_locks[locking.LEVEL_NODE] = sorted(set(wanted))
        self.recalculate_locks.pop(locking.LEVEL_NODE, None)


class NoHooksLU(LogicalUnit):
    """A logical unit that runs no hooks."""

    HPATH = None
    HTYPE = None

    def BuildHooksEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        raise AssertionError("BuildHooksEnv called for NoHooksLU")


class QueryLU(NoHooksLU):
    """Read-only LUs: shared BGL, no other locks unless op.use_locking."""

    REQ_BGL = False


def _Expand(kind: str, name: str, expand_fn: Callable[[str], str | None]) -> str:
    full = expand_fn(name)
    if full is None:
        raise errors.OpPrereqError("%s '%s' not known" % (kind, name), errors.ECODE_NOENT)
    return full


def ExpandInstanceName(cfg: Any, name: str) -> str:
    """Full instance name from a name, a unique prefix or a UUID."""
    return _Expand("Instance", name, cfg.ExpandInstanceName)


def ExpandNodeName(cfg: Any, name: str) -> str:
    """Full node name from a name, a unique prefix or a UUID."""
    return _Expand("Node", name, cfg.ExpandNodeName)


def CheckNodeOnline(cfg: Any, node: str, msg: str | None = None) -> None:
    if cfg.GetNodeInfo(node).offline:
        raise errors.OpPrereqError(msg or "Can't use offline node %s" % node, errors.ECODE_STATE)


def CheckNodeNotDrained(cfg: Any, node: str) -> None:
    if cfg.GetNodeInfo(node).drained:
        raise errors.OpPrereqError("Can't use drained node %s" % node, errors.ECODE_STATE)
