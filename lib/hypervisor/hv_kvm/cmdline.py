"""Building the qemu-system-x86_64 command line of an instance.

Pure functions of a StartSpec, the node's runtime paths and the chosen
accelerator, so that every parameter combination can be unit-tested without
starting qemu. The command line is for qemu 7.x (Debian 12): -netdev/-device
NICs, tls-creds objects for VNC TLS, "password=on" for VNC passwords.
"""

from __future__ import annotations

import os
from typing import Any

from ganeti import constants, errors
from ganeti.hypervisor.hv_kvm.runtime import RuntimePaths, StartSpec

KVM_BINARY = "qemu-system-x86_64"
VNC_BASE_PORT = 5900

_NIC_MODELS = {
    constants.HT_NIC_PARAVIRTUAL: "virtio-net-pci",
    constants.HT_NIC_RTL8139: "rtl8139",
    constants.HT_NIC_NE2K_PCI: "ne2k_pci",
    constants.HT_NIC_E1000: "e1000",
    constants.HT_NIC_I82551: "i82551",
}
_DISK_INTERFACES = {
    constants.HT_DISK_PARAVIRTUAL: "virtio",
    constants.HT_DISK_IDE: "ide",
    constants.HT_DISK_SCSI: "scsi",
    constants.HT_DISK_SD: "sd",
    constants.HT_DISK_MTD: "mtd",
    constants.HT_DISK_PFLASH: "pflash",
}
_BOOT_DEVICES = {
    constants.HT_BO_DISK: "c",
    constants.HT_BO_CDROM: "d",
    constants.HT_BO_NETWORK: "n",
}


def _KernelArgs(hvparams: dict[str, Any]) -> str:
    args = []
    if hvparams.get(constants.HV_ROOT_PATH):
        args.append("root=%s" % hvparams[constants.HV_ROOT_PATH])
    if hvparams.get(constants.HV_SERIAL_CONSOLE):
        args.append("console=ttyS0,38400")
    if hvparams.get(constants.HV_KERNEL_ARGS):
        args.append(hvparams[constants.HV_KERNEL_ARGS])
    return " ".join(args)


def _DiskOptions(spec: StartSpec, hvparams: dict[str, Any]) -> list[str]:
    iface = _DISK_INTERFACES[hvparams.get(constants.HV_DISK_TYPE) or constants.HT_DISK_PARAVIRTUAL]
    cache = hvparams.get(constants.HV_DISK_CACHE) or constants.HT_CACHE_DEFAULT
    argv: list[str] = []
    for disk in spec.disks:
        opts = ["file=%s" % disk["path"].replace(",", ",,"), "format=raw", "if=%s" % iface]
        if cache != constants.HT_CACHE_DEFAULT:
            opts.append("cache=%s" % cache)
        if disk.get("access") == constants.DISK_RDONLY:
            opts.append("readonly=on")
        argv.extend(["-drive", ",".join(opts)])
    cdrom = hvparams.get(constants.HV_CDROM_IMAGE_PATH)
    if cdrom:
        argv.extend(["-drive", "file=%s,format=raw,media=cdrom,if=ide,readonly=on"
                     % cdrom.replace(",", ",,")])
    return argv


def _NicOptions(spec: StartSpec, hvparams: dict[str, Any], nic_scripts: list[str]) -> list[str]:
    if len(nic_scripts) != len(spec.nics):
        raise errors.ProgrammerError("Need one NIC script per NIC")
    model = _NIC_MODELS[hvparams.get(constants.HV_NIC_TYPE) or constants.HT_NIC_PARAVIRTUAL]
    argv: list[str] = []
    for idx, (nic, script) in enumerate(zip(spec.nics, nic_scripts)):
        argv.extend(["-netdev", "tap,id=hostnet%d,script=%s,downscript=no" % (idx, script),
                     "-device", "%s,netdev=hostnet%d,mac=%s" % (model, idx, nic["mac"])])
    return argv


