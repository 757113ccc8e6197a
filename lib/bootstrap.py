"""Creating and destroying a cluster, bringing nodes in, moving the master.

These steps run outside the job queue, because there is no master daemon yet
(cluster init), not any more (destroy), not on this node (master failover,
run on the new master), or not reachable by RPC yet (a new node before its
node daemon has the cluster certificate: reached over SSH).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable

from ganeti import (
    config,
    constants,
    errors,
    netutils,
    objects,
    pathutils,
    rpc,
    serializer,
    ssconf,
    ssh,
)
from ganeti.cmdlib import common
from ganeti.rpc import defs
from ganeti.tools import daemon_util, node_daemon_setup
from ganeti.utils import io, x509

Feedback = Callable[[str], None]

#: How long to wait for a freshly started node daemon to answer.
NODED_START_TIMEOUT = 30.0


def _Log(feedback_fn: Feedback | None, msg: str, *args: Any) -> None:
    if args:
        msg = msg % args
    logging.info(msg)
    if feedback_fn:
        feedback_fn(msg)


def GenerateClusterCrypto(cluster_name: str, new_node_cert: bool = True,
                          new_rapi_cert: bool = True, new_hmac_key: bool = True) -> None:
    """The cluster's node certificate, RAPI certificate and confd HMAC key."""
    if new_node_cert or not os.path.exists(pathutils.NODED_CERT_FILE):
        x509.GenerateSelfSignedSslCert(pathutils.NODED_CERT_FILE, cluster_name)
    if new_rapi_cert or not os.path.exists(pathutils.RAPI_CERT_FILE):
        x509.GenerateSelfSignedSslCert(pathutils.RAPI_CERT_FILE, cluster_name)
    if new_hmac_key or not os.path.exists(pathutils.CONFD_HMAC_KEY):
        x509.GenerateHmacKey(pathutils.CONFD_HMAC_KEY)


def _SetupSsh(cluster_name: str) -> str:
    """Our key authorized on ourselves, known_hosts for the cluster; the host key."""
    priv, pub, auth = ssh.GetUserFiles(mkdir=True)
    if not os.path.exists(priv):
        ssh.GenerateKey(priv, "root@%s" % cluster_name)
    ssh.AddAuthorizedKey(auth, io.ReadFile(pub))
    host_pub_file = ssh.GetHostKeyFiles()[1]
    try:
        host_pub = io.ReadFile(host_pub_file).strip()
    except OSError as err:
        raise errors.OpPrereqError("Cannot read this node's SSH host key %s: %s"
                                   % (host_pub_file, err), errors.ECODE_ENVIRON) from err
    ssh.WriteKnownHostsFile(cluster_name, host_pub)
    return host_pub


def _WaitForNoded(node: str, address: str, timeout: float = NODED_START_TIMEOUT) -> None:
    runner = rpc.RpcRunner(rpc.StaticResolver({node: address}))
    deadline = time.monotonic() + timeout
    try:
        while True:
            result = runner.call_version([node])[node]
            if not result.fail_msg:
                if result.payload != constants.PROTOCOL_VERSION:
                    raise errors.OpExecError("Node %s runs protocol version %s, we need %s"
                                             % (node, result.payload, constants.PROTOCOL_VERSION))
                return
            if time.monotonic() > deadline:
                raise errors.OpExecError("Node daemon on %s did not answer within %ds: %s"
                                         % (node, timeout, result.fail_msg))
            time.sleep(0.1)
    finally:
        runner.Close()


