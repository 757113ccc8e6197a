"""Real ganeti-noded processes for tests and benchmarks.

Each node gets its own GANETI_ROOTDIR under a base directory, its own name
and 127.x.y.z address (random x.y per cluster) and the standard port; all
nodes share one cluster certificate, which the caller (the "master") uses
too. Daemons are started as the real daemon (detaching, pid file) and
stopped by the pid they wrote.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import testutils

from ganeti import rpc
from ganeti.utils import process, x509

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODED = os.path.join(TOP, "daemons", "ganeti-noded")
CERT_REL = "/var/lib/ganeti/server.pem"
PIDFILE_REL = "/var/run/ganeti/ganeti-noded.pid"
LOGFILE_REL = "/var/log/ganeti/noded.log"


class Node:
    """One node daemon: its root, name and address."""

    def __init__(self, base: str, name: str, address: str):
        self.name = name
        self.address = address
        self.root = os.path.join(base, name)
        self.pid = 0

    def Path(self, path: str) -> str:
        """A cluster path (/var/lib/ganeti/...) as this node's local path."""
        return self.root + path

    def Env(self) -> dict[str, str]:
        return dict(os.environ, GANETI_ROOTDIR=self.root, GANETI_HOSTNAME=self.name)

    def Start(self, *args: str) -> subprocess.CompletedProcess:
        """Run ganeti-noded -b <address> [args]; it returns once the daemon serves."""
        result = subprocess.run([sys.executable, NODED, "-b", self.address, *args],
                                env=self.Env(), capture_output=True, text=True, timeout=60)
        if result.returncode == 0:
            self.pid = process.ReadPidFile(self.Path(PIDFILE_REL))
        return result

    def Signal(self, signum: int) -> None:
        if self.pid:
            os.kill(self.pid, signum)

    def Log(self) -> str:
        try:
            with open(self.Path(LOGFILE_REL)) as fh:
                return fh.read()
        except FileNotFoundError:
            return ""


class NodedCluster:
    """count nodes named node<i>.example.com at <net>.<i>, sharing one certificate."""

    def __init__(self, base: str, count: int, reaper: testutils.Reaper):
        self.base = base
        self.reaper = reaper
        self.net = testutils.RandomLoopbackNet()
        self.cert = os.path.join(base, "cluster.pem")
        x509.GenerateSelfSignedSslCert(self.cert, "cluster.example.com")
        self.nodes = [Node(base, "node%d.example.com" % i, "%s.%d" % (self.net, i))
                      for i in range(1, count + 1)]
        for node in self.nodes:
            os.makedirs(os.path.dirname(node.Path(CERT_REL)))
            shutil.copy(self.cert, node.Path(CERT_REL))

    def Start(self, mlock: bool = False) -> None:
        for node in self.nodes:
            result = node.Start(*([] if mlock else ["--no-mlock"]))
            if result.returncode != 0:
                raise AssertionError("ganeti-noded failed to start: %s" % result.stderr)
            self.reaper.Add(node.pid)

    def Resolver(self) -> rpc.StaticResolver:
        return rpc.StaticResolver({n.name: n.address for n in self.nodes})

    def Runner(self, cert_file: str | None = None) -> rpc.RpcRunner:
        """An RpcRunner acting as this cluster's master."""
        return rpc.RpcRunner(self.Resolver(), cert_file=cert_file or self.cert)

    def Names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def Stop(self) -> None:
        """SIGCONT (in case a test stopped one) and SIGTERM every daemon."""
        for node in self.nodes:
            for signum in (signal.SIGCONT, signal.SIGTERM):
                try:
                    node.Signal(signum)
                except ProcessLookupError:
                    break
