"""Helpers for the confd tests and benchmark: a hand-built config and real daemons.

Each daemon gets its own GANETI_ROOTDIR (config.data, hmac.key, ssconf) and
its own 127.x.y.z address, so several "master candidates" run side by side.
(A plain module, not a conftest, so that test/bench/bench_confd.py can use it.)
"""

from __future__ import annotations

import binascii
import copy
import os
import subprocess
import sys

import testutils

from ganeti import constants, serializer, ssconf
from ganeti.confd.view import ConfigView
from ganeti.config import load as config_load
from ganeti.utils import io

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DAEMON = os.path.join(TOP, "daemons", "ganeti-confd")
DOMAIN = "example.com"


def NodeName(idx: int) -> str:
    return "node%d.%s" % (idx, DOMAIN)


def MakeConfig(net: str, serial: int = 1) -> dict:
    """Five nodes (master, candidate, regular, offline, drained), four instances."""
    flags = {1: {"master_candidate": True}, 2: {"master_candidate": True}, 3: {},
             4: {"offline": True}, 5: {"drained": True}}
    nodes = {}
    for idx, extra in flags.items():
        name = NodeName(idx)
        nodes[name] = dict({"name": name, "primary_ip": "%s.%d" % (net, idx),
                            "secondary_ip": "192.168.%d.1" % idx, "uuid": "uuid-node%d" % idx},
                           **extra)

    def instance(idx, pnode, nics):
        return {"name": "inst%d.%s" % (idx, DOMAIN), "primary_node": NodeName(pnode),
                "os": "debootstrap", "hypervisor": "kvm", "nics": nics, "admin_up": True}

    instances = [
        instance(1, 1, [{"mac": "aa:00:00:00:00:01", "ip": "10.0.0.1"}]),
        instance(2, 2, [{"mac": "aa:00:00:00:00:02", "ip": "10.0.0.2"},
                        {"mac": "aa:00:00:00:00:12", "ip": "10.1.0.2",
                         "nicparams": {"mode": "routed", "link": "rt1"}}]),
        instance(3, 3, [{"mac": "aa:00:00:00:00:03", "ip": "10.0.0.3"}]),
        instance(10, 2, [{"mac": "aa:00:00:00:00:10"}]),
    ]
    return {
        "version": constants.CONFIG_VERSION, "serial_no": serial, "ctime": 1, "mtime": 2,
        "cluster": {"cluster_name": "cluster." + DOMAIN, "master_node": NodeName(1),
                    "master_ip": "%s.254" % net, "master_netdev": "lo",
                    "nicparams": {"default": {"mode": "bridged", "link": "br0"}},
                    "enabled_hypervisors": ["kvm"]},
        "nodes": nodes,
        "instances": {i["name"]: i for i in instances},
    }


def ViewOf(data: dict) -> ConfigView:
    cfg, _ = config_load.DictToConfigData(copy.deepcopy(data))
    return ConfigView(cfg)


def NewHmacKey() -> bytes:
    return binascii.hexlify(os.urandom(constants.HMAC_KEY_BYTES)) + b"\n"


class NodeRoot:
    """One node's GANETI_ROOTDIR with the files confd reads."""

    def __init__(self, base: str, name: str, ip: str):
        self.name = name
        self.ip = ip
        self.root = os.path.join(base, name)
        self.data_dir = os.path.join(self.root, "var/lib/ganeti")
        self.cfg_file = os.path.join(self.data_dir, "config.data")
        self.key_file = os.path.join(self.data_dir, "hmac.key")
        self.pid_file = os.path.join(self.root, "var/run/ganeti/%s.pid" % constants.CONFD)
        self.log_file = os.path.join(self.root, "var/log/ganeti/confd.log")
        self.pid: int | None = None

    def WriteConfig(self, data: dict) -> None:
        io.WriteFile(self.cfg_file, serializer.DumpJson(data), mkdir=True, mode=0o600)

    def WriteKey(self, key: bytes) -> None:
        io.WriteFile(self.key_file, key, mkdir=True, mode=0o400)

    def WriteSsconf(self, mc_ips: list[str]) -> None:
        ssconf.WriteSsconfFiles({constants.SS_MASTER_CANDIDATES_IPS: "\n".join(mc_ips) + "\n"},
                                self.data_dir)

    def Env(self) -> dict:
        env = dict(os.environ)
        env["GANETI_ROOTDIR"] = self.root
        env["GANETI_HOSTNAME"] = self.name
        env["PYTHONPATH"] = os.pathsep.join([TOP] + [p for p in env.get("PYTHONPATH", "")
                                                     .split(os.pathsep) if p])
        return env

    def RunDaemon(self, *args: str) -> subprocess.CompletedProcess:
        """Start ganeti-confd (it returns once serving, or fails)."""
        return subprocess.run([sys.executable, DAEMON, *args], env=self.Env(),
                              capture_output=True, text=True, timeout=60)

    def ReadLog(self) -> str:
        try:
            return io.ReadFile(self.log_file)
        except OSError:
            return ""


class Cluster:
    """A few master candidates, each with a running ganeti-confd."""

    def __init__(self, base: str, reaper: testutils.Reaper):
        self.net = testutils.RandomLoopbackNet()
        self.key = NewHmacKey()
        self.config = MakeConfig(self.net)
        self._base = base
        self._reaper = reaper
        self.nodes: dict[int, NodeRoot] = {}

    def Node(self, idx: int) -> NodeRoot:
        if idx not in self.nodes:
            self.nodes[idx] = NodeRoot(self._base, NodeName(idx), "%s.%d" % (self.net, idx))
        return self.nodes[idx]

    def Start(self, idx: int, config: dict | None = None, *extra: str) -> NodeRoot:
        node = self.Node(idx)
        node.WriteConfig(config or self.config)
        node.WriteKey(self.key)
        node.WriteSsconf(self.CandidateIps())
        result = node.RunDaemon("-b", node.ip, *extra)
        assert result.returncode == 0, (result.returncode, result.stderr, node.ReadLog())
        node.pid = self._reaper.Add(int(io.ReadFile(node.pid_file)))
        return node

    def CandidateIps(self) -> list[str]:
        return ["%s.%d" % (self.net, idx) for idx in (1, 2)]