def InitCluster(cluster_name: str, master_netdev: str = "lo",
                master_ip: str | None = None, secondary_ip: str | None = None,
                enabled_hypervisors: list[str] | None = None,
                hvparams: dict[str, dict[str, Any]] | None = None,
                beparams: dict[str, Any] | None = None, nicparams: dict[str, Any] | None = None,
                diskparams: dict[str, dict[str, Any]] | None = None,
                file_storage_dir: str | None = None, vg_name: str | None = None,
                mac_prefix: str | None = None, candidate_pool_size: int | None = None,
                uid_pool: list[tuple[int, int]] | None = None,
                maintain_node_health: bool = False, default_iallocator: str = "",
                modify_ssh_setup: bool = True, start_daemons: bool = True,
                feedback_fn: Feedback | None = None) -> objects.ConfigData:
    """gnt-cluster init: make this node the master of a new one-node cluster."""
    if os.path.exists(pathutils.CLUSTER_CONF_FILE):
        raise errors.OpPrereqError("Cluster is already initialised", errors.ECODE_STATE)
    try:
        member_of = ssconf.SimpleStore().GetClusterName()
    except errors.ConfigurationError:
        member_of = None
    if member_of:
        # a node that is not a master candidate has no config.data, but new
        # certificates and a config here would cut it off its cluster
        raise errors.OpPrereqError("This node is part of cluster %s (its ssconf says so):"
                                   " remove it from that cluster (gnt-node remove on its"
                                   " master) first" % member_of, errors.ECODE_STATE)
    hostname, node_ip = netutils.Hostname.Resolve(netutils.GetHostname())
    cluster_name, cluster_ip = netutils.Hostname.Resolve(cluster_name)
    master_ip = master_ip or cluster_ip
    if master_ip == node_ip:
        raise errors.OpPrereqError("The master IP %s must not be this node's own address"
                                   % master_ip, errors.ECODE_INVAL)
    if netutils.TcpPing(master_ip, constants.DEFAULT_NODED_PORT, timeout=0.5):
        raise errors.OpPrereqError("Master IP %s already answers: is another cluster using it?"
                                   % master_ip, errors.ECODE_NOTUNIQUE)
    for ip in filter(None, [secondary_ip]):
        if not netutils.IsValidIP(ip):
            raise errors.OpPrereqError("Invalid secondary IP %r" % ip, errors.ECODE_INVAL)
    hvparams = {hv: common.ForceHvParamTypes(hv, values)
                for hv, values in (hvparams or {}).items()}
    cluster = objects.Cluster(
        cluster_name=cluster_name, master_node=hostname, master_ip=master_ip,
        master_netdev=master_netdev,
        enabled_hypervisors=enabled_hypervisors or [constants.DEFAULT_ENABLED_HYPERVISOR],
        hvparams=hvparams, beparams={constants.PP_DEFAULT: dict(beparams or {})},
        nicparams={constants.PP_DEFAULT: dict(nicparams or {})}, diskparams=diskparams or {},
        file_storage_dir=file_storage_dir or constants.DEFAULT_FILE_STORAGE_DIR,
        volume_group_name=vg_name, mac_prefix=mac_prefix or constants.DEFAULT_MAC_PREFIX,
        candidate_pool_size=(constants.MASTER_POOL_SIZE_DEFAULT if candidate_pool_size is None
                             else candidate_pool_size),
        uid_pool=list(uid_pool or []), maintain_node_health=maintain_node_health,
        default_iallocator=default_iallocator)
    cluster.UpgradeConfig()
    common.CheckClusterParams(cluster)
    io.EnsureDirs([(pathutils.Prefix(cluster.file_storage_dir), 0o750)])
    _Log(feedback_fn, "Generating the cluster certificates and the confd key")
    GenerateClusterCrypto(cluster_name)
    if modify_ssh_setup:
        cluster.rsahostkeypub = _SetupSsh(cluster_name)
    master = objects.Node(name=hostname, primary_ip=node_ip, secondary_ip=secondary_ip or node_ip,
                          master_candidate=True)
    data = config.InitConfig(cluster, master, pathutils.CLUSTER_CONF_FILE)
    ssconf.WriteSsconfFiles(config.ConfigWriter(offline=True).GetSsconfValues())
    if start_daemons:
        _Log(feedback_fn, "Starting the node daemon and the master daemons")
        daemon_util.StartDaemon(constants.NODED)
        _WaitForNoded(hostname, node_ip)
        runner = rpc.RpcRunner(rpc.StaticResolver({hostname: node_ip}))
        try:
            runner.call_master_activate_ip(hostname, master_ip, master_netdev).Raise(
                "Could not activate the master IP")
        finally:
            runner.Close()
        for name in daemon_util.WantedDaemons()[1:]:
            daemon_util.StartDaemon(name)
    return data


def SetupNodeDaemon(cluster_name: str, node: str, address: str,
                    ssconf_values: dict[str, str], feedback_fn: Feedback | None = None) -> None:
    """Install the cluster certificate on a new node over SSH and start its node daemon."""
    runner = ssh.SshRunner(cluster_name)
    ok, msg = runner.VerifyNodeHostname(node)
    if not ok:
        raise errors.OpExecError("Cannot set up node %s: %s" % (node, msg))
    request = {
        "files": [node_daemon_setup.EncodeFile(defs.StripRoot(path),
                                               io.ReadFile(path, binary=True))
                  for path in (pathutils.NODED_CERT_FILE, pathutils.SSH_KNOWN_HOSTS_FILE)],
        "ssconf": ssconf_values,
        "start_daemons": True,
    }
    _Log(feedback_fn, "Installing the node daemon on %s over SSH", node)
    result = runner.Run(node, "root", "node-daemon-setup", input_data=serializer.DumpJson(request),
                        timeout=120)
    if result.failed:
        raise errors.OpExecError("Setting up the node daemon on %s failed (%s): %s"
                                 % (node, result.fail_reason, result.output.strip()))
    _WaitForNoded(node, address)


