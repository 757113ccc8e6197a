"""Node side of cluster membership: the master role and leaving a cluster.

master_info is the ballot of master elections (each node tells whom its
ssconf names as the master); node_start_master and node_stop_master move the
master role (daemons and master IP) during a failover; node_leave_cluster
undoes what joining a cluster put on a node; node_ensure_daemons makes the
running daemons match the node's role after it changed.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

from ganeti import constants, errors, pathutils, ssconf
from ganeti.backend import Fail, jobqueue, master
from ganeti.tools import daemon_util
from ganeti.utils import io

# What joining a cluster puts on a node (removed again by node_leave_cluster).
_CLUSTER_FILES = (pathutils.CLUSTER_CONF_FILE, pathutils.NODED_CERT_FILE,
                  pathutils.RAPI_CERT_FILE, pathutils.CONFD_HMAC_KEY, pathutils.RAPI_USERS_FILE,
                  pathutils.SSH_KNOWN_HOSTS_FILE, pathutils.WATCHER_STATEFILE,
                  pathutils.WATCHER_PAUSEFILE)


# What only master candidates hold (besides the job queue).
_CANDIDATE_FILES = (pathutils.CLUSTER_CONF_FILE, pathutils.RAPI_CERT_FILE,
                    pathutils.RAPI_USERS_FILE)


def GetMasterInfo() -> list[Any]:
    """[master_netdev, master_ip, master_node] as this node's ssconf has them."""
    store = ssconf.SimpleStore()
    try:
        return [store.GetMasterNetdev(), store.GetMasterIP(), store.GetMasterNode()]
    except errors.ConfigurationError as err:
        Fail("Cluster configuration incomplete: %s", err)


def _MasterDaemons() -> tuple[str, ...]:
    return (constants.MASTERD, constants.RAPI)


def StartMaster(start_daemons: bool, no_voting: bool) -> None:
    """Become the master: activate the master IP, then start masterd and RAPI."""
    netdev, master_ip, master_node = GetMasterInfo()
    master.ActivateMasterIp(master_ip, netdev)
    if not start_daemons:
        return
    extra = {constants.MASTERD: ["--no-voting", "--yes-do-it"] if no_voting else []}
    for name in _MasterDaemons():
        try:
            daemon_util.StartDaemon(name, extra.get(name))
        except errors.GenericError as err:
            Fail("Cannot start %s: %s", name, err)
    logging.info("This node (%s) is now running the master daemons", master_node)


def StopMaster(stop_daemons: bool) -> None:
    """Stop being the master: stop masterd and RAPI, release the master IP."""
    if stop_daemons:
        for name in reversed(_MasterDaemons()):
            daemon_util.StopDaemon(name)
    netdev, master_ip, _ = GetMasterInfo()
    master.DeactivateMasterIp(master_ip, netdev)


def EnsureDaemons() -> list[str]:
    """Start the daemons this node's role needs and stop confd if no longer a candidate."""
    messages = [daemon_util.StartDaemon(name) for name in daemon_util.WantedDaemons()]
    if constants.CONFD not in daemon_util.WantedDaemons() and daemon_util.DaemonPid(constants.CONFD):
        messages.append(daemon_util.StopDaemon(constants.CONFD))
    return messages


def DemoteFromMC() -> None:
    """Stop holding what only master candidates hold: config, RAPI files, job queue.

    The configuration is kept as a backup next to where it was, in case the
    demotion was a mistake and the candidates were lost.
    """
    if os.path.exists(pathutils.CLUSTER_CONF_FILE):
        io.WriteFile(pathutils.CLUSTER_CONF_FILE, io.ReadFile(pathutils.CLUSTER_CONF_FILE,
                                                              binary=True),
                     mode=constants.SECURE_FILE_MODE, backup=True)
    for path in _CANDIDATE_FILES:
        io.RemoveFile(path)
    jobqueue.JobQueuePurge()


def LeaveCluster(modify_ssh_setup: bool) -> None:
    """Remove this node's cluster files and queue, then stop its daemons.

    The node daemon stops itself last, a moment after answering, so that the
    master gets this call's result.
    """
    for path in _CLUSTER_FILES:
        io.RemoveFile(path)
    for name in os.listdir(pathutils.SSCONF_DIR) if os.path.isdir(pathutils.SSCONF_DIR) else []:
        if name.startswith(constants.SSCONF_FILEPREFIX):
            io.RemoveFile(os.path.join(pathutils.SSCONF_DIR, name))
    jobqueue.JobQueuePurge()
    if modify_ssh_setup:
        logging.info("Leaving the cluster: the SSH setup is left as it is (shared keys)")
    for name in (constants.RAPI, constants.MASTERD, constants.CONFD):
        daemon_util.StopDaemon(name)
    _StopNodedSoon()


def _StopNodedSoon(delay: float = 0.5) -> None:
    """SIGTERM our own node daemon after delay, from a detached child."""
    pid = os.getpid()
    if os.fork() == 0:
        try:
            os.setsid()
            time.sleep(delay)
            os.kill(pid, signal.SIGTERM)
        finally:
            os._exit(0)
