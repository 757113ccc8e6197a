"""Running logical units for real (mcpu.Processor, locks, ConfigWriter) against a fake RPC."""

from __future__ import annotations

import os
from typing import Any, Callable

import testutils

from ganeti import locking, mcpu


class FakeResult:
    """An RpcResult look-alike."""

    def __init__(self, node: str, payload: Any = None, fail_msg: str | None = None):
        self.node, self.payload, self.fail_msg, self.offline = node, payload, fail_msg, False

    def Raise(self, msg: str) -> None:
        if self.fail_msg:
            from ganeti import errors
            raise errors.OpExecError("%s: %s" % (msg, self.fail_msg))


class FakeRpc:
    """Records calls; answers from handlers {procedure: fn(node, *args) -> payload}.

    A handler may raise RuntimeError(msg) to make that node's call fail.
    Procedures without a handler succeed with payload None.
    """

    def __init__(self, handlers: dict[str, Callable[..., Any]] | None = None):
        self.handlers = {"hooks_runner": lambda node, *args: []}
        self.handlers.update(handlers or {})
        self.calls: list[tuple[str, Any, tuple]] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if not name.startswith("call_"):
            raise AttributeError(name)
        proc = name[5:]

        def _Call(nodes: Any, *args: Any) -> Any:
            self.calls.append((proc, nodes, args))
            single = isinstance(nodes, str)
            results = {}
            for node in [nodes] if single else list(nodes):
                try:
                    payload = self.handlers[proc](node, *args) if proc in self.handlers else None
                    results[node] = FakeResult(node, payload)
                except RuntimeError as err:
                    results[node] = FakeResult(node, fail_msg=str(err))
            return results[nodes] if single else results
        return _Call

    def Called(self, proc: str) -> list[tuple[Any, tuple]]:
        return [(nodes, args) for name, nodes, args in self.calls if name == proc]


class FakeContext:
    """What LUs use of the master's context."""

    def __init__(self, cfg: Any, rpc: FakeRpc):
        self.cfg = cfg
        self.rpc = rpc
        self.glm = locking.GanetiLockManager(cfg.GetNodeList(), cfg.GetInstanceList())
        self.readded: list[str] = []

    def AddNode(self, node: Any, ec_id: Any) -> None:
        self.cfg.AddNode(node, ec_id)
        self.glm.add(locking.LEVEL_NODE, node.name)

    def ReaddNode(self, node: Any) -> None:
        self.readded.append(node.name)

    def RemoveNode(self, name: str) -> None:
        self.cfg.RemoveNode(name)
        self.glm.remove(locking.LEVEL_NODE, name)


class _Feedback(mcpu.OpExecCbBase):
    def __init__(self) -> None:
        self.messages: list[str] = []

    def Feedback(self, *args: Any) -> None:
        self.messages.append(str(args[-1]))


class LUHarness:
    """A cluster config (testutils.MakeCluster) plus a fake RPC, running opcodes."""

    def __init__(self, tmp_path: Any, nodes: int = 3, candidates: int | None = None,
                 handlers: dict[str, Callable[..., Any]] | None = None):
        self.cfg = testutils.MakeCluster(os.path.join(str(tmp_path), "config.data"),
                                         nodes=nodes, candidates=candidates)
        self.rpc = FakeRpc(handlers)
        self.context = FakeContext(self.cfg, self.rpc)
        self.feedback = _Feedback()
        self._ec = 0

    def Run(self, op: Any) -> Any:
        op.Validate()
        self._ec += 1
        return mcpu.Processor(self.context, self._ec).ExecOpCode(op, self.feedback)