def GatherMasterVotes(node_list: list[str], runner: Any = None) -> list[tuple[str | None, int]]:
    """Whom each node names as the master: [(name, votes)], most votes first.

    Nodes that do not answer vote None.
    """
    if not node_list:
        return []
    runner = runner or rpc.RpcRunner()
    results = runner.call_master_info(node_list)
    votes: dict[str | None, int] = {}
    for res in results.values():
        name = None
        if not res.fail_msg and isinstance(res.payload, list) and len(res.payload) == 3:
            name = res.payload[2]
        votes[name] = votes.get(name, 0) + 1
    return sorted(votes.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))


def CheckAgreement(myself: str, node_list: list[str], runner: Any = None,
                   retries: int = 6, delay: float = 5.0) -> tuple[bool, str]:
    """Whether the other nodes agree that myself is the master (masterd's start check).

    The most voted node must be myself, with at least as many votes for as
    against. While most nodes do not answer, ask again a few times: a whole
    cluster booting at once brings its node daemons up in any order.
    """
    others = [n for n in node_list if n != myself]
    if not others:
        return True, "one-node cluster"
    for attempt in range(retries):
        votes = GatherMasterVotes(others, runner)
        if votes[0][0] is not None:
            break
        if attempt + 1 < retries:
            time.sleep(delay)
    else:
        return False, ("Cluster inconsistent: most nodes did not answer after %d attempts"
                       % retries)
    top_node, top_votes = votes[0]
    all_votes = sum(count for _, count in votes)
    if top_node != myself:
        return False, ("It seems we are not the master (top-voted node is %s with %d out of %d"
                       " votes)" % (top_node, top_votes, all_votes))
    if top_votes < all_votes - top_votes:
        return False, ("It seems we are not the master (%d votes for, %d votes against)"
                       % (top_votes, all_votes - top_votes))
    return True, "%d of %d votes" % (top_votes, all_votes)


def CheckFailoverVotes(old_master: str, others: list[str], runner: Any) -> None:
    """Refuse a failover unless the other nodes confirm this node's idea of the master.

    As upstream: the top-voted name must be old_master; silent nodes only
    win when they outnumber it (a tie goes to the answer), so that a
    3-node cluster whose master died can fail over to a candidate.
    """
    votes = GatherMasterVotes(others, runner)
    voted = votes[0][0] if votes else old_master
    if voted is None:
        raise errors.OpPrereqError(
            "Cluster is inconsistent: most nodes did not respond (votes: %s); use"
            " --no-voting if you are sure" % votes, errors.ECODE_STATE)
    if voted != old_master:
        raise errors.OpPrereqError(
            "This node believes the master is %s, but most nodes voted for %s: its"
            " configuration is out of date" % (old_master, voted), errors.ECODE_STATE)


def MasterFailover(no_voting: bool = False, feedback_fn: Feedback | None = None) -> str:
    """Make this node the master (run on the new master); returns the old master."""
    store = ssconf.SimpleStore()
    old_master = store.GetMasterNode()
    new_master = netutils.GetHostname()
    if old_master == new_master:
        raise errors.OpPrereqError("This node (%s) is already the master; run master-failover"
                                   " on the node that should become the master" % new_master,
                                   errors.ECODE_STATE)
    if new_master not in store.GetMasterCandidates():
        raise errors.OpPrereqError("This node (%s) is not a master candidate; candidates: %s"
                                   % (new_master, ", ".join(store.GetMasterCandidates())),
                                   errors.ECODE_STATE)
    node_list = store.GetOnlineNodeList()
    runner = rpc.RpcRunner()
    try:
        if not no_voting:
            CheckFailoverVotes(old_master, [n for n in node_list if n != new_master], runner)
        _Log(feedback_fn, "Stopping the master role on %s", old_master)
        result = runner.call_node_stop_master(old_master, True)
        if result.fail_msg:
            _Log(feedback_fn, "Warning: could not stop the master role on %s: %s (continuing)",
                 old_master, result.fail_msg)
        cfg = config.ConfigWriter(accept_foreign=True)
        cluster = cfg.GetClusterInfo()
        cluster.master_node = new_master
        cfg.SetWriteHook(lambda written: common.DistributeConfig(written, runner))
        cfg.Update(cluster)
        ssconf.WriteSsconfFiles(cfg.GetSsconfValues())
        _Log(feedback_fn, "Starting the master role on %s", new_master)
        runner.call_node_start_master(new_master, True, no_voting).Raise(
            "Could not start the master role on %s" % new_master)
    finally:
        runner.Close()
    return old_master


def FinalizeClusterDestroy(master: str, feedback_fn: Feedback | None = None) -> None:
    """After LUClusterDestroy: release the master IP, stop and clean up the master node."""
    runner = rpc.RpcRunner()
    try:
        result = runner.call_node_stop_master(master, False)
        if result.fail_msg:
            _Log(feedback_fn, "Warning: could not deactivate the master IP: %s", result.fail_msg)
        result = runner.call_node_leave_cluster(master, False)
        if result.fail_msg:
            _Log(feedback_fn, "Warning: could not clean up the master node: %s",
                 result.fail_msg)
    finally:
        runner.Close()

