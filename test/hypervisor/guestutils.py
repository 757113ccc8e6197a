"""Helpers for tests that boot the real test guest under qemu."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import time

import hvtestutils
import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from ganeti import constants
from ganeti.hypervisor import hv_kvm
from ganeti.hypervisor.hv_kvm import runtime

MARKER = b"GANETI-GUEST-UP"
POWEROFF = b"GANETI-GUEST-POWEROFF"
BOOT_TIMEOUT = 120.0


def RequireGuest() -> tuple[str, str]:
    if shutil.which("qemu-system-x86_64") is None:
        pytest.skip("qemu-system-x86_64 is not installed (tools/install-deps)")
    guest = hvtestutils.EnsureGuest()
    if guest is None:
        pytest.skip("cannot build the test guest (tools/build-test-guest)")
    return guest


def GuestParams(guest: tuple[str, str], kernel_args: str, **overrides) -> dict:
    params = hvtestutils.KvmParams(**{constants.HV_KERNEL_PATH: guest[0],
                                      constants.HV_INITRD_PATH: guest[1],
                                      constants.HV_ROOT_PATH: "",
                                      constants.HV_KERNEL_ARGS: "quiet " + kernel_args})
    params.update(overrides)
    return params


class Serial:
    """A connection to an instance's serial console socket, collecting output."""

    def __init__(self, path: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.data = b""

    def WaitFor(self, text: bytes, timeout: float = BOOT_TIMEOUT, start: int = 0) -> int:
        """Read until text appears after offset start; return the offset after it."""
        deadline = time.monotonic() + timeout
        while True:
            idx = self.data.find(text, start)
            if idx >= 0:
                return idx + len(text)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("%r not seen on the serial console; got: %r"
                                     % (text, self.data[-2000:]))
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise AssertionError("serial console closed before %r; got %r"
                                     % (text, self.data[-2000:]))
            self.data += chunk

    def Close(self) -> None:
        self.sock.close()


class KvmNode:
    """A KVM hypervisor with its own short run directory, cleaned up at the end."""

    def __init__(self):
        self.run_dir = hvtestutils.ShortTempDir()
        self.hv = hv_kvm.KVMHypervisor(run_dir=self.run_dir)

    def Paths(self, name: str) -> runtime.RuntimePaths:
        return runtime.RuntimePaths(self.run_dir, name)

    def Cleanup(self) -> None:
        for name in runtime.ListNames(self.run_dir):
            pid = runtime.FindPid(self.Paths(name))
            if pid:
                os.kill(pid, 9)
        hvtestutils.RemoveTree(self.run_dir)


# --- RFB (VNC) client side of the handshake ----------------------------------

RFB_SEC_NONE = 1
RFB_SEC_VNC_AUTH = 2


def _VncKey(password: str) -> bytes:
    """VNC uses the password (8 bytes, NUL padded) with each byte's bits mirrored as DES key."""
    raw = password.encode()[:8].ljust(8, b"\0")
    return bytes(int("{:08b}".format(b)[::-1], 2) for b in raw)


def VncResponse(password: str, challenge: bytes) -> bytes:
    key = _VncKey(password)
    enc = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # 3 x the same key = single DES
    return enc.update(challenge) + enc.finalize()


def _RecvExact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise AssertionError("VNC server closed the connection")
        data += chunk
    return data


def VncAuthenticate(host: str, port: int, password: str | None) -> tuple[list[int], int | None]:
    """Speak RFB 3.8 up to the security result: (offered types, result or None)."""
    with socket.create_connection((host, port), timeout=10) as sock:
        version = _RecvExact(sock, 12)
        assert version.startswith(b"RFB 003."), version
        sock.sendall(b"RFB 003.008\n")
        count = _RecvExact(sock, 1)[0]
        assert count > 0, "server refused the connection"
        types = list(_RecvExact(sock, count))
        if password is None:
            return types, None
        sock.sendall(bytes([RFB_SEC_VNC_AUTH]))
        challenge = _RecvExact(sock, 16)
        sock.sendall(VncResponse(password, challenge))
        return types, struct.unpack(">I", _RecvExact(sock, 4))[0]
