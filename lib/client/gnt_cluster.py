"""gnt-cluster: create, inspect, verify, modify and destroy the cluster."""

from __future__ import annotations

import sys
import time
from typing import Any

from ganeti import (
    bootstrap,
    cli,
    constants,
    errors,
    netutils,
    opcodes,
    serializer,
    ssconf,
    ssh,
    uidpool,
)
from ganeti.cli import (
    BACKEND_OPT,
    NIC_PARAMS_OPT,
    NODE_LIST_OPT,
    SUBMIT_OPT,
    VERBOSE_OPT,
    YES_DOIT_OPT,
    ArgCommand,
    ArgFile,
    ArgHost,
    ArgUnknown,
    ToStderr,
    ToStdout,
    cli_option,
)
from ganeti.client import tags
from ganeti.utils import text

HV_LIST_OPT = cli_option("--enabled-hypervisors", dest="enabled_hypervisors", default=None,
                         help="Comma-separated hypervisors, the first one the default")
HVLIST_PARAMS_OPT = cli_option("-H", "--hypervisor-parameters", dest="hvparams",
                               type="identkeyval", action="append", default=[],
                               help="Hypervisor defaults, e.g. kvm:acpi=false,kernel_path=/x")
DISK_PARAMS_OPT = cli_option("-D", "--disk-parameters", dest="diskparams", type="identkeyval",
                             action="append", default=[],
                             help="Disk template defaults, e.g. drbd:meta_flushes=false")
MASTER_NETDEV_OPT = cli_option("--master-netdev", dest="master_netdev", default=None,
                               help="Network device for the master IP (default: lo)")
SECONDARY_IP_OPT = cli_option("-s", "--secondary-ip", dest="secondary_ip", default=None,
                              help="This node's secondary (replication) IP")
VG_NAME_OPT = cli_option("-g", "--vg-name", dest="vg_name", default=None,
                         help="Volume group for instance disks")
NOLVM_OPT = cli_option("--no-lvm-storage", dest="lvm_storage", action="store_false",
                       default=True, help="Disable LVM storage")
FILESTORE_OPT = cli_option("--file-storage-dir", dest="file_storage_dir", default=None,
                           help="Directory for file-based disks")
MAC_PREFIX_OPT = cli_option("-m", "--mac-prefix", dest="mac_prefix", default=None,
                            help="MAC prefix for instance NICs (three octets)")
POOL_SIZE_OPT = cli_option("-C", "--candidate-pool-size", dest="candidate_pool_size",
                           type="int", default=None, help="Number of master candidates")
UIDPOOL_OPT = cli_option("--uid-pool", dest="uid_pool", default=None,
                         help="User-id pool: comma-separated uids and uid ranges (a-b)")
ADD_UIDS_OPT = cli_option("--add-uids", dest="add_uids", default=None,
                          help="User-ids to add to the pool")
REMOVE_UIDS_OPT = cli_option("--remove-uids", dest="remove_uids", default=None,
                             help="User-ids to remove from the pool")
NODE_HEALTH_OPT = cli_option("--node-health", dest="maintain_node_health", type="bool",
                             default=None, help="Whether nodes shut down stray instances")
IALLOC_OPT = cli_option("-I", "--default-iallocator", dest="default_iallocator", default=None,
                        help="Default instance allocator plugin")
NOSSH_OPT = cli_option("--no-ssh-init", dest="ssh_init", action="store_false", default=True,
                       help="Do not set up SSH keys on this node")
MASTER_IP_OPT = cli_option("--master-ip", dest="master_ip", default=None,
                           help="Master IP (default: the address the cluster name resolves to)")
NOVOTING_OPT = cli_option("--no-voting", dest="no_voting", action="store_true", default=False,
                          help="Do not ask the other nodes who the master is (dangerous)")
ERROR_CODES_OPT = cli_option("--error-codes", dest="error_codes", action="store_true",
                             default=False, help="Machine-parseable error codes")
SIMERR_OPT = cli_option("--debug-simulate-errors", dest="simulate_errors", action="store_true",
                        default=False, help="Report every check as failed (testing)")


def _HvParams(opts: Any) -> dict[str, dict[str, Any]]:
    result = {}
    for hv_name, values in opts.hvparams:
        if not isinstance(values, dict):
            raise errors.OpPrereqError("Cannot reset or remove hypervisor %s here" % hv_name,
                                       errors.ECODE_INVAL)
        result[hv_name] = values
    return result


