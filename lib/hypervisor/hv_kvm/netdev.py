"""NIC up scripts: how a qemu tap device joins the network.

qemu creates the tap and runs a per-NIC script with the interface name as
its argument; that script (written here, one per NIC) sets INTERFACE, MODE,
LINK, IP, MAC and INSTANCE and execs tools/kvm-ifup, which handles both the
bridged and the routed mode (2.1 design, "Non bridged instances support").
"""

from __future__ import annotations

import os
import shlex
from typing import Any

from ganeti import errors, utils

IFUP_NAME = "kvm-ifup"
_INSTALLED_DIRS = ("/usr/local/lib/ganeti", "/usr/lib/ganeti")


def FindIfupScript() -> str:
    """kvm-ifup from the source tree (tools/) or from an installed location."""
    here = os.path.realpath(__file__)  # <top>/lib/hypervisor/hv_kvm/netdev.py
    source_top = here.rsplit(os.sep, 4)[0]
    candidates = [os.path.join(source_top, "tools", IFUP_NAME)]
    candidates.extend(os.path.join(d, IFUP_NAME) for d in _INSTALLED_DIRS)
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise errors.HypervisorError("Cannot find the %s script (looked in %s)"
                                 % (IFUP_NAME, ", ".join(candidates)))


def NicScriptText(instance_name: str, idx: int, nic: dict[str, Any], ifup: str) -> str:
    """The shell script qemu runs for NIC idx of an instance."""
    env = [("INSTANCE", instance_name), ("NIC_INDEX", str(idx)), ("MAC", nic.get("mac") or ""),
           ("MODE", nic.get("mode") or ""), ("LINK", nic.get("link") or ""),
           ("IP", nic.get("ip") or "")]
    lines = ["#!/bin/sh", "# NIC %d of instance %s, written by ganeti" % (idx, instance_name)]
    lines.extend("%s=%s; export %s" % (key, shlex.quote(value), key) for key, value in env)
    lines.append('INTERFACE="$1"; export INTERFACE')
    lines.append("exec %s \"$@\"" % shlex.quote(ifup))
    return "\n".join(lines) + "\n"


def WriteNicScripts(instance_name: str, nics: list[dict[str, Any]],
                    script_path: Any) -> list[str]:
    """Write one up script per NIC (script_path(idx) names it); return their paths."""
    if not nics:
        return []
    ifup = FindIfupScript()
    paths = []
    for idx, nic in enumerate(nics):
        path = script_path(idx)
        utils.WriteFile(path, NicScriptText(instance_name, idx, nic, ifup), mode=0o750,
                        fsync=False)
        paths.append(path)
    return paths
