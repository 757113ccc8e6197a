"""ganeti.backend.node: version, node facts, test delay, powercycle (never for real)."""

import pytest

from ganeti import backend, constants, utils
from ganeti.backend import node


def test_version():
    assert node.GetVersion() == constants.PROTOCOL_VERSION


def test_node_info_host_facts():
    info = node.GetNodeInfo(None, None)
    assert info["memory_total"] > 0 and 0 <= info["memory_free"] <= info["memory_total"]
    assert info["cpu_total"] >= 1 and info["cpu_sockets"] >= 1
    assert info["bootid"] and len(info["bootid"]) == 36
    assert "vg_size" not in info


def test_node_info_hypervisor_and_vg(monkeypatch):
    from ganeti.storage import lvm
    monkeypatch.setattr(lvm, "GetVGInfo", lambda names: [lvm.VGInfo(names[0], 20480, 1024,
                                                                     "wz--n-", 1, 3)])
    info = node.GetNodeInfo("xenvg", constants.HT_FAKE)
    assert (info["vg_size"], info["vg_free"]) == (20480, 1024)
    assert info["memory_total"] > 0


def test_node_info_missing_vg_and_unknown_hypervisor(monkeypatch):
    from ganeti import errors
    from ganeti.storage import lvm

    def _NoVg(names):
        raise errors.StorageError("Volume group %s not found" % names[0])

    monkeypatch.setattr(lvm, "GetVGInfo", _NoVg)
    info = node.GetNodeInfo("missing", None)
    assert info["vg_size"] is None and info["vg_free"] is None
    with pytest.raises(backend.RPCFail, match="Cannot get node information"):
        node.GetNodeInfo(None, "no-such-hypervisor")


def test_test_delay():
    node.TestDelay(0)
    for bad in (-1, "1", True, None):
        with pytest.raises(backend.RPCFail):
            node.TestDelay(bad)


def test_reboot_uses_sysrq_then_reboot_command(tmp_path):
    trigger = tmp_path / "sysrq-trigger"
    commands = []
    node.Reboot(str(trigger), lambda argv: commands.append(argv) or
                utils.RunResult(1, None, "", "", " ".join(argv)))
    assert trigger.read_text() == "b"
    assert commands == [["reboot", "-n", "-f"]]


def test_reboot_without_sysrq_still_runs_reboot(tmp_path):
    commands = []
    node.Reboot(str(tmp_path / "missing" / "sysrq-trigger"),
                lambda argv: commands.append(argv) or utils.RunResult(0, None, "", "", "r"))
    assert commands == [["reboot", "-n", "-f"]]


class _Exited(Exception):
    pass


def test_powercycle_parent_answers_and_child_reboots(monkeypatch):
    events = []
    monkeypatch.setattr(node.os, "fork", lambda: 4242)
    assert node.PowercycleNode(constants.HT_KVM) == "Reboot scheduled in 5 seconds"
    monkeypatch.setattr(node.os, "fork", lambda: 0)
    monkeypatch.setattr(node.time, "sleep", lambda secs: events.append(("sleep", secs)))
    monkeypatch.setattr(node, "Reboot", lambda: events.append(("reboot",)))

    def _Exit(code):
        events.append(("exit", code))
        raise _Exited()

    monkeypatch.setattr(node.os, "_exit", _Exit)
    with pytest.raises(_Exited):
        node.PowercycleNode(None)
    assert events == [("sleep", node.POWERCYCLE_DELAY), ("reboot",), ("exit", 1)]
