"""A real ganeti-masterd in its own GANETI_ROOTDIR, for integration tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile

import testutils

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASTERD = os.path.join(TOP, "daemons", "ganeti-masterd")
MASTER_NAME = "node1.example.com"


class MasterDaemon:
    """One master node's root: config (one node), ssconf, and the daemon process."""

    def __init__(self, hostname: str = MASTER_NAME):
        # Short path: the socket name must fit a sockaddr_un.
        self.root = tempfile.mkdtemp(prefix="gnt", dir="/tmp")
        self.hostname = hostname
        self.data_dir = os.path.join(self.root, "var/lib/ganeti")
        self.queue_dir = os.path.join(self.data_dir, "queue")
        self.socket = os.path.join(self.root, "var/run/ganeti/socket/ganeti-master")
        self.pid_file = os.path.join(self.root, "var/run/ganeti/ganeti-masterd.pid")
        self.log_file = os.path.join(self.root, "var/log/ganeti/masterd.log")
        self.pid: int | None = None
        os.makedirs(self.data_dir)
        self._WriteCluster()

    def _WriteCluster(self) -> None:
        from ganeti import ssconf
        cfg = testutils.MakeCluster(os.path.join(self.data_dir, "config.data"), nodes=1,
                                    net="127.0.0")
        ssconf.WriteSsconfFiles(cfg.GetSsconfValues(), ssconf_dir=self.data_dir)

    def Env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, GANETI_ROOTDIR=self.root, GANETI_HOSTNAME=self.hostname)
        env.update(extra)
        return env

    def Start(self, *args: str, reaper=None, check: bool = True) -> subprocess.CompletedProcess:
        """Run ganeti-masterd; it returns once the daemon listens (or failed)."""
        result = subprocess.run([sys.executable, MASTERD] + list(args), env=self.Env(),
                                capture_output=True, text=True, timeout=60)
        if check:
            assert result.returncode == 0, result.stderr + self.Log()
            with open(self.pid_file) as fh:
                self.pid = int(fh.read())
            if reaper is not None:
                reaper.Add(self.pid)
        return result

    def Kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.pid is not None
        os.kill(self.pid, sig)

    def WaitGone(self, timeout: float = 30) -> None:
        testutils.WaitFor(lambda: not _Alive(self.pid), timeout=timeout, what="masterd exit")

    def Client(self):
        from ganeti import luxi
        return luxi.Client(self.socket)

    def Log(self) -> str:
        try:
            with open(self.log_file) as fh:
                return fh.read()
        except FileNotFoundError:
            return ""

    def Cleanup(self) -> None:
        if self.pid is not None and _Alive(self.pid):
            self.Kill()
            self.WaitGone()
        shutil.rmtree(self.root, ignore_errors=True)


def _Alive(pid: int | None) -> bool:
    from ganeti.utils import process
    return process.IsProcessAlive(pid)