def _DiskParams(opts: Any) -> dict[str, dict[str, Any]]:
    return {name: values for name, values in opts.diskparams if isinstance(values, dict)}


def _Hypervisors(opts: Any) -> list[str] | None:
    if opts.enabled_hypervisors is None:
        return None
    return [h for h in opts.enabled_hypervisors.split(",") if h]


def InitCluster(opts: Any, args: list[str]) -> int:
    hvs = _Hypervisors(opts) or [constants.DEFAULT_ENABLED_HYPERVISOR]
    hvparams = _HvParams(opts)
    for hv_name in hvparams:
        if hv_name not in hvs:
            raise errors.OpPrereqError("Parameters given for hypervisor %s, which is not"
                                       " enabled" % hv_name, errors.ECODE_INVAL)
    bootstrap.InitCluster(
        cluster_name=args[0], master_netdev=opts.master_netdev or "lo",
        master_ip=opts.master_ip, secondary_ip=opts.secondary_ip, enabled_hypervisors=hvs,
        hvparams=hvparams, beparams=opts.beparams, nicparams=opts.nicparams,
        diskparams=_DiskParams(opts), file_storage_dir=opts.file_storage_dir,
        vg_name=opts.vg_name if opts.lvm_storage else None, mac_prefix=opts.mac_prefix,
        candidate_pool_size=opts.candidate_pool_size,
        uid_pool=uidpool.ParseUidPool(opts.uid_pool) if opts.uid_pool else None,
        maintain_node_health=bool(opts.maintain_node_health),
        default_iallocator=opts.default_iallocator or "", modify_ssh_setup=opts.ssh_init,
        feedback_fn=ToStdout)
    cli.SubmitOpCode(opcodes.OpClusterPostInit(), opts=opts)
    return 0


def DestroyCluster(opts: Any, args: list[str]) -> int:
    if not opts.yes_do_it:
        ToStderr("Destroying a cluster is irreversible. If you really want to destroy this"
                 " cluster, supply the --yes-do-it option.")
        return 1
    master = cli.SubmitOpCode(opcodes.OpClusterDestroy(), opts=opts)
    bootstrap.FinalizeClusterDestroy(master, feedback_fn=ToStdout)
    return 0


def ShowClusterMaster(opts: Any, args: list[str]) -> int:
    ToStdout(ssconf.SimpleStore().GetMasterNode())
    return 0


def _FormatDict(data: dict[str, Any], indent: int) -> None:
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict):
            ToStdout("%s%s:", " " * indent, key)
            _FormatDict(value, indent + 2)
        else:
            ToStdout("%s%s: %s", " " * indent, key, value)


def ShowClusterConfig(opts: Any, args: list[str]) -> int:
    info = cli.GetClient().QueryClusterInfo()
    ToStdout("Cluster name: %s", info["name"])
    ToStdout("Cluster UUID: %s", info["uuid"])
    ToStdout("Creation time: %s", cli.FormatTimestamp(info["ctime"]))
    ToStdout("Modification time: %s", cli.FormatTimestamp(info["mtime"]))
    ToStdout("Master node: %s", info["master"])
    ToStdout("Architecture (this node): %s (%s)", *info["architecture"])
    ToStdout("Tags: %s", ", ".join(info["tags"]) or "(none)")
    ToStdout("Default hypervisor: %s", info["default_hypervisor"])
    ToStdout("Enabled hypervisors: %s", ", ".join(info["enabled_hypervisors"]))
    ToStdout("Cluster parameters:")
    ToStdout("  - candidate pool size: %s", info["candidate_pool_size"])
    ToStdout("  - master netdev: %s", info["master_netdev"])
    ToStdout("  - master IP: %s", info["master_ip"])
    ToStdout("  - lvm volume group: %s", info["volume_group_name"] or "(none)")
    ToStdout("  - file storage path: %s", info["file_storage_dir"])
    ToStdout("  - MAC prefix: %s", info["mac_prefix"])
    ToStdout("  - maintenance of node health: %s", info["maintain_node_health"])
    ToStdout("  - uid pool: %s", uidpool.FormatUidPool(info["uid_pool"]) or "(empty)")
    ToStdout("  - default instance allocator: %s", info["default_iallocator"] or "(none)")
    ToStdout("Hypervisor parameters:")
    _FormatDict(info["hvparams"], 2)
    ToStdout("Default instance parameters:")
    _FormatDict(info["beparams"], 2)
    ToStdout("Default nic parameters:")
    _FormatDict(info["nicparams"], 2)
    return 0


