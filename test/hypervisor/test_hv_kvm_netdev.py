"""Tests of the NIC up scripts: the per-NIC wrapper and tools/kvm-ifup in a netns."""

import json
import os
import random
import subprocess

import hvtestutils
import pytest

from ganeti.hypervisor.hv_kvm import netdev

IFUP = os.path.join(hvtestutils.TOP, "tools", "kvm-ifup")


def test_finds_source_tree_script():
    assert netdev.FindIfupScript() == IFUP


def test_nic_script_passes_environment(tmp_path):
    dump = tmp_path / "env"
    fake_ifup = tmp_path / "ifup"
    fake_ifup.write_text("#!/bin/sh\nenv > %s\necho \"args=$*\" >> %s\n" % (dump, dump))
    fake_ifup.chmod(0o755)
    nic = {"mac": "aa:00:00:12:34:56", "ip": "192.0.2.7", "mode": "routed", "link": "tab 'x'"}
    script = tmp_path / "nic0"
    script.write_text(netdev.NicScriptText("web1", 0, nic, str(fake_ifup)))
    script.chmod(0o755)
    subprocess.run([str(script), "tap3"], check=True)
    env = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert env["INTERFACE"] == "tap3" and env["args"] == "tap3"
    assert (env["MODE"], env["LINK"], env["IP"], env["MAC"]) == \
        ("routed", "tab 'x'", "192.0.2.7", "aa:00:00:12:34:56")
    assert env["INSTANCE"] == "web1" and env["NIC_INDEX"] == "0"


def test_write_nic_scripts(tmp_path):
    nics = [{"mac": "aa:00:00:00:00:01", "ip": None, "mode": "bridged", "link": "br0"}]
    paths = netdev.WriteNicScripts("web1", nics, lambda i: str(tmp_path / str(i)))
    assert paths == [str(tmp_path / "0")]
    assert os.access(paths[0], os.X_OK)
    assert "exec %s" % IFUP in open(paths[0]).read()
    assert netdev.WriteNicScripts("web1", [], lambda i: "unused") == []


def _Ip(*args, ns=None, check=True):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


@pytest.fixture
def netns():
    """A fresh network namespace with a bridge br0 and a tap device."""
    name = "gnt-hv-%d" % random.randint(0, 10 ** 9)
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    res = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("cannot create a network namespace: %s" % res.stderr.strip())
    try:
        _Ip("ip", "link", "add", "br0", "type", "bridge", ns=name)
        _Ip("ip", "link", "set", "br0", "up", ns=name)
        _Ip("ip", "tuntap", "add", "dev", "tap0", "mode", "tap", ns=name)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def _Ifup(ns, **env):
    full = ["ip", "netns", "exec", ns, "env"] + ["%s=%s" % kv for kv in env.items()] + [IFUP]
    return subprocess.run(full, capture_output=True, text=True)


def _Link(ns, dev):
    return json.loads(_Ip("ip", "-j", "link", "show", dev, ns=ns).stdout)[0]


def test_ifup_bridged(netns):
    res = _Ifup(netns, INTERFACE="tap0", MODE="bridged", LINK="br0", MAC="aa:00:00:00:00:01")
    assert res.returncode == 0, res.stderr
    link = _Link(netns, "tap0")
    assert link["master"] == "br0"
    assert "UP" in link["flags"]


def test_ifup_routed(netns):
    res = _Ifup(netns, INTERFACE="tap0", MODE="routed", LINK="", IP="10.77.0.5")
    assert res.returncode == 0, res.stderr
    routes = json.loads(_Ip("ip", "-j", "route", "show", "10.77.0.5", ns=netns).stdout)
    assert [(r["dst"], r["dev"]) for r in routes] == [("10.77.0.5", "tap0")]
    for knob in ("proxy_arp", "forwarding"):
        value = _Ip("cat", "/proc/sys/net/ipv4/conf/tap0/%s" % knob, ns=netns).stdout.strip()
        assert value == "1", knob
    assert "master" not in _Link(netns, "tap0")


@pytest.mark.parametrize("table", ["100", "main"])
def test_ifup_routed_in_table(netns, table):
    res = _Ifup(netns, INTERFACE="tap0", MODE="routed", LINK=table, IP="10.77.0.6")
    assert res.returncode == 0, res.stderr
    routes = json.loads(_Ip("ip", "-j", "route", "show", "table", table, ns=netns).stdout)
    assert [(r["dst"], r["dev"]) for r in routes] == [("10.77.0.6", "tap0")]


@pytest.mark.parametrize("env,message", [
    ({"MODE": "routed", "LINK": ""}, "routed mode needs the instance IP"),
    ({"MODE": "routed", "LINK": "xen-br0", "IP": "10.77.0.7"},
     "link 'xen-br0' is not a routing table"),
    ({"MODE": "bridged", "LINK": "tap0"}, "tap0 is not a bridge"),
    ({"MODE": "bridged", "LINK": ""}, "bridged mode needs LINK"),
    ({"MODE": "openvswitch", "LINK": "br0"}, "unknown NIC mode 'openvswitch'"),
])
def test_ifup_errors(netns, env, message):
    res = _Ifup(netns, INTERFACE="tap0", **env)
    assert res.returncode != 0
    assert message in res.stderr
