"""RpcRunner: the master's call_<procedure> methods, generated from ganeti.rpc.defs.

    runner = rpc.RpcRunner(cfg)
    result = runner.call_version(["node1", "node2"])   # MULTI: {node: RpcResult}
    runner.call_node_powercycle("node3", "kvm").Raise("Powercycle failed")

Node names become addresses through a resolver: with a ConfigWriter, a
node's primary IP from the configuration (offline nodes are not contacted;
names not in the configuration yet, as during node add, are resolved by
name); standalone (bootstrap, tools, tests), a StaticResolver or the host
name resolver.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterable, Mapping, Sequence

from ganeti import constants, errors, netutils
from ganeti.rpc import defs
from ganeti.rpc.client import EncodeBody, RpcClient, RpcResult, Target

Resolver = Callable[[Sequence[str]], list[Target]]


def _ResolveName(name: str) -> Target:
    try:
        return Target(name, netutils.Hostname.Resolve(name)[1])
    except errors.ResolverError:
        return Target(name, None)


def HostnameResolver(names: Sequence[str]) -> list[Target]:
    """Addresses by name resolution (the node's hosts file, then DNS)."""
    return [_ResolveName(name) for name in names]


class StaticResolver:
    """Addresses from a fixed {name: ip} mapping; other names by resolution."""

    def __init__(self, addresses: Mapping[str, str], offline: Iterable[str] = ()):
        self.addresses = dict(addresses)
        self.offline = frozenset(offline)

    def __call__(self, names: Sequence[str]) -> list[Target]:
        return [Target(n, self.addresses[n], n in self.offline) if n in self.addresses
                else _ResolveName(n) for n in names]


class ConfigResolver:
    """Addresses and offline flags from the cluster configuration."""

    def __init__(self, cfg: Any):
        self.cfg = cfg

    def __call__(self, names: Sequence[str]) -> list[Target]:
        targets = []
        for name in names:
            node = self.cfg.GetNodeInfo(name)
            if node is None:
                targets.append(_ResolveName(name))
            else:
                targets.append(Target(name, node.primary_ip, bool(node.offline)))
        return targets


def _MakeResolver(source: Any) -> Resolver:
    if source is None:
        return HostnameResolver
    if hasattr(source, "GetNodeInfo"):
        return ConfigResolver(source)
    if callable(source):
        return source
    raise errors.ProgrammerError("RpcRunner needs a ConfigWriter or a resolver, not %r"
                                 % (source,))


class RpcRunner:
    """Calls procedures on node daemons; one call_<name> method per procedure.

    Keep one runner per process (masterd has one): it owns the kept-alive
    connections to the nodes.
    """

    def __init__(self, cfg_or_resolver: Any = None, port: int = constants.DEFAULT_NODED_PORT,
                 cert_file: str | None = None):
        self._resolver = _MakeResolver(cfg_or_resolver)
        self._client = RpcClient(port=port, cert_file=cert_file)

    def Call(self, name: str, nodes: str | Sequence[str], args: Sequence[Any] = (),
             timeout: float | None = None) -> RpcResult | dict[str, RpcResult]:
        """Call a procedure by name, optionally overriding its timeout.

        nodes is one name for SINGLE procedures (returns an RpcResult) and a
        list for MULTI ones (returns {node: RpcResult}).
        """
        proc = defs.GetProcedure(name)
        if proc is None:
            raise errors.ProgrammerError("Unknown RPC procedure %r" % name)
        single = proc.kind == defs.SINGLE
        if single != isinstance(nodes, str):
            raise errors.ProgrammerError("RPC %s takes %s" % (name, "one node name" if single
                                                              else "a list of node names"))
        node_list = [nodes] if isinstance(nodes, str) else list(nodes)
        body = EncodeBody(proc.EncodeArgs(args))
        if timeout is None:
            timeout = proc.GetTimeout(args)
        results = self._client.Call(proc.name, self._resolver(node_list), body, timeout)
        if proc.postproc is not None:
            for result in results.values():
                if result.fail_msg is None:
                    result.payload = proc.postproc(result.payload)
        return results[nodes] if isinstance(nodes, str) else results

    def Close(self) -> None:
        """Close kept-alive connections (e.g. after the cluster certificate changed)."""
        self._client.Close()


def _MakeCallMethod(proc: defs.Procedure) -> Callable[..., Any]:
    def _Call(self: RpcRunner, nodes: Any, *args: Any) -> Any:
        return self.Call(proc.name, nodes, args)

    target = "node" if proc.kind == defs.SINGLE else "node_list"
    arg_names = (list(inspect.signature(proc.prepare).parameters) if proc.prepare is not None
                 else [a.name for a in proc.args])
    names = ", ".join([target] + arg_names)
    _Call.__name__ = _Call.__qualname__ = "call_" + proc.name
    _Call.__doc__ = "%s.\n\ncall_%s(%s)" % (proc.doc, proc.name, names)
    return _Call


for _proc in defs.PROCEDURES:
    setattr(RpcRunner, "call_" + _proc.name, _MakeCallMethod(_proc))
del _proc
