"""A virtual cluster: several ganeti nodes on one machine.

Each node has its own root directory (GANETI_ROOTDIR), its own name
(GANETI_HOSTNAME), its own address in 127.0.0.0/8 and its own daemons on the
standard ports, plus its own sshd on port 22 of its address, so that the
master reaches it over SSH exactly as on real hardware. Names resolve through
the cluster's hosts file (copied into every node's /etc/ganeti/hosts), never
through the machine's /etc/hosts. Everything a virtual cluster starts is
stopped by pid.

Layout of DIR:
  vcluster.json     nodes (name, address, root), the environment for commands
  keys/             the shared SSH host key and root's key (as an admin would
                    have prepared real nodes)
  <short name>/     one node's root
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from ganeti import errors, serializer, ssh
from ganeti.tools import daemon_util
from ganeti.utils import io, process

CONF_NAME = "vcluster.json"
SSHD = "/usr/sbin/sshd"
_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ToolPath() -> list[str]:
    """PATH entries that find this tree's commands and the Python running us."""
    return [os.path.join(_TOP, sub) for sub in ("scripts", "daemons", "tools")] + \
        [os.path.dirname(sys.executable)]


class VirtualCluster:
    """A virtual cluster laid out under a directory."""

    def __init__(self, directory: str):
        self.directory = os.path.abspath(directory)
        try:
            data = serializer.LoadJson(io.ReadFile(os.path.join(self.directory, CONF_NAME)))
        except (OSError, errors.ParseError) as err:
            raise errors.ConfigurationError("%s is not a virtual cluster: %s"
                                            % (self.directory, err)) from err
        self.nodes: list[dict[str, str]] = data["nodes"]
        self.path: list[str] = data["path"]

    # --- creation ---------------------------------------------------------------
    @classmethod
    def Create(cls, directory: str, count: int, net: str, domain: str) -> "VirtualCluster":
        """Lay out count nodes named node1.<domain>... at <net>.1, <net>.2..."""
        directory = os.path.abspath(directory)
        if os.path.exists(os.path.join(directory, CONF_NAME)):
            raise errors.OpPrereqError("%s already holds a virtual cluster" % directory,
                                       errors.ECODE_EXISTS)
        if not 1 <= count <= 250:
            raise errors.OpPrereqError("A virtual cluster has 1 to 250 nodes", errors.ECODE_INVAL)
        parts = net.split(".")
        if len(parts) != 3 or parts[0] != "127" or not all(p.isdigit() for p in parts):
            raise errors.OpPrereqError("The network must look like 127.A.B, not %r" % net,
                                       errors.ECODE_INVAL)
        nodes = []
        for idx in range(1, count + 1):
            short = "node%d" % idx
            nodes.append({"name": "%s.%s" % (short, domain), "short": short,
                          "ip": "%s.%d" % (net, idx), "root": os.path.join(directory, short)})
        conf = {"nodes": nodes, "path": _ToolPath(), "net": net, "domain": domain}
        io.WriteFile(os.path.join(directory, CONF_NAME), serializer.DumpJson(conf, indent=True),
                     mkdir=True)
        vc = cls(directory)
        vc._MakeKeys()
        hosts = "".join("%s %s %s\n" % (n["ip"], n["name"], n["short"]) for n in nodes)
        hosts += "%s.254 cluster.%s cluster\n" % (net, domain)
        io.WriteFile(os.path.join(directory, "hosts"), hosts)
        for node in nodes:
            vc._LayoutNode(node, hosts)
        return vc

    def _KeyPath(self, name: str) -> str:
        return os.path.join(self.directory, "keys", name)

    def _MakeKeys(self) -> None:
        ssh.GenerateKey(self._KeyPath("ssh_host_%s_key" % ssh.HOST_KEY_TYPE), "vcluster-host")
        ssh.GenerateKey(self._KeyPath("id_%s" % ssh.USER_KEY_TYPE), "vcluster-root")

    def _LayoutNode(self, node: dict[str, str], hosts: str) -> None:
        root = node["root"]
        io.WriteFile(root + "/etc/ganeti/hosts", hosts, mkdir=True)
        for name in ("ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"):
            io.WriteFile(root + "/etc/ssh/" + name, io.ReadFile(self._KeyPath(name)),
                         mode=0o600 if not name.endswith(".pub") else 0o644, mkdir=True)
        for name in ("id_ed25519", "id_ed25519.pub"):
            io.WriteFile(root + "/root/.ssh/" + name, io.ReadFile(self._KeyPath(name)),
                         mode=0o600, mkdir=True)
        io.WriteFile(root + "/root/.ssh/authorized_keys",
                     io.ReadFile(self._KeyPath("id_ed25519.pub")), mode=0o600)
        env = self.Env(node["name"])
        setenv = " ".join('"%s=%s"' % (key, value) for key, value in sorted(env.items()))
        io.WriteFile(root + "/etc/ssh/sshd_config", "\n".join([
            "ListenAddress %s:22" % node["ip"],
            "HostKey %s/etc/ssh/ssh_host_ed25519_key" % root,
            "PidFile %s/var/run/sshd.pid" % root,
            "AuthorizedKeysFile %s/root/.ssh/authorized_keys" % root,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PrintMotd no",
            "Subsystem sftp internal-sftp",
            "SetEnv %s" % setenv,
        ]) + "\n", mkdir=True)
        io.EnsureDirs([(root + "/var/run", 0o755)])

    # --- lookups --------------------------------------------------------------------
    def GetNode(self, name: str) -> dict[str, str]:
        for node in self.nodes:
            if name in (node["name"], node["short"], node["ip"]):
                return node
        raise errors.OpPrereqError("No node %r in the virtual cluster %s" % (name, self.directory),
                                   errors.ECODE_NOENT)

    def Env(self, name: str) -> dict[str, str]:
        """The environment that makes commands act as the given node."""
        node = self.GetNode(name)
        return {"GANETI_ROOTDIR": node["root"], "GANETI_HOSTNAME": node["name"],
                "HOME": node["root"] + "/root",
                "PATH": ":".join(self.path + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                              "/usr/bin", "/sbin", "/bin"]),
                "PYTHONPATH": _TOP}

    def FormatEnv(self, name: str) -> str:
        """Shell lines for `eval`: afterwards gnt-* commands act on that node."""
        return "".join("export %s=%s\n" % (key, process.ShellQuoteArgs([value]))
                       for key, value in sorted(self.Env(name).items()))

    def Run(self, name: str, argv: list[str], timeout: float | None = None,
            input_data: str | None = None) -> process.RunResult:
        """Run a command as the given node (same machine, node's environment)."""
        return process.RunCmd(argv, env=self.Env(name), timeout=timeout, input_data=input_data)

    # --- processes ---------------------------------------------------------------------
    def _SshdPidFile(self, node: dict[str, str]) -> str:
        return node["root"] + "/var/run/sshd.pid"

    def SshdPid(self, name: str) -> int:
        pid = process.ReadPidFile(self._SshdPidFile(self.GetNode(name)))
        return pid if process.IsProcessAlive(pid) else 0

    def StartSshd(self, name: str) -> str:
        node = self.GetNode(name)
        if self.SshdPid(name):
            return "sshd of %s already running" % node["name"]
        io.EnsureDirs([("/run/sshd", 0o755)])
        result = process.RunCmd([SSHD, "-f", node["root"] + "/etc/ssh/sshd_config"], timeout=30)
        if result.failed:
            raise errors.CommandError("sshd for %s failed to start (%s): %s"
                                      % (node["name"], result.fail_reason, result.output.strip()))
        return "sshd of %s started on %s:22" % (node["name"], node["ip"])

    def _Daemons(self, name: str, action: str) -> list[str]:
        result = self.Run(name, ["daemon-util", action], timeout=120)
        lines = ["%s: %s" % (self.GetNode(name)["short"], line)
                 for line in result.output.splitlines() if line.strip()]
        if result.failed:
            raise errors.CommandError("daemon-util %s on %s failed: %s"
                                      % (action, name, "; ".join(lines)))
        return lines

    def Start(self, names: list[str] | None = None) -> list[str]:
        """Start sshd and the daemons each node should run."""
        out = []
        for node in self._Select(names):
            out.append(self.StartSshd(node["name"]))
            out += self._Daemons(node["name"], "start-all")
        return out

    def Stop(self, names: list[str] | None = None) -> list[str]:
        """Stop every ganeti daemon and the sshd of the nodes, by pid."""
        out = []
        for node in self._Select(names):
            out += self._KillPids(node)
        return out

    def _KillPids(self, node: dict[str, str]) -> list[str]:
        out = []
        run_dir = node["root"] + "/var/run/ganeti"
        pidfiles = [os.path.join(run_dir, f) for f in sorted(os.listdir(run_dir))
                    if f.endswith(".pid")] if os.path.isdir(run_dir) else []
        pidfiles.append(self._SshdPidFile(node))
        for pidfile in pidfiles:
            pid = process.ReadPidFile(pidfile)
            if pid and process.IsProcessAlive(pid):
                process.KillProcess(pid, timeout=10, waitpid=True)
                out.append("%s: stopped %s (pid %d)" % (node["short"],
                                                         os.path.basename(pidfile)[:-4], pid))
            io.RemoveFile(pidfile)
        return out

    def Status(self) -> list[dict[str, Any]]:
        rows = []
        for node in self.nodes:
            running = []
            env_root = node["root"]
            for name in daemon_util.DAEMON_ORDER:
                pid = process.ReadPidFile("%s/var/run/ganeti/%s.pid" % (env_root, name))
                if process.IsProcessAlive(pid):
                    running.append("%s(%d)" % (name, pid))
            if self.SshdPid(node["name"]):
                running.append("sshd(%d)" % self.SshdPid(node["name"]))
            rows.append({"name": node["name"], "ip": node["ip"], "running": running})
        return rows

    def _Select(self, names: list[str] | None) -> list[dict[str, str]]:
        return [self.GetNode(n) for n in names] if names else list(self.nodes)

    def Destroy(self) -> None:
        self.Stop()
        shutil.rmtree(self.directory)