def _ParseUids(value: str | None) -> list[tuple[int, int]] | None:
    return uidpool.ParseUidPool(value) if value is not None else None


def SetClusterParams(opts: Any, args: list[str]) -> int:
    vg_name = opts.vg_name
    if not opts.lvm_storage:
        vg_name = ""
    op = opcodes.OpClusterSetParams(
        vg_name=vg_name, enabled_hypervisors=_Hypervisors(opts),
        hvparams=_HvParams(opts) or None, beparams=opts.beparams or None,
        nicparams=opts.nicparams or None, diskparams=_DiskParams(opts) or None,
        candidate_pool_size=opts.candidate_pool_size, uid_pool=_ParseUids(opts.uid_pool),
        add_uids=_ParseUids(opts.add_uids), remove_uids=_ParseUids(opts.remove_uids),
        maintain_node_health=opts.maintain_node_health,
        default_iallocator=opts.default_iallocator)
    if all(getattr(op, name) is None for name, *_ in op.OP_PARAMS
           if name not in ("dry_run", "debug_level", "priority")):
        ToStderr("Please give at least one of the parameters.")
        return 1
    cli.SubmitOrSend(op, opts)
    return 0


def VerifyCluster(opts: Any, args: list[str]) -> int:
    op = opcodes.OpClusterVerify(verbose=opts.verbose, error_codes=opts.error_codes,
                                 debug_simulate_errors=opts.simulate_errors)
    return 0 if cli.SubmitOpCode(op, opts=opts, feedback_fn=_PlainFeedback) else 1


def _PlainFeedback(entry: tuple) -> None:
    ToStdout(str(entry[3]))


def RedistributeConfig(opts: Any, args: list[str]) -> int:
    cli.SubmitOrSend(opcodes.OpClusterRedistConf(), opts)
    return 0


def MasterFailover(opts: Any, args: list[str]) -> int:
    if opts.no_voting and not opts.yes_do_it:
        if not cli.AskUser("This will perform the failover even if most other nodes are down,"
                           " or if this node is outdated. This is dangerous as it can lead"
                           " to a non-consistent cluster. Check the gnt-cluster(8) man page"
                           " before proceeding. Continue?"):
            return 1
    old = bootstrap.MasterFailover(no_voting=opts.no_voting, feedback_fn=ToStdout)
    ToStdout("Master role moved from %s to %s", old, netutils.GetHostname())
    return 0


def _TargetNodes(opts: Any) -> list[str]:
    store = ssconf.SimpleStore()
    return opts.nodes or store.GetOnlineNodeList()


def RunClusterCommand(opts: Any, args: list[str]) -> int:
    command = " ".join(args)
    runner = ssh.SshRunner(ssconf.SimpleStore().GetClusterName())
    rcode = 0
    for node in text.NiceSort(_TargetNodes(opts)):
        result = runner.Run(node, "root", command, timeout=opts.timeout or None)
        ToStdout("------------------------------------------------")
        ToStdout("node: %s", node)
        ToStdout("%s", result.output.rstrip("\n"))
        ToStdout("return code = %s", result.exit_code)
        rcode = rcode or (1 if result.failed else 0)
    return rcode


def ClusterCopyFile(opts: Any, args: list[str]) -> int:
    store = ssconf.SimpleStore()
    runner = ssh.SshRunner(store.GetClusterName())
    myself = netutils.GetHostname()
    for node in text.NiceSort(_TargetNodes(opts)):
        if node != myself:
            runner.CopyFileToNode(node, args[0])
    return 0


def ShowVersion(opts: Any, args: list[str]) -> int:
    ToStdout("Software version: %s", constants.RELEASE_VERSION)
    ToStdout("Internode protocol: %s", constants.PROTOCOL_VERSION)
    ToStdout("Configuration format: %s", constants.CONFIG_VERSION)
    ToStdout("OS api version: %s", max(constants.OS_API_VERSIONS))
    ToStdout("Export interface: %s", constants.EXPORT_VERSION)
    return 0


def QueueOps(opts: Any, args: list[str]) -> int:
    client = cli.GetClient()
    command = args[0]
    if command in ("drain", "undrain"):
        client.SetDrainFlag(command == "drain")
    elif command == "info":
        drained = client.QueryConfigValues(["drain_flag"])[0]
        ToStdout("The drain flag is %s", "set" if drained else "unset")
    else:
        raise errors.OpPrereqError("Command must be one of drain, undrain, info",
                                   errors.ECODE_INVAL)
    return 0


