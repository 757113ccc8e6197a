"""node_verify: the node's answers to the checks `gnt-cluster verify` asks for.

The master sends a dict of NV_* keys with each check's parameters; the node
answers the keys it was asked, so that new checks are new keys. Implemented:
version, file checksums, ssconf values, clock, hypervisor self-checks and TCP
reachability of other nodes.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import time
from typing import Any, Sequence

from ganeti import constants, errors, netutils, ssconf
from ganeti.rpc import defs

NET_TEST_TIMEOUT = 2.0  # seconds per TCP ping
_NET_TEST_PARALLEL = 16


def _FileChecksum(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha1(fh.read()).hexdigest()
    except OSError:
        return None


def _FileList(paths: Sequence[str]) -> dict[str, str | None]:
    """SHA-1 of each file (None when missing), keyed by the cluster path as sent."""
    return {path: _FileChecksum(defs.AddRoot(path)) for path in paths}


def _NetTest(entries: Sequence[Sequence[str]], port: int) -> dict[str, str]:
    """Nodes this node cannot reach on their primary/secondary IP: {name: message}.

    Pings go out from this node's own addresses, found by name in the list,
    so that a wrong route or interface shows up.
    """
    myself = netutils.GetHostname()
    mine = [e for e in entries if e[0] == myself]
    if not mine:
        return {myself: "Cannot find my own primary/secondary IP in the node list"}
    _, my_pip, my_sip = mine[0]

    def _Check(entry: Sequence[str]) -> tuple[str, str | None]:
        name, pip, sip = entry
        failed = []
        if not netutils.TcpPing(pip, port, timeout=NET_TEST_TIMEOUT, source=my_pip):
            failed.append("primary")
        if sip != pip and not netutils.TcpPing(sip, port, timeout=NET_TEST_TIMEOUT,
                                               source=my_sip):
            failed.append("secondary")
        return name, ("failure using the %s interface(s)" % " and ".join(failed)
                      if failed else None)

    others = [e for e in entries if e[0] != myself]
    if not others:
        return {}
    with concurrent.futures.ThreadPoolExecutor(min(len(others), _NET_TEST_PARALLEL)) as pool:
        return {name: msg for name, msg in pool.map(_Check, others) if msg}


def _Hypervisors(names: Sequence[str]) -> dict[str, str | None]:
    """Each hypervisor's Verify(): None when it can run here, else the problem."""
    from ganeti import hypervisor
    result: dict[str, str | None] = {}
    for name in names:
        try:
            result[name] = hypervisor.GetHypervisor(name).Verify()
        except errors.GenericError as err:
            result[name] = "Error while checking the hypervisor: %s" % err
    return result


def VerifyNode(what: dict[str, Any], cluster_name: str) -> dict[str, Any]:
    """Answer the checks in what (NV_* keys); unknown keys are ignored.

    cluster_name is part of upstream's call (its SSH checks use it). The
    network test pings the node daemon port of the other nodes.
    """
    del cluster_name
    result: dict[str, Any] = {}
    if constants.NV_VERSION in what:
        result[constants.NV_VERSION] = (constants.PROTOCOL_VERSION, constants.RELEASE_VERSION)
    if constants.NV_FILELIST in what:
        result[constants.NV_FILELIST] = _FileList(what[constants.NV_FILELIST])
    if constants.NV_SSCONF in what:
        result[constants.NV_SSCONF] = ssconf.SimpleStore().GetAll()
    if constants.NV_TIME in what:
        result[constants.NV_TIME] = time.time()
    if constants.NV_HYPERVISOR in what:
        result[constants.NV_HYPERVISOR] = _Hypervisors(what[constants.NV_HYPERVISOR])
    if constants.NV_NODENETTEST in what:
        result[constants.NV_NODENETTEST] = _NetTest(what[constants.NV_NODENETTEST],
                                                  constants.DEFAULT_NODED_PORT)
    return result
