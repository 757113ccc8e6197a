"""Choosing KVM or TCG: does /dev/kvm really run guests at hardware speed?

Some hosts (nested virtualisation without proper support) open /dev/kvm,
create VMs and vCPUs, and then run guest code through the instruction
emulator, a few million instructions a second: qemu with KVM then sits in the
kernel's decompressor for minutes. Opening the device proves nothing, so the
probe runs a real guest: one page of real-mode code (a one-million-iteration
loop, then `out` and `hlt`) through the KVM ioctls, in a child process with a
deadline. Hardware KVM finishes in about a millisecond.

ProbeKvm runs RunProbe in a child Python (PrintProbe prints its result as
JSON) so that a hung vCPU cannot hang the node daemon.
"""

from __future__ import annotations

import ctypes
import fcntl
import logging
import mmap
import os
import signal
import struct
import sys
import time

import ganeti
from ganeti import constants, errors, serializer, utils

KVM_DEVICE = "/dev/kvm"
KVM_API_VERSION = 12
_KVM_GET_API_VERSION = 0xAE00
_KVM_CREATE_VM = 0xAE01
_KVM_GET_VCPU_MMAP_SIZE = 0xAE04
_KVM_CREATE_VCPU = 0xAE41
_KVM_SET_TSS_ADDR = 0xAE47
_KVM_SET_USER_MEMORY_REGION = 0x4020AE46  # _IOW(0xAE, 0x46, 32 bytes)
_KVM_RUN = 0xAE80
_KVM_SET_REGS = 0x4090AE82  # _IOW(0xAE, 0x82, struct kvm_regs: 144 bytes)
_KVM_GET_SREGS = 0x8138AE83  # _IOR(0xAE, 0x83, struct kvm_sregs: 312 bytes)
_KVM_SET_SREGS = 0x4138AE84
_KVM_EXIT_IO = 2
_KVM_EXIT_HLT = 5
_PROBE_PORT = 0x10
_PROBE_VALUE = 0x42
_PROBE_LOOPS = 1000000
# mov ecx, LOOPS; l: dec ecx; jnz l; mov al, 0x42; out 0x10, al; hlt
_PROBE_CODE = (b"\x66\xb9" + struct.pack("<I", _PROBE_LOOPS) + b"\x66\x49\x75\xfc"
               + bytes([0xb0, _PROBE_VALUE, 0xe6, _PROBE_PORT, 0xf4]))
_GUEST_ADDR = 0x1000

# Hardware KVM runs the probe loop in ~1 ms; emulation needs ~1 s.
PROBE_MAX_SECONDS = 0.25
PROBE_TIMEOUT = 5.0


class _ProbeTimeout(Exception):
    pass


def _Alarm(signum: int, frame: object) -> None:
    raise _ProbeTimeout()  # raising is what makes KVM_RUN give up (no EINTR retry)


