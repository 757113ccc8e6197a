"""tools/vcluster-setup and ganeti.ssh on a real sshd per virtual node."""

import os
import shutil
import subprocess
import sys

import pytest
import testutils

from ganeti.tools import vcluster

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = [sys.executable, os.path.join(TOP, "tools", "vcluster-setup")]

pytestmark = pytest.mark.skipif(not (os.geteuid() == 0 and os.path.exists(vcluster.SSHD)
                                     and shutil.which("ssh")),
                                reason="needs root, sshd and ssh")


@pytest.fixture
def vc(tmp_path):
    directory = str(tmp_path / "vc")
    subprocess.run(TOOL + ["create", directory, "-n", "3", "--net", testutils.RandomLoopbackNet()],
                   check=True, capture_output=True)
    cluster = vcluster.VirtualCluster(directory)
    yield cluster
    cluster.Stop()


def test_layout(vc):
    assert [n["name"] for n in vc.nodes] == ["node%d.example.com" % i for i in (1, 2, 3)]
    for node in vc.nodes:
        with open(node["root"] + "/etc/ganeti/hosts") as fh:
            hosts = fh.read()
        assert "%s node1.example.com node1" % vc.nodes[0]["ip"] in hosts
    env = subprocess.run(TOOL + ["env", vc.directory, "node2"], check=True,
                         capture_output=True, text=True).stdout
    assert "export GANETI_HOSTNAME=node2.example.com" in env
    assert "export GANETI_ROOTDIR=%s" % vc.nodes[1]["root"] in env


def test_ssh_between_nodes_and_stop_by_pid(vc):
    out = "\n".join(vc.Start())
    assert out.count("sshd of") == 3
    script = (
        "from ganeti import ssh\n"
        "pub = open(ssh.GetHostKeyFiles()[1]).read()\n"
        "ssh.WriteKnownHostsFile('cluster.example.com', pub)\n"
        "r = ssh.SshRunner('cluster.example.com')\n"
        "print(r.VerifyNodeHostname('node3.example.com'))\n"
        "print(r.Run('node2', 'root', 'echo $GANETI_ROOTDIR').stdout.strip())\n"
        "bad = ssh.SshRunner('other-cluster').Run('node2', 'root', 'true')\n"
        "print('alias-refused', bad.failed)\n")
    result = vc.Run("node1", [sys.executable, "-c", script], timeout=60)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "(True, 'hostname verified')"
    assert lines[1] == vc.nodes[1]["root"], "the SSH session runs as the target node"
    assert lines[2] == "alias-refused True", "strict host key checking stays on"
    pids = [vc.SshdPid(n["name"]) for n in vc.nodes]
    assert all(pids)
    vc.Stop()
    assert not any(os.path.exists("/proc/%d" % pid) and _NotZombie(pid) for pid in pids)
    status = subprocess.run(TOOL + ["status", vc.directory], check=True, capture_output=True,
                            text=True).stdout
    assert "sshd" not in status


def _NotZombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_bad_arguments(tmp_path):
    result = subprocess.run(TOOL + ["create", str(tmp_path / "x"), "--net", "10.0.0"],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "127.A.B" in result.stderr
    result = subprocess.run(TOOL + ["start", str(tmp_path / "nothing")], capture_output=True,
                            text=True)
    assert result.returncode == 1 and "not a virtual cluster" in result.stderr
