"""Reaching nodes over SSH, the way upstream does: the real OpenSSH client.

The master uses SSH only to bootstrap nodes (node add, cluster merge); all
later work goes through the node daemons. Every node of a cluster shares one
host key, recorded once in the cluster's known_hosts file under the cluster
name (HostKeyAlias), so that host key checking stays strict while nodes come
and go. Names are resolved through ganeti.netutils (a virtual cluster's own
hosts file) and ssh is given the address.
"""

from __future__ import annotations

import os
from typing import Sequence

from ganeti import constants, errors, netutils, pathutils
from ganeti.utils import io, process

SSH_PORT = 22
HOST_KEY_TYPE = "ed25519"
USER_KEY_TYPE = "ed25519"


def GetUserFiles(user: str = "root", mkdir: bool = False) -> tuple[str, str, str]:
    """(private key, public key, authorized_keys) of a user on this node.

    Only root is used by ganeti; its ~/.ssh moves with GANETI_ROOTDIR like
    every other path, so each node of a virtual cluster has its own.
    """
    if user != "root":
        raise errors.ProgrammerError("Only root's SSH files are managed, not %r" % user)
    ssh_dir = pathutils.SSH_ROOT_DIR
    if mkdir:
        io.EnsureDirs([(ssh_dir, constants.SECURE_DIR_MODE)])
    return (os.path.join(ssh_dir, "id_%s" % USER_KEY_TYPE),
            os.path.join(ssh_dir, "id_%s.pub" % USER_KEY_TYPE),
            os.path.join(ssh_dir, "authorized_keys"))


def GetHostKeyFiles() -> tuple[str, str]:
    """(private, public) host key of this node's sshd."""
    base = os.path.join(pathutils.SSH_CONFIG_DIR, "ssh_host_%s_key" % HOST_KEY_TYPE)
    return base, base + ".pub"


def GenerateKey(path: str, comment: str = "ganeti") -> str:
    """Make an SSH key pair (path, path.pub); returns the public key line."""
    io.EnsureDirs([(os.path.dirname(path), constants.SECURE_DIR_MODE)])
    for name in (path, path + ".pub"):
        io.RemoveFile(name)
    result = process.RunCmd(["ssh-keygen", "-q", "-t", USER_KEY_TYPE, "-N", "", "-C", comment,
                             "-f", path])
    if result.failed:
        raise errors.OpExecError("ssh-keygen failed (%s): %s" % (result.fail_reason, result.output))
    return io.ReadFile(path + ".pub").strip()


def AddAuthorizedKey(auth_file: str, key: str) -> None:
    """Append a public key to authorized_keys unless it is already there."""
    key = key.strip()
    try:
        lines = io.ReadFile(auth_file).splitlines()
    except FileNotFoundError:
        lines = []
    if key not in (line.strip() for line in lines):
        io.WriteFile(auth_file, "\n".join(lines + [key]) + "\n", mode=0o600, mkdir=True)


def FormatKnownHostsLine(cluster_name: str, host_pubkey: str) -> str:
    """The known_hosts line that lets every node pass as the cluster name."""
    keytype, key = host_pubkey.split()[:2]
    return "%s %s %s\n" % (cluster_name, keytype, key)


def WriteKnownHostsFile(cluster_name: str, host_pubkey: str,
                        path: str | None = None) -> None:
    io.WriteFile(path or pathutils.SSH_KNOWN_HOSTS_FILE,
                 FormatKnownHostsLine(cluster_name, host_pubkey), mode=0o644, mkdir=True)


