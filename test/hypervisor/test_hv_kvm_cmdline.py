"""Tests of the qemu command line built for the main parameter combinations."""

import hvtestutils
import pytest

from ganeti import constants, errors, objects
from ganeti.hypervisor.hv_kvm import cmdline
from ganeti.hypervisor.hv_kvm.runtime import RuntimePaths, StartSpec

PATHS = RuntimePaths("/run/kvm", "inst1")


def _Build(hvparams=None, nics=None, disks=(), port=None, accel="tcg", **kwargs):
    inst = hvtestutils.MakeInstance(name="inst1", hvparams=hvtestutils.KvmParams(**(hvparams or {})),
                                    memory=256, vcpus=2, nics=nics, network_port=port)
    spec = StartSpec.FromInstance(inst, list(disks))
    scripts = ["/run/kvm/nic/inst1/%d" % i for i in range(len(spec.nics))]
    return cmdline.BuildCommandLine(spec, PATHS, accel, scripts, **kwargs)


def _Opt(argv, flag):
    """Values following every occurrence of flag."""
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


def test_basics():
    argv = _Build()
    assert argv[0] == "qemu-system-x86_64"
    assert _Opt(argv, "-name") == ["inst1"]
    assert _Opt(argv, "-m") == ["256"] and _Opt(argv, "-smp") == ["2"]
    assert _Opt(argv, "-machine") == ["pc,accel=tcg"]
    assert "-daemonize" in argv and _Opt(argv, "-pidfile") == ["/run/kvm/pid/inst1"]
    assert _Opt(argv, "-qmp") == ["unix:/run/kvm/ctrl/inst1.qmp,server=on,wait=off"]
    assert _Opt(argv, "-serial") == ["unix:/run/kvm/ctrl/inst1.serial,server=on,wait=off"]
    assert _Opt(argv, "-uuid") == ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    assert _Opt(argv, "-boot") == ["order=c"]
    assert _Opt(argv, "-display") == ["none"] and "-vnc" not in argv
    assert "-S" not in argv and "-incoming" not in argv


def test_accel_and_acpi():
    assert _Opt(_Build(accel="kvm"), "-machine") == ["pc,accel=kvm"]
    assert _Opt(_Build({constants.HV_ACPI: False}), "-machine") == ["pc,accel=tcg,acpi=off"]


def test_kernel_boot():
    argv = _Build({constants.HV_KERNEL_PATH: "/boot/vmlinuz", constants.HV_INITRD_PATH: "/boot/initrd",
                   constants.HV_ROOT_PATH: "/dev/vda1", constants.HV_KERNEL_ARGS: "ro quiet"})
    assert _Opt(argv, "-kernel") == ["/boot/vmlinuz"]
    assert _Opt(argv, "-initrd") == ["/boot/initrd"]
    assert _Opt(argv, "-append") == ["root=/dev/vda1 console=ttyS0,38400 ro quiet"]


def test_no_kernel_no_append_and_no_serial():
    argv = _Build({constants.HV_KERNEL_PATH: "", constants.HV_SERIAL_CONSOLE: False})
    assert "-kernel" not in argv and "-append" not in argv
    assert _Opt(argv, "-serial") == ["none"]


@pytest.mark.parametrize("order,letter", [("disk", "c"), ("cdrom", "d"), ("network", "n")])
def test_boot_order(order, letter):
    argv = _Build({constants.HV_BOOT_ORDER: order, constants.HV_CDROM_IMAGE_PATH: "/iso/x.iso"})
    assert _Opt(argv, "-boot") == ["order=%s" % letter]


def test_disks_types_cache_and_readonly():
    disks = [(objects.Disk(dev_type="file", mode="rw"), "/srv/disk0"),
             (objects.Disk(dev_type="file", mode=constants.DISK_RDONLY), "/srv/odd,name")]
    argv = _Build({constants.HV_DISK_TYPE: "ide", constants.HV_DISK_CACHE: "writethrough"}, disks=disks)
    assert _Opt(argv, "-drive") == [
        "file=/srv/disk0,format=raw,if=ide,cache=writethrough",
        "file=/srv/odd,,name,format=raw,if=ide,cache=writethrough,readonly=on"]
    argv = _Build(disks=disks[:1])
    assert _Opt(argv, "-drive") == ["file=/srv/disk0,format=raw,if=virtio"]


