"""Slow tests: the KVM hypervisor boots the real test guest (TCG is fine)."""

import os
import random
import socket
import time

import guestutils
import hvtestutils
import pytest
import testutils

from ganeti import constants, errors, objects, pathutils
from ganeti.backend import os as backend_os
from ganeti.hypervisor.hv_kvm import runtime

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def guest():
    return guestutils.RequireGuest()


@pytest.fixture
def node():
    n = guestutils.KvmNode()
    yield n
    n.Cleanup()


def _FreePort(host: str, low: int, high: int) -> int:
    for _ in range(50):
        port = random.randint(low, high)
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port")


def test_boot_reboot_shutdown(guest, node):
    inst = hvtestutils.MakeInstance(name="boot1", hvparams=guestutils.GuestParams(
        guest, "guest_name=boot1"))
    node.hv.StartInstance(inst, [])
    serial = guestutils.Serial(node.Paths("boot1").serial)
    first = serial.WaitFor(b"GANETI-GUEST-UP boot1")
    assert node.hv.ListInstances() == ["boot1"]
    name, pid, memory, vcpus, state, _ = node.hv.GetInstanceInfo("boot1")
    assert (name, memory, vcpus, state) == ("boot1", 128, 1, "running")
    with pytest.raises(errors.HypervisorError, match="already running"):
        node.hv.StartInstance(inst, [])
    # Soft reboot: the same qemu process, the guest boots again.
    node.hv.RebootInstance(inst)
    serial.WaitFor(b"GANETI-GUEST-UP boot1", start=first)
    assert node.hv.GetInstanceInfo("boot1")[1] == pid
    # Clean shutdown through the ACPI power button: the guest itself powers off.
    node.hv.StopInstance(inst, timeout=60)
    serial.WaitFor(guestutils.POWEROFF, timeout=1)
    serial.Close()
    assert node.hv.ListInstances() == []
    assert runtime.ReadRuntime(node.Paths("boot1")) is None


def test_hard_reboot_and_forced_stop(guest, node):
    inst = hvtestutils.MakeInstance(name="hard1", hvparams=guestutils.GuestParams(
        guest, "guest_name=hard1"))
    node.hv.StartInstance(inst, [])
    serial = guestutils.Serial(node.Paths("hard1").serial)
    serial.WaitFor(b"GANETI-GUEST-UP hard1")
    old_pid = node.hv.GetInstanceInfo("hard1")[1]
    node.hv.StopInstance(inst, force=True)
    serial.Close()
    assert guestutils.POWEROFF not in serial.data  # killed, not powered off
    node.hv.StartInstance(inst, [])
    serial = guestutils.Serial(node.Paths("hard1").serial)
    serial.WaitFor(b"GANETI-GUEST-UP hard1")
    assert node.hv.GetInstanceInfo("hard1")[1] != old_pid
    serial.Close()
    node.hv.StopInstance(inst, force=True)


def test_acpi_timeout_falls_back_to_hard_stop(guest, node):
    """A guest that ignores the power button (ACPI off in qemu) is stopped hard."""
    inst = hvtestutils.MakeInstance(name="noacpi", hvparams=guestutils.GuestParams(
        guest, "guest_name=noacpi", **{constants.HV_ACPI: False}))
    node.hv.StartInstance(inst, [])
    serial = guestutils.Serial(node.Paths("noacpi").serial)
    serial.WaitFor(b"GANETI-GUEST-UP noacpi")
    inst.hvparams[constants.HV_ACPI] = True  # make StopInstance try the power button
    start = time.monotonic()
    node.hv.StopInstance(inst, timeout=2)
    assert time.monotonic() - start >= 2
    assert node.hv.ListInstances() == []
    serial.Close()


def test_vnc_password(guest, node, tmp_path):
    host = testutils.RandomLoopbackNet() + ".1"
    port = _FreePort(host, 5950, 5999)
    pwfile = tmp_path / "vnc-pw"
    pwfile.write_text("s3cret\n")
    inst = hvtestutils.MakeInstance(name="vnc1", network_port=port, hvparams=guestutils.GuestParams(
        guest, "guest_name=vnc1", **{constants.HV_VNC_BIND_ADDRESS: host,
                                     constants.HV_VNC_PASSWORD_FILE: str(pwfile)}))
    node.hv.StartInstance(inst, [])
    types, _ = guestutils.VncAuthenticate(host, port, None)
    assert types == [guestutils.RFB_SEC_VNC_AUTH]  # no "None" security type offered
    assert guestutils.VncAuthenticate(host, port, "wrong")[1] == 1  # failed
    assert guestutils.VncAuthenticate(host, port, "s3cret")[1] == 0  # ok
    node.hv.StopInstance(inst, force=True)


def test_local_migration(guest):
    src, dst = guestutils.KvmNode(), guestutils.KvmNode()
    try:
        port = _FreePort("127.0.0.1", 20000, 30000)
        params = guestutils.GuestParams(guest, "guest_name=mig1",
                                        **{constants.HV_MIGRATION_PORT: port})
        inst = hvtestutils.MakeInstance(name="mig1", hvparams=params)
        src.hv.StartInstance(inst, [])
        serial = guestutils.Serial(src.Paths("mig1").serial)
        serial.WaitFor(b"GANETI-GUEST-UP mig1")
        serial.Close()
        info = src.hv.MigrationInfo(inst)
        dst.hv.AcceptInstance(inst, info, "127.0.0.1")
        assert dst.hv.ListInstances() == ["mig1"]
        src.hv.MigrateInstance(inst, "127.0.0.1", True)
        dst.hv.FinalizeMigration(inst, info, True)
        assert src.hv.ListInstances() == []
        assert dst.hv.ListInstances() == ["mig1"]
        # The migrated guest is alive: it answers the power button on the target.
        serial = guestutils.Serial(dst.Paths("mig1").serial)
        dst.hv.StopInstance(inst, timeout=60)
        serial.WaitFor(guestutils.POWEROFF, timeout=1)
        serial.Close()
    finally:
        src.Cleanup()
        dst.Cleanup()


def test_disks_installed_by_the_os_reach_the_guest(guest, node, tmp_path, monkeypatch):
    """The example OS installs onto a file disk; the guest reads it back as /dev/vda."""
    monkeypatch.setattr(pathutils, "OS_SEARCH_PATH", os.path.join(hvtestutils.TOP, "tools", "os"))
    monkeypatch.setattr(pathutils, "LOG_DIR", str(tmp_path / "log"))
    disk_path = tmp_path / "disk0"
    disk_path.write_bytes(b"\0" * (8 << 20))
    inst = hvtestutils.MakeInstance(name="disk1", hvparams=guestutils.GuestParams(
        guest, "guest_name=disk1"))
    inst.os = "ganeti-os-busybox+marker"
    inst.disks = [objects.Disk(dev_type=constants.LD_FILE, logical_id=["loop", str(disk_path)],
                               size=8, mode=constants.DISK_RDONLY)]
    backend_os.InstanceOsAdd(inst, False, 0, [str(disk_path)])
    node.hv.StartInstance(inst, [(inst.disks[0], str(disk_path))])
    serial = guestutils.Serial(node.Paths("disk1").serial)
    serial.WaitFor(b"GANETI-GUEST-UP disk1")
    assert (b"GANETI-GUEST-DISK GANETI-BUSYBOX-OS variant=marker instance=disk1"
            b" hypervisor=kvm api=15") in serial.data
    serial.Close()
    node.hv.StopInstance(inst, force=True)
