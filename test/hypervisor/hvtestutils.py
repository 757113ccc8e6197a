"""Instances and paths shared by the hypervisor tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ganeti import constants, objects

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUEST_DIR = os.path.join(TOP, "test", "guest")


def KvmParams(**overrides) -> dict:
    """Filled KVM hvparams (cluster defaults plus overrides)."""
    params = dict(constants.HVC_DEFAULTS[constants.HT_KVM])
    params.update(overrides)
    return params


def MakeInstance(name: str = "inst1.example.com", hypervisor: str = constants.HT_KVM,
                 hvparams: dict | None = None, memory: int = 128, vcpus: int = 1,
                 nics: list | None = None, network_port: int | None = None) -> objects.Instance:
    return objects.Instance(
        name=name, uuid="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", primary_node="node1.example.com",
        os="busybox+default", hypervisor=hypervisor,
        hvparams=dict(hvparams if hvparams is not None else KvmParams()),
        beparams={constants.BE_MEMORY: memory, constants.BE_VCPUS: vcpus},
        nics=nics or [], disks=[], network_port=network_port)


def Nic(mac: str, mode: str = constants.NIC_MODE_BRIDGED, link: str = "br0",
        ip: str | None = None) -> objects.NIC:
    return objects.NIC(mac=mac, ip=ip, nicparams={constants.NIC_MODE: mode, constants.NIC_LINK: link})


def ShortTempDir() -> str:
    """A temporary directory with a short path (Unix socket paths are limited to 107 bytes)."""
    return tempfile.mkdtemp(prefix="gnt-hv-", dir="/tmp")


def RemoveTree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def EnsureGuest() -> tuple[str, str] | None:
    """Build (once) and return (kernel, initrd) of the test guest, or None if impossible.

    The kernel is the uncompressed vmlinux (PVH boot: about 3 s to userspace
    under TCG instead of 7 s for the bzImage).
    """
    tool = os.path.join(TOP, "tools", "build-test-guest")
    res = subprocess.run([tool, GUEST_DIR], capture_output=True, text=True)
    if res.returncode != 0:
        return None
    return os.path.join(GUEST_DIR, "vmlinux"), os.path.join(GUEST_DIR, "initrd.img")
