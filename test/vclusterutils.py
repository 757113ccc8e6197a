"""A real multi-node virtual cluster for integration tests.

    with vclusterutils.TestCluster(nodes=3) as tc:   # vcluster-setup create + start
        tc.Init()                                     # gnt-cluster init on node1
        tc.AddNodes()                                 # gnt-node add node2 node3
        out = tc.Gnt("node1", "gnt-node", "list", "-o", "name,role").stdout

Every node has its own root, address (a random 127.A.B.0/24 so parallel runs
never clash), sshd and daemons; leaving the block stops everything by pid,
removes the master IP if a failed test left it on lo, and deletes the
directory. Needs root, sshd and ssh (`TestCluster.Available()`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import testutils

from ganeti.tools import vcluster
from ganeti.utils import process

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CommandFailed(AssertionError):
    pass


class TestCluster:
    """A virtual cluster in a short temporary directory (Unix socket paths are short)."""

    def __init__(self, nodes: int = 3):
        self.directory = tempfile.mkdtemp(prefix="vc", dir="/tmp")
        self.net = testutils.RandomLoopbackNet()
        self.vc = vcluster.VirtualCluster.Create(os.path.join(self.directory, "c"), nodes,
                                                 self.net, "example.com")
        self.names = [n["name"] for n in self.vc.nodes]
        self.cluster_name = "cluster.example.com"
        self.master_ip = "%s.254" % self.net

    @staticmethod
    def Available() -> bool:
        return (os.geteuid() == 0 and os.path.exists(vcluster.SSHD)
                and shutil.which("ssh") is not None)

    def __enter__(self) -> "TestCluster":
        try:
            self.vc.Start()
        except BaseException:
            self.Cleanup()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.Cleanup()

    def Cleanup(self) -> None:
        try:
            self.vc.Stop()
        finally:
            process.RunCmd(["ip", "address", "del", "%s/32" % self.master_ip, "dev", "lo"])
            shutil.rmtree(self.directory, ignore_errors=True)

    # --- running commands as a node ---------------------------------------------
    def Root(self, node: str) -> str:
        return self.vc.GetNode(node)["root"]

    def Run(self, node: str, argv: list[str], check: bool = True,
            timeout: float = 180) -> subprocess.CompletedProcess:
        """Run argv in node's environment (argv[0] looked up in the tree's PATH)."""
        env = dict(os.environ, **self.vc.Env(node))
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise CommandFailed("%s on %s failed (%d):\n%s%s" % (" ".join(argv), node,
                                                                 result.returncode,
                                                                 result.stdout, result.stderr))
        return result

    def Gnt(self, node: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.Run(node, list(argv), check=check)

    def Python(self, node: str, code: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run Python code as node (for reading its ssconf, talking RPC, ...)."""
        return self.Run(node, [sys.executable, "-c", code], check=check)

    # --- cluster steps ---------------------------------------------------------------
    def Init(self, *extra: str, hypervisors: str = "fake") -> subprocess.CompletedProcess:
        return self.Gnt(self.names[0], "gnt-cluster", "init",
                        "--enabled-hypervisors=%s" % hypervisors, *extra, self.cluster_name)

    def AddNodes(self, names: list[str] | None = None) -> None:
        for name in names or self.names[1:]:
            self.Gnt(self.names[0], "gnt-node", "add", name)

    def NodeList(self, node: str, fields: str = "name,role") -> list[list[str]]:
        out = self.Gnt(node, "gnt-node", "list", "--no-headers", "--separator=|", "-o",
                       fields).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def DaemonPids(self) -> dict[str, dict[str, int]]:
        """{node: {daemon: pid}} of the ganeti daemons running now."""
        return {row["name"]: {entry.split("(")[0]: int(entry.split("(")[1].rstrip(")"))
                              for entry in row["running"] if not entry.startswith("sshd")}
                for row in self.vc.Status()}