def test_cdrom():
    argv = _Build({constants.HV_CDROM_IMAGE_PATH: "/iso/d.iso"})
    assert _Opt(argv, "-drive") == ["file=/iso/d.iso,format=raw,media=cdrom,if=ide,readonly=on"]


def test_nics():
    nics = [hvtestutils.Nic("aa:00:00:00:00:01"),
            hvtestutils.Nic("aa:00:00:00:00:02", constants.NIC_MODE_ROUTED, "", "192.0.2.5")]
    argv = _Build(nics=nics)
    assert _Opt(argv, "-netdev") == [
        "tap,id=hostnet0,script=/run/kvm/nic/inst1/0,downscript=no",
        "tap,id=hostnet1,script=/run/kvm/nic/inst1/1,downscript=no"]
    assert _Opt(argv, "-device") == ["virtio-net-pci,netdev=hostnet0,mac=aa:00:00:00:00:01",
                                     "virtio-net-pci,netdev=hostnet1,mac=aa:00:00:00:00:02"]
    argv = _Build({constants.HV_NIC_TYPE: "e1000"}, nics=nics[:1])
    assert _Opt(argv, "-device") == ["e1000,netdev=hostnet0,mac=aa:00:00:00:00:01"]


def test_nic_scripts_must_match():
    inst = hvtestutils.MakeInstance(nics=[hvtestutils.Nic("aa:00:00:00:00:01")])
    with pytest.raises(errors.ProgrammerError):
        cmdline.BuildCommandLine(StartSpec.FromInstance(inst, []), PATHS, "tcg", [])


def test_vnc_tcp_with_password_and_tls():
    argv = _Build({constants.HV_VNC_BIND_ADDRESS: "0.0.0.0",
                   constants.HV_VNC_PASSWORD_FILE: "/etc/ganeti/vnc-cluster-password"}, port=5903)
    assert _Opt(argv, "-vnc") == ["0.0.0.0:3,password=on"]
    assert _Opt(argv, "-vga") == ["std"]
    argv = _Build({constants.HV_VNC_BIND_ADDRESS: "::1", constants.HV_VNC_TLS: True,
                   constants.HV_VNC_X509: "/etc/x509", constants.HV_VNC_X509_VERIFY: True}, port=5910)
    assert _Opt(argv, "-vnc") == ["[::1]:10,tls-creds=vnctls0"]
    assert _Opt(argv, "-object") == [
        "tls-creds-x509,id=vnctls0,endpoint=server,dir=/etc/x509,verify-peer=on"]


def test_vnc_unix_socket_and_missing_port():
    argv = _Build({constants.HV_VNC_BIND_ADDRESS: "/run/vnc.sock"})
    assert _Opt(argv, "-vnc") == ["unix:/run/vnc.sock"]
    with pytest.raises(errors.HypervisorError, match="no usable VNC port"):
        _Build({constants.HV_VNC_BIND_ADDRESS: "127.0.0.1"}, port=None)


def test_misc_options():
    argv = _Build({constants.HV_USB_MOUSE: "tablet", constants.HV_USE_LOCALTIME: True,
                   constants.HV_SECURITY_MODEL: "user", constants.HV_SECURITY_DOMAIN: "kvmuser",
                   constants.HV_KVM_USE_CHROOT: True})
    assert "-usb" in argv and "usb-tablet" in _Opt(argv, "-device")
    assert _Opt(argv, "-rtc") == ["base=localtime"]
    assert _Opt(argv, "-runas") == ["kvmuser"]
    assert _Opt(argv, "-chroot") == ["/run/kvm/chroot/inst1"]


def test_paused_and_incoming():
    assert "-S" in _Build(startup_paused=True)
    argv = _Build(incoming="tcp:192.0.2.1:8102")
    assert _Opt(argv, "-incoming") == ["tcp:192.0.2.1:8102"]
    assert "-S" not in argv