def _VncOptions(spec: StartSpec, hvparams: dict[str, Any]) -> list[str]:
    address = hvparams.get(constants.HV_VNC_BIND_ADDRESS)
    if not address:
        return ["-display", "none"]
    argv: list[str] = []
    if os.path.isabs(address):
        target = "unix:%s" % address
    else:
        if spec.vnc_port is None or spec.vnc_port < VNC_BASE_PORT:
            raise errors.HypervisorError("Instance %s has no usable VNC port (%r)"
                                         % (spec.name, spec.vnc_port))
        host = "[%s]" % address if ":" in address else address
        target = "%s:%d" % (host, spec.vnc_port - VNC_BASE_PORT)
    opts = [target]
    if hvparams.get(constants.HV_VNC_TLS):
        creds = ["tls-creds-x509", "id=vnctls0", "endpoint=server"]
        if hvparams.get(constants.HV_VNC_X509):
            creds.append("dir=%s" % hvparams[constants.HV_VNC_X509])
        creds.append("verify-peer=%s" % ("on" if hvparams.get(constants.HV_VNC_X509_VERIFY) else "off"))
        argv.extend(["-object", ",".join(creds)])
        opts.append("tls-creds=vnctls0")
    if hvparams.get(constants.HV_VNC_PASSWORD_FILE):
        opts.append("password=on")
    argv.extend(["-vga", "std", "-display", "none", "-vnc", ",".join(opts)])
    return argv


def BuildCommandLine(spec: StartSpec, paths: RuntimePaths, accel: str,
                     nic_scripts: list[str], incoming: str | None = None,
                     startup_paused: bool = False) -> list[str]:
    """The argv that starts (or, with incoming, receives) the instance."""
    hvp = spec.hvparams
    bep = spec.beparams
    machine = ["pc", "accel=%s" % accel]
    if not hvp.get(constants.HV_ACPI, True):
        machine.append("acpi=off")
    argv = [KVM_BINARY, "-name", spec.name, "-machine", ",".join(machine),
            "-m", str(int(bep[constants.BE_MEMORY])), "-smp", str(int(bep[constants.BE_VCPUS])),
            "-nodefaults", "-daemonize", "-pidfile", paths.pidfile,
            "-qmp", "unix:%s,server=on,wait=off" % paths.qmp, "-monitor", "none"]
    if spec.uuid:
        argv.extend(["-uuid", spec.uuid])
    if hvp.get(constants.HV_SERIAL_CONSOLE):
        argv.extend(["-serial", "unix:%s,server=on,wait=off" % paths.serial])
    else:
        argv.extend(["-serial", "none"])
    boot = hvp.get(constants.HV_BOOT_ORDER) or constants.HT_BO_DISK
    argv.extend(["-boot", "order=%s" % _BOOT_DEVICES[boot]])
    if hvp.get(constants.HV_KERNEL_PATH):
        argv.extend(["-kernel", hvp[constants.HV_KERNEL_PATH]])
        if hvp.get(constants.HV_INITRD_PATH):
            argv.extend(["-initrd", hvp[constants.HV_INITRD_PATH]])
        kernel_args = _KernelArgs(hvp)
        if kernel_args:
            argv.extend(["-append", kernel_args])
    argv.extend(_DiskOptions(spec, hvp))
    argv.extend(_NicOptions(spec, hvp, nic_scripts))
    argv.extend(_VncOptions(spec, hvp))
    mouse = hvp.get(constants.HV_USB_MOUSE)
    if mouse:
        argv.extend(["-usb", "-device", "usb-%s" % mouse])
    if hvp.get(constants.HV_USE_LOCALTIME):
        argv.extend(["-rtc", "base=localtime"])
    if hvp.get(constants.HV_KVM_USE_CHROOT):
        argv.extend(["-chroot", paths.chroot])
    if hvp.get(constants.HV_SECURITY_MODEL) == constants.HT_SM_USER:
        argv.extend(["-runas", hvp[constants.HV_SECURITY_DOMAIN]])
    if startup_paused:
        argv.append("-S")
    if incoming:
        # No -S: qemu resumes the guest when the migration completes, in the
        # run state the source had (paused for a non-live migration).
        argv.extend(["-incoming", incoming])
    return argv
