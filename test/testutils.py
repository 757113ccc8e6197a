"""Helpers shared by test suites."""

from __future__ import annotations

import os
import random
import signal
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def RandomLoopbackNet() -> str:
    """A random '127.A.B' prefix, so that concurrent test runs never share addresses."""
    return "127.%d.%d" % (random.randint(16, 250), random.randint(1, 250))


def WaitFor(fn: Callable[[], T], timeout: float = 10.0, interval: float = 0.01,
            what: str = "condition") -> T:
    """Poll fn until it returns a true value; fail the test after timeout.

    Only for waiting on other processes (daemons coming up), never for
    ordering threads inside one test.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("Timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


class Reaper:
    """Remembers PIDs and kills them (TERM, then KILL) at the end of a test."""

    def __init__(self):
        self.pids: list[int] = []

    def Add(self, pid: int) -> int:
        self.pids.append(pid)
        return pid

    def KillAll(self, grace: float = 3.0) -> None:
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for pid in self.pids:
            while time.monotonic() < deadline and _Alive(pid):
                time.sleep(0.01)
            if _Alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.pids = []


def _Alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def MakeCluster(cfg_file: str, nodes: int = 3, net: str = "127.0.0",
                domain: str = "example.com", hypervisor: str = "fake",
                candidates: int | None = None):
    """Write a config.data for a cluster of `nodes` nodes and return a ConfigWriter.

    node1 (the master) is at <net>.1, node2 at <net>.2, ...; the first
    `candidates` nodes (default: all) are master candidates.
    """
    from ganeti import config, objects
    names = ["node%d.%s" % (i, domain) for i in range(1, nodes + 1)]
    cluster = objects.Cluster(cluster_name="cluster." + domain, master_node=names[0],
                              master_ip="%s.254" % net, master_netdev="lo",
                              enabled_hypervisors=[hypervisor])
    master = objects.Node(name=names[0], primary_ip="%s.1" % net)
    config.InitConfig(cluster, master, cfg_file)
    cfg = config.ConfigWriter(cfg_file, offline=True)
    limit = nodes if candidates is None else candidates
    for idx, name in enumerate(names[1:], start=2):
        cfg.AddNode(objects.Node(name=name, primary_ip="%s.%d" % (net, idx),
                                 master_candidate=idx <= limit), "init")
    return cfg