def RunProbe() -> dict:
    """Run the probe guest in this process; {"ok", "seconds", "error"}.

    Only for the probe child: it uses SIGALRM to cut a slow vCPU short.
    """
    try:
        kvm = os.open(KVM_DEVICE, os.O_RDWR | os.O_CLOEXEC)
    except OSError as err:
        return {"ok": False, "seconds": 0.0, "error": "cannot open %s: %s" % (KVM_DEVICE, err)}
    try:
        version = fcntl.ioctl(kvm, _KVM_GET_API_VERSION, 0)
        if version != KVM_API_VERSION:
            return {"ok": False, "seconds": 0.0, "error": "KVM API version %d" % version}
        vm = fcntl.ioctl(kvm, _KVM_CREATE_VM, 0)
        fcntl.ioctl(vm, _KVM_SET_TSS_ADDR, 0x7FFBD000)
        mem = mmap.mmap(-1, 0x1000, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        mem.write(_PROBE_CODE)
        host_addr = ctypes.addressof(ctypes.c_char.from_buffer(mem))
        fcntl.ioctl(vm, _KVM_SET_USER_MEMORY_REGION,
                    struct.pack("IIQQQ", 0, 0, _GUEST_ADDR, 0x1000, host_addr))
        vcpu = fcntl.ioctl(vm, _KVM_CREATE_VCPU, 0)
        run = mmap.mmap(vcpu, fcntl.ioctl(kvm, _KVM_GET_VCPU_MMAP_SIZE, 0), flags=mmap.MAP_SHARED)
        sregs = bytearray(312)
        fcntl.ioctl(vcpu, _KVM_GET_SREGS, sregs, True)
        struct.pack_into("QIH", sregs, 0, 0, 0xFFFF, 0)  # cs: base 0, selector 0
        fcntl.ioctl(vcpu, _KVM_SET_SREGS, bytes(sregs))
        regs = bytearray(144)
        struct.pack_into("QQ", regs, 16 * 8, _GUEST_ADDR, 0x2)  # rip, rflags
        fcntl.ioctl(vcpu, _KVM_SET_REGS, bytes(regs))
        signal.signal(signal.SIGALRM, _Alarm)
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, PROBE_MAX_SECONDS)
        try:
            fcntl.ioctl(vcpu, _KVM_RUN, 0)
        except _ProbeTimeout:
            return {"ok": False, "seconds": time.monotonic() - start,
                    "error": "guest code runs at emulation speed (a loop that takes ~1ms on"
                    " hardware KVM did not finish in %ss)" % PROBE_MAX_SECONDS}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.monotonic() - start
        reason = struct.unpack_from("I", run, 8)[0]
        if reason != _KVM_EXIT_IO:
            return {"ok": False, "seconds": seconds, "error": "unexpected exit %d" % reason}
        _, _, port, _, offset = struct.unpack_from("BBHIQ", run, 32)
        if port != _PROBE_PORT or run[offset] != _PROBE_VALUE:
            return {"ok": False, "seconds": seconds, "error": "wrong I/O from probe guest"}
        fcntl.ioctl(vcpu, _KVM_RUN, 0)
        if struct.unpack_from("I", run, 8)[0] != _KVM_EXIT_HLT:
            return {"ok": False, "seconds": seconds, "error": "probe guest did not halt"}
        return {"ok": True, "seconds": seconds, "error": None}
    except OSError as err:
        return {"ok": False, "seconds": 0.0, "error": "KVM ioctl failed: %s" % err}
    finally:
        os.close(kvm)


def ProbeKvm() -> tuple[bool, str]:
    """Run the probe in a child with a deadline; (usable, reason)."""
    if not os.path.exists(KVM_DEVICE):
        return False, "%s does not exist" % KVM_DEVICE
    # The child must import this package however the parent found it.
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(ganeti.__file__)))
    pythonpath = os.pathsep.join(filter(None, [pkg_parent, os.environ.get("PYTHONPATH")]))
    result = utils.RunCmd([sys.executable, "-c", _PROBE_MAIN], env={"PYTHONPATH": pythonpath},
                          timeout=PROBE_TIMEOUT)
    if result.timed_out:
        return False, "KVM probe guest did not finish within %ss" % PROBE_TIMEOUT
    if result.failed:
        return False, "KVM probe failed: %s" % result.output.strip()
    try:
        data = serializer.LoadJson(result.stdout)
    except errors.ParseError:
        return False, "KVM probe printed garbage: %r" % result.stdout[:200]
    if data.get("ok"):
        return True, "KVM probe guest ran in %.4fs" % data["seconds"]
    return False, data.get("error") or "KVM probe failed"


_cache: dict[str, tuple[bool, str]] = {}


def ChooseAccel(requested: str) -> str:
    """The accelerator to use for a kvm_accel value ("auto" probes once per process)."""
    if requested == constants.HT_KVM_ACCEL_TCG:
        return constants.HT_KVM_ACCEL_TCG
    if requested == constants.HT_KVM_ACCEL_KVM:
        return constants.HT_KVM_ACCEL_KVM
    if "kvm" not in _cache:
        _cache["kvm"] = ProbeKvm()
        usable, reason = _cache["kvm"]
        if usable:
            logging.info("Using KVM acceleration: %s", reason)
        else:
            logging.warning("KVM acceleration unusable, falling back to TCG: %s", reason)
    return constants.HT_KVM_ACCEL_KVM if _cache["kvm"][0] else constants.HT_KVM_ACCEL_TCG


def PrintProbe() -> None:
    """Entry point of the probe child."""
    sys.stdout.write(serializer.DumpJson(RunProbe()))


_PROBE_MAIN = "from ganeti.hypervisor.hv_kvm import accel; accel.PrintProbe()"
