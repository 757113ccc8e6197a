"""ganeti.backend.master: the master IP, on recorded output and in a network namespace."""

import os
import subprocess
import sys

import pytest

from ganeti import backend, utils
from ganeti.backend import master

IP_ADDR_SHOW = (
    "2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\\"
    "       valid_lft forever preferred_lft forever\n") + """\
2: eth0    inet 192.0.2.1/32 scope global eth0:0\\       valid_lft forever preferred_lft forever
2: eth0    inet6 2001:db8:0:0::1/128 scope global \\       valid_lft forever preferred_lft forever
2: eth0    inet6 fe80::5054:ff:fe12:3456/64 scope link \\       valid_lft forever preferred_lft forever
"""


def test_parse_ip_addresses():
    assert master.ParseIpAddresses(IP_ADDR_SHOW) == [
        "192.0.2.10", "192.0.2.1", "2001:db8:0:0::1", "fe80::5054:ff:fe12:3456"]


class _FakeIp:
    def __init__(self, shown=""):
        self.shown = shown
        self.commands = []

    def __call__(self, argv):
        self.commands.append(argv)
        stdout = self.shown if argv[:3] == ["ip", "-o", "address"] else ""
        return utils.RunResult(0, None, stdout, "", " ".join(argv))


@pytest.fixture
def fake_ip(monkeypatch):
    def _Make(shown=""):
        fake = _FakeIp(shown)
        monkeypatch.setattr(master.utils, "RunCmd", fake)
        monkeypatch.setattr(master.netutils, "TcpPing", lambda *a, **kw: False)
        monkeypatch.setattr(master.shutil, "which", lambda name: "/usr/bin/" + name)
        return fake
    return _Make


def test_activate_command_lines(fake_ip):
    fake = fake_ip()
    master.ActivateMasterIp("192.0.2.1", "eth0")
    assert fake.commands == [
        ["ip", "-o", "address", "show", "dev", "eth0"],
        ["ip", "address", "add", "192.0.2.1/32", "dev", "eth0", "label", "eth0:0"],
        ["arping", "-q", "-U", "-c", "3", "-I", "eth0", "-s", "192.0.2.1", "192.0.2.1"],
    ]
    fake = fake_ip()
    master.ActivateMasterIp("2001:db8::1", "verylongdevname")
    assert fake.commands[1] == ["ip", "address", "add", "2001:db8::1/128", "dev",
                                "verylongdevname"]
    assert len(fake.commands) == 2


def test_activate_and_deactivate_are_idempotent(fake_ip):
    fake = fake_ip(IP_ADDR_SHOW)
    master.ActivateMasterIp("2001:db8::1", "eth0")
    assert len(fake.commands) == 1
    master.DeactivateMasterIp("192.0.2.1", "eth0")
    assert fake.commands[-1] == ["ip", "address", "del", "192.0.2.1/32", "dev", "eth0"]
    fake = fake_ip("")
    master.DeactivateMasterIp("192.0.2.1", "eth0")
    assert len(fake.commands) == 1


def test_activate_refuses_an_ip_in_use(fake_ip, monkeypatch):
    fake = fake_ip()
    monkeypatch.setattr(master.netutils, "TcpPing", lambda *a, **kw: True)
    with pytest.raises(backend.RPCFail, match="in use"):
        master.ActivateMasterIp("192.0.2.1", "eth0")
    assert len(fake.commands) == 1


@pytest.mark.parametrize("ip,dev", [("192.0.2.300", "eth0"), ("192.0.2.1", "eth0; reboot"),
                                    ("192.0.2.1", ""), (None, "eth0")])
def test_invalid_arguments(fake_ip, ip, dev):
    fake = fake_ip()
    with pytest.raises(backend.RPCFail, match="Invalid"):
        master.ActivateMasterIp(ip, dev)
    assert fake.commands == []


_IN_NETNS = """
import subprocess, sys
from ganeti.backend import master
master.ActivateMasterIp("10.201.202.203", "lo")
master.ActivateMasterIp("10.201.202.203", "lo")
up = subprocess.run(["ip", "-o", "address", "show", "dev", "lo"], capture_output=True, text=True).stdout
master.DeactivateMasterIp("10.201.202.203", "lo")
down = subprocess.run(["ip", "-o", "address", "show", "dev", "lo"], capture_output=True, text=True).stdout
print(up.count("10.201.202.203/32"), "lo:0" in up, down.count("10.201.202.203"))
"""


def test_real_ip_commands_in_a_network_namespace():
    if os.geteuid() != 0 or subprocess.run(["unshare", "--net", "true"],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root and unshare)")
    out = subprocess.run(["unshare", "--net", sys.executable, "-c", _IN_NETNS],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "True", "0"]
