"""The cluster's master IP on the master node's network device.

The master IP moves with the master role (master failover, cluster init and
destroy): it is added to the master network device with `ip address add` and
announced with gratuitous ARP, and removed with `ip address del`. Both
operations are idempotent so that a retried failover does not fail.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shutil

from ganeti import constants, netutils, utils
from ganeti.backend import Fail

_NETDEV_RE = re.compile(r"[A-Za-z0-9_.:-]{1,15}\Z")
_ADDR_RE = re.compile(r"\sinet6?\s+([0-9a-fA-F.:]+)/\d+")
_MAX_LABEL_LEN = 15  # IFNAMSIZ - 1
_ARP_COUNT = 3
_IN_USE_TIMEOUT = 1.0


def ParseIpAddresses(output: str) -> list[str]:
    """The addresses in `ip -o address show` output."""
    return [m.group(1) for m in _ADDR_RE.finditer(output)]


def _Check(master_ip: str, master_netdev: str) -> tuple[str, list[str]]:
    """Validate the arguments; (ip/prefix, extra `ip address add` arguments)."""
    if not isinstance(master_ip, str) or not netutils.IsValidIP(master_ip):
        Fail("Invalid master IP %r", master_ip)
    if not isinstance(master_netdev, str) or not _NETDEV_RE.match(master_netdev):
        Fail("Invalid master network device %r", master_netdev)
    if netutils.IsValidIP4(master_ip):
        label = master_netdev + ":0"
        return "%s/32" % master_ip, (["label", label] if len(label) <= _MAX_LABEL_LEN else [])
    return "%s/128" % master_ip, []


def _IsConfigured(master_ip: str, master_netdev: str) -> bool:
    result = utils.RunCmd(["ip", "-o", "address", "show", "dev", master_netdev])
    if result.failed:
        Fail("Cannot list the addresses of %s: %s", master_netdev, result.output.strip())
    wanted = ipaddress.ip_address(master_ip)
    return any(ipaddress.ip_address(a) == wanted for a in ParseIpAddresses(result.stdout))


def ActivateMasterIp(master_ip: str, master_netdev: str) -> None:
    """Add the master IP to master_netdev (nothing to do if it is there already).

    Refuses when another host answers on the master IP: two masters would
    then fight over it.
    """
    address, extra = _Check(master_ip, master_netdev)
    if _IsConfigured(master_ip, master_netdev):
        logging.info("Master IP %s already configured on %s", master_ip, master_netdev)
        return
    if netutils.TcpPing(master_ip, constants.DEFAULT_NODED_PORT, timeout=_IN_USE_TIMEOUT):
        Fail("Master IP %s is in use by another host", master_ip)
    result = utils.RunCmd(["ip", "address", "add", address, "dev", master_netdev] + extra)
    if result.failed:
        Fail("Cannot activate master IP %s on %s: %s", master_ip, master_netdev,
             result.output.strip())
    if netutils.IsValidIP4(master_ip) and master_netdev != "lo" and shutil.which("arping"):
        arp = utils.RunCmd(["arping", "-q", "-U", "-c", str(_ARP_COUNT), "-I", master_netdev,
                            "-s", master_ip, master_ip])
        if arp.failed:
            logging.warning("Gratuitous ARP for %s failed: %s", master_ip, arp.output.strip())


def DeactivateMasterIp(master_ip: str, master_netdev: str) -> None:
    """Remove the master IP from master_netdev (nothing to do if it is absent)."""
    address, _ = _Check(master_ip, master_netdev)
    if not _IsConfigured(master_ip, master_netdev):
        logging.info("Master IP %s not configured on %s", master_ip, master_netdev)
        return
    result = utils.RunCmd(["ip", "address", "del", address, "dev", master_netdev])
    if result.failed:
        Fail("Cannot deactivate master IP %s on %s: %s", master_ip, master_netdev,
             result.output.strip())
