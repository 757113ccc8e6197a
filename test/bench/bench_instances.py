#!/usr/bin/env python3
"""Benchmark: instance operations from the CLI on a real 3-node virtual cluster.

Run by hand (needs root, sshd, ssh; qemu and the test guest for the KVM part):

    .venv/bin/python test/bench/bench_instances.py [-n ROUNDS] [--no-kvm]

Prints the median wall-clock seconds of `gnt-instance add` and `gnt-instance
remove -f` of a diskless fake-hypervisor instance (on the master node and on
another node), and of add (file disk, OS install, start) + shutdown +
remove of a KVM instance booting the test guest. Each figure is the whole
command as an administrator runs it: process start, luxi, job, locks, RPC,
hooks, configuration write and distribution.
"""

from __future__ import annotations

import optparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [TOP, os.path.join(TOP, "test"), os.path.join(TOP, "test", "hypervisor")]

import vclusterutils  # noqa: E402


def _Timed(tc: vclusterutils.TestCluster, *argv: str) -> float:
    start = time.perf_counter()
    tc.Gnt(tc.names[0], *argv)
    return time.perf_counter() - start


def _FakeRounds(tc: vclusterutils.TestCluster, rounds: int, pnode: str) -> tuple[list, list]:
    adds, removes = [], []
    for idx in range(rounds):
        name = "bench%d" % idx
        adds.append(_Timed(tc, "gnt-instance", "add", "-t", "diskless", "-o", "busybox",
                           "-n", pnode, "--no-name-check", "-H", "fake", name))
        removes.append(_Timed(tc, "gnt-instance", "remove", "-f", name))
    return adds, removes


def _KvmRounds(tc: vclusterutils.TestCluster, rounds: int) -> list[float]:
    import hvtestutils
    guest = hvtestutils.EnsureGuest()
    if guest is None or shutil.which("qemu-system-x86_64") is None:
        print("KVM: skipped (no qemu or test guest)")
        return []
    hv = "kvm:kernel_path=%s,initrd_path=%s,root_path=,kernel_args=quiet" % guest
    totals = []
    for idx in range(rounds):
        name = "kvmbench%d" % idx
        start = time.perf_counter()
        tc.Gnt(tc.names[0], "gnt-instance", "add", "-t", "file", "--disk", "0:size=8M", "-o",
               "busybox+marker", "-n", tc.names[1], "--no-name-check", "--no-nics", "-H", hv,
               name)
        tc.Gnt(tc.names[0], "gnt-instance", "shutdown", "--timeout", "0", name)
        tc.Gnt(tc.names[0], "gnt-instance", "remove", "-f", name)
        totals.append(time.perf_counter() - start)
    return totals


def _Report(label: str, values: list[float]) -> None:
    if values:
        print("%-52s median %.3f s  (min %.3f, max %.3f, n=%d)"
              % (label, statistics.median(values), min(values), max(values), len(values)))


def main() -> int:
    parser = optparse.OptionParser(usage="%prog [-n ROUNDS] [--no-kvm]")
    parser.add_option("-n", "--rounds", type="int", default=20)
    parser.add_option("--no-kvm", dest="kvm", action="store_false", default=True)
    opts, _ = parser.parse_args()
    if not vclusterutils.TestCluster.Available():
        print("needs root, sshd and ssh")
        return 1
    # An installed ganeti has compiled bytecode; a source tree run with
    # PYTHONDONTWRITEBYTECODE would compile every module at every command.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="gnt-bench-pyc-")
    with vclusterutils.TestCluster(nodes=3) as tc:
        tc.Init(hypervisors="fake,kvm")
        tc.AddNodes()
        for node in tc.names:
            shutil.copytree(os.path.join(TOP, "tools", "os", "ganeti-os-busybox"),
                            tc.Root(node) + "/srv/ganeti/os/busybox")
        version = subprocess.run([sys.executable, "-V"], capture_output=True, text=True)
        print("3-node virtual cluster, %s, %d rounds" % (version.stdout.strip(), opts.rounds))
        _FakeRounds(tc, 2, tc.names[0])  # warm up masterd's connections and caches
        for pnode in (tc.names[0], tc.names[1]):
            adds, removes = _FakeRounds(tc, opts.rounds, pnode)
            where = "master" if pnode == tc.names[0] else "other node"
            _Report("fake diskless add (%s)" % where, adds)
            _Report("fake diskless remove (%s)" % where, removes)
        if opts.kvm:
            _Report("kvm add (file disk, OS, start) + stop + remove",
                    _KvmRounds(tc, max(3, opts.rounds // 4)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
