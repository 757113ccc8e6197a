"""Host names and addresses.

Name resolution first consults the node's own hosts file
(pathutils.HOSTS_FILE, under GANETI_ROOTDIR), which is how a virtual cluster
names its nodes without touching the machine's /etc/hosts; then the system
resolver.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

from ganeti import errors, pathutils


def GetHostname() -> str:
    """This node's name: GANETI_HOSTNAME if set, else the FQDN."""
    name = os.environ.get(pathutils.HOSTNAME_ENV)
    if name:
        return name
    return socket.getfqdn()


def _ReadHostsFile(path: str) -> list[tuple[str, list[str]]]:
    try:
        with open(path) as fh:
            lines = fh.readlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2:
            entries.append((fields[0], fields[1:]))
    return entries


def LookupHostsFile(name: str, path: str | None = None) -> tuple[str, str] | None:
    """(canonical name, ip) for name from a hosts file, or None."""
    for ip, names in _ReadHostsFile(path or pathutils.HOSTS_FILE):
        if name in names:
            return names[0], ip
    return None


class Hostname:
    """A resolved host: name (canonical) and ip (IPv4 or IPv6)."""

    def __init__(self, name: str | None = None):
        self.name, self.ip = self.Resolve(name or GetHostname())

    @staticmethod
    def Resolve(name: str) -> tuple[str, str]:
        """Resolve name to (canonical name, address), or raise ResolverError."""
        if IsValidIP(name):
            return name, name
        found = LookupHostsFile(name)
        if found:
            return found
        try:
            infos = socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                       socket.AI_CANONNAME)
        except (socket.gaierror, UnicodeError) as err:
            raise errors.ResolverError(name, getattr(err, "errno", errno.ENOENT), str(err)) from err
        canon = infos[0][3] or name
        return canon, infos[0][4][0]


def IsValidIP4(addr: str) -> bool:
    try:
        ipaddress.IPv4Address(addr)
        return True
    except (ipaddress.AddressValueError, ValueError):
        return False


def IsValidIP6(addr: str) -> bool:
    try:
        ipaddress.IPv6Address(addr)
        return True
    except (ipaddress.AddressValueError, ValueError):
        return False


def IsValidIP(addr: str) -> bool:
    return IsValidIP4(addr) or IsValidIP6(addr)


def GetAddressFamily(addr: str) -> int:
    if IsValidIP4(addr):
        return socket.AF_INET
    if IsValidIP6(addr):
        return socket.AF_INET6
    raise errors.IPAddressError("Invalid IP address %r" % addr)


def TcpPing(target: str, port: int, timeout: float = 1.0,
            source: str | None = None) -> bool:
    """Whether a TCP connection to target:port can be opened."""
    family = GetAddressFamily(target)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        if source:
            sock.bind((source, 0))
        sock.connect((target, port))
        return True
    except OSError:
        return False
    finally:
        sock.close()