def WatcherOps(opts: Any, args: list[str]) -> int:
    client = cli.GetClient()
    command = args[0]
    if command == "continue":
        client.SetWatcherPause(None)
        ToStdout("The watcher is no longer paused.")
    elif command == "pause":
        if len(args) < 2:
            raise errors.OpPrereqError("Missing pause duration", errors.ECODE_INVAL)
        until = client.SetWatcherPause(time.time() + cli.ParseTimespec(args[1]))
        ToStdout("The watcher is paused until %s.", time.ctime(until))
    elif command == "info":
        until = client.QueryConfigValues(["watcher_pause"])[0]
        if until is None or until < time.time():
            ToStdout("The watcher is not paused.")
        else:
            ToStdout("The watcher is paused until %s.", time.ctime(until))
    else:
        raise errors.OpPrereqError("Command must be one of pause, continue, info",
                                   errors.ECODE_INVAL)
    return 0


def SearchTags(opts: Any, args: list[str]) -> int:
    result = cli.SubmitOpCode(opcodes.OpTagsSearch(pattern=args[0]), opts=opts)
    for path, tag in result:
        ToStdout("%s %s", path, tag)
    return 0 if result else 1


def DumpConfig(opts: Any, args: list[str]) -> int:
    ToStdout(serializer.DumpJson(cli.GetClient().QueryClusterInfo(), indent=True).rstrip())
    return 0


_PARAMS_OPTS = [HV_LIST_OPT, HVLIST_PARAMS_OPT, BACKEND_OPT, NIC_PARAMS_OPT, DISK_PARAMS_OPT,
                VG_NAME_OPT, NOLVM_OPT, POOL_SIZE_OPT, NODE_HEALTH_OPT, IALLOC_OPT]
TIMEOUT = cli_option("--timeout", dest="timeout", type="int", default=None,
                     help="Seconds to wait for each node")

commands = {
    "init": (InitCluster, [ArgHost(min=1, max=1)],
             _PARAMS_OPTS + [MASTER_NETDEV_OPT, MASTER_IP_OPT, SECONDARY_IP_OPT, FILESTORE_OPT,
                             MAC_PREFIX_OPT, UIDPOOL_OPT, NOSSH_OPT],
             "[opts...] <cluster_name>", "Initialises a new cluster configuration"),
    "destroy": (DestroyCluster, [], [YES_DOIT_OPT], "", "Destroy the cluster"),
    "getmaster": (ShowClusterMaster, [], [], "", "Show the master node"),
    "info": (ShowClusterConfig, [], [], "", "Show the cluster's configuration"),
    "modify": (SetClusterParams, [], _PARAMS_OPTS + [UIDPOOL_OPT, ADD_UIDS_OPT, REMOVE_UIDS_OPT,
                                                     SUBMIT_OPT],
               "[opts...]", "Change the cluster's parameters"),
    "verify": (VerifyCluster, [], [VERBOSE_OPT, ERROR_CODES_OPT, SIMERR_OPT], "",
               "Check the cluster's consistency on every node"),
    "redist-conf": (RedistributeConfig, [], [SUBMIT_OPT], "",
                    "Push the configuration and the cluster's files to all nodes again"),
    "master-failover": (MasterFailover, [], [NOVOTING_OPT, YES_DOIT_OPT], "",
                        "Make this node the master (run on the new master)"),
    "command": (RunClusterCommand, [ArgCommand(min=1)], [NODE_LIST_OPT, TIMEOUT],
                "[-n node...] <command>", "Run a command on every node (over SSH)"),
    "copyfile": (ClusterCopyFile, [ArgFile(min=1, max=1)], [NODE_LIST_OPT],
                 "[-n node...] <file>", "Copy a file to every node (over SSH)"),
    "version": (ShowVersion, [], [], "", "Show the software's versions"),
    "queue": (QueueOps, [ArgUnknown(min=1, max=1)], [], "drain|undrain|info",
              "Change or show the job queue's drain flag"),
    "watcher": (WatcherOps, [ArgUnknown(min=1, max=2)], [], "pause <duration>|continue|info",
                "Pause or resume the watcher"),
    "search-tags": (SearchTags, [ArgUnknown(min=1, max=1)], [], "<regexp>",
                    "Search the tags of every object"),
    "dump-info": (DumpConfig, [], [], "", "Cluster information as JSON"),
    **tags.TagCommands(constants.TAG_CLUSTER, "cluster"),
}


def Main() -> int:
    return cli.GenericMain(commands)


if __name__ == "__main__":
    sys.exit(Main())
