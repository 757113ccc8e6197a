"""Slow tests: a KVM guest's NIC in bridged and routed mode, inside a network namespace.

qemu runs inside a namespace the test creates (the hypervisor is driven from
a child process started with `ip netns exec`), kvm-ifup wires the tap as the
NIC mode says, and the test pings the guest from that namespace.
"""

import json
import os
import random
import subprocess
import sys
import time

import guestutils
import hvtestutils
import pytest

from ganeti import constants

pytestmark = pytest.mark.slow

_START = ("import json, sys\n"
          "from ganeti import objects\n"
          "from ganeti.hypervisor import hv_kvm\n"
          "inst = objects.Instance.FromDict(json.loads(sys.argv[1]))\n"
          "hv_kvm.KVMHypervisor(run_dir=sys.argv[2]).StartInstance(inst, [])\n")


def _NsRun(ns, *args, check=True):
    return subprocess.run(["ip", "netns", "exec", ns] + list(args), capture_output=True,
                          text=True, check=check)


@pytest.fixture
def netns():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    name = "gnt-kvm-%d" % random.randint(0, 10 ** 9)
    res = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("cannot create a network namespace: %s" % res.stderr.strip())
    try:
        _NsRun(name, "ip", "link", "set", "lo", "up")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture(scope="module")
def guest():
    return guestutils.RequireGuest()


@pytest.fixture
def node():
    n = guestutils.KvmNode()
    yield n
    n.Cleanup()


def _StartInNs(ns, node, inst):
    res = _NsRun(ns, sys.executable, "-c", _START, json.dumps(inst.ToDict()), node.run_dir,
                 check=False)
    assert res.returncode == 0, res.stderr
    return guestutils.Serial(node.Paths(inst.name).serial)


def _Ping(ns, ip, timeout=30.0):
    """Ping (busybox's, busybox-static is a dependency) until the guest answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _NsRun(ns, "busybox", "ping", "-c", "1", "-W", "1", ip, check=False).returncode == 0:
            return True
    return False


def _Tap(ns):
    links = json.loads(_NsRun(ns, "ip", "-j", "link", "show", "type", "tun").stdout)
    assert len(links) == 1, links
    return links[0]


def test_bridged_nic(guest, node, netns):
    _NsRun(netns, "ip", "link", "add", "br-gnt", "type", "bridge")
    _NsRun(netns, "ip", "addr", "add", "10.99.0.1/24", "dev", "br-gnt")
    _NsRun(netns, "ip", "link", "set", "br-gnt", "up")
    nic = hvtestutils.Nic("aa:00:00:99:00:02", constants.NIC_MODE_BRIDGED, "br-gnt")
    inst = hvtestutils.MakeInstance(name="br1", nics=[nic], hvparams=guestutils.GuestParams(
        guest, "guest_name=br1 guest_ip=10.99.0.2/24"))
    serial = _StartInNs(netns, node, inst)
    serial.WaitFor(b"GANETI-GUEST-UP br1")
    tap = _Tap(netns)
    assert tap["master"] == "br-gnt"
    assert _Ping(netns, "10.99.0.2"), serial.data[-3000:]
    node.hv.StopInstance(inst, force=True)
    serial.Close()


def test_routed_nic(guest, node, netns):
    # The host side's own address (the guest's replies go to it).
    _NsRun(netns, "ip", "addr", "add", "10.98.0.1/32", "dev", "lo")
    nic = hvtestutils.Nic("aa:00:00:98:00:02", constants.NIC_MODE_ROUTED, "", "10.98.0.2")
    inst = hvtestutils.MakeInstance(name="rt1", nics=[nic], hvparams=guestutils.GuestParams(
        guest, "guest_name=rt1 guest_ip=10.98.0.2/32 guest_gw=dev"))
    serial = _StartInNs(netns, node, inst)
    serial.WaitFor(b"GANETI-GUEST-UP rt1")
    tap = _Tap(netns)
    assert "master" not in tap
    routes = json.loads(_NsRun(netns, "ip", "-j", "route", "show", "10.98.0.2").stdout)
    assert [(r["dst"], r["dev"]) for r in routes] == [("10.98.0.2", tap["ifname"])]
    assert _Ping(netns, "10.98.0.2"), serial.data[-3000:]
    node.hv.StopInstance(inst, force=True)
    serial.Close()