class SshRunner:
    """Builds and runs ssh command lines towards the nodes of one cluster."""

    def __init__(self, cluster_name: str, port: int = SSH_PORT):
        self.cluster_name = cluster_name
        self.port = port

    def _Options(self, batch: bool, ask_key: bool, strict_host_check: bool,
                 use_cluster_key: bool, private_key: str | None) -> list[str]:
        opts = ["-oHashKnownHosts=no", "-oLogLevel=ERROR",
                "-oServerAliveInterval=30", "-oConnectTimeout=10",
                "-oGlobalKnownHostsFile=%s" % pathutils.SSH_KNOWN_HOSTS_FILE,
                "-oUserKnownHostsFile=/dev/null", "-p", str(self.port)]
        if use_cluster_key:
            opts.append("-oHostKeyAlias=%s" % self.cluster_name)
        key = private_key or GetUserFiles()[0]
        opts += ["-oIdentitiesOnly=yes", "-i", key]
        if batch:
            opts += ["-oBatchMode=yes", "-oStrictHostKeyChecking=%s"
                     % ("yes" if strict_host_check else "no")]
        elif ask_key:
            opts.append("-oStrictHostKeyChecking=ask")
        else:
            opts.append("-oStrictHostKeyChecking=%s" % ("yes" if strict_host_check else "no"))
        return opts

    def BuildCmd(self, hostname: str, user: str, command: str | Sequence[str],
                 batch: bool = True, ask_key: bool = False, tty: bool = False,
                 use_cluster_key: bool = True, strict_host_check: bool = True,
                 private_key: str | None = None) -> list[str]:
        """The ssh argv that runs command as user on hostname."""
        _, address = netutils.Hostname.Resolve(hostname)
        argv = ["ssh", "-oEscapeChar=none"] + self._Options(batch, ask_key, strict_host_check,
                                                            use_cluster_key, private_key)
        argv.append("-t" if tty else "-T")
        if not isinstance(command, str):
            command = process.ShellQuoteArgs(command)
        argv += ["%s@%s" % (user, address), command]
        return argv

    def Run(self, hostname: str, user: str, command: str | Sequence[str],
            input_data: str | None = None, timeout: float | None = 120,
            **kwargs) -> process.RunResult:
        """Run command on hostname; the result of ssh (and so of the command)."""
        return process.RunCmd(self.BuildCmd(hostname, user, command, **kwargs),
                              input_data=input_data, timeout=timeout)

    def CopyFileToNode(self, node: str, filename: str) -> None:
        """Copy a local file to the same cluster path on node (atomically, same mode).

        The path is taken relative to this node's root and written under the
        target's own root (GANETI_ROOTDIR there), so that on a virtual
        cluster every node gets its own copy; on real nodes both are "/".
        """
        if not os.path.isfile(filename):
            raise errors.OpExecError("Not copying %s: not a regular file" % filename)
        root = pathutils.GetRootDir()
        path = filename[len(root):] if root and filename.startswith(root + "/") else filename
        mode = os.stat(filename).st_mode & 0o7777
        target = '"${GANETI_ROOTDIR}"%s' % process.ShellQuoteArgs([path])
        command = ("set -e; umask 077; mkdir -p \"$(dirname %(t)s)\"; cat > %(t)s.gnt-copy;"
                   " chmod %(mode)o %(t)s.gnt-copy; mv -f %(t)s.gnt-copy %(t)s"
                   % {"t": target, "mode": mode})
        result = self.Run(node, "root", command, input_data=io.ReadFile(filename, binary=True))
        if result.failed:
            raise errors.OpExecError("Copy of %s to node %s failed (%s): %s"
                                     % (filename, node, result.fail_reason, result.output))

    def VerifyNodeHostname(self, node: str) -> tuple[bool, str]:
        """Whether the node, reached by SSH, calls itself node."""
        command = "echo ${GANETI_HOSTNAME:-$(hostname --fqdn)}"
        result = self.Run(node, "root", command, timeout=30)
        if result.failed:
            return False, "SSH to node %s failed (%s): %s" % (node, result.fail_reason,
                                                               result.output.strip())
        remote = result.stdout.strip()
        if remote != node:
            return False, "Node %s says its name is %r" % (node, remote)
        return True, "hostname verified"
