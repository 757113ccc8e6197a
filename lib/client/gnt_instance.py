"""gnt-instance: create, control, change, inspect and remove instances.

Options are upstream's (-t, -o, -n node[:snode], --disk N:size=S, --net
N:mode=...,ip=..., -B, -H, --no-start, --no-ip-check, --no-name-check,
--force-variant, --dry-run, --submit, ...). Long operations print their
job's log as it happens (cli.SubmitOrSend).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ganeti import cli, constants, errors, opcodes, utils
from ganeti.cli import (
    BACKEND_OPT,
    DRY_RUN_OPT,
    FIELDS_OPT,
    FORCE_OPT,
    HVOPTS_OPT,
    NOHDR_OPT,
    SEP_OPT,
    SUBMIT_OPT,
    SYNC_OPT,
    USEUNITS_OPT,
    ArgInstance,
    ArgUnknown,
    ToStderr,
    ToStdout,
    cli_option,
)
from ganeti.client import tags

_LIST_DEF_FIELDS = ["name", "os", "pnode", "status", "oper_ram"]
_HEADERS = {
    "name": "Instance", "uuid": "UUID", "os": "OS", "pnode": "Primary_node",
    "snodes": "Secondary_Nodes", "admin_state": "Autostart", "oper_state": "Running",
    "oper_ram": "Memory", "oper_vcpus": "VCPUs", "disk_template": "Disk_template",
    "ip": "IP_address", "mac": "MAC_address", "nic_mode": "NIC_Mode", "nic_link": "NIC_Link",
    "bridge": "Bridge", "sda_size": "Disk/0", "sdb_size": "Disk/1", "disk_usage": "DiskUsage",
    "status": "Status", "tags": "Tags", "network_port": "Network_port", "vcpus": "VCPUs",
    "serial_no": "SerialNo", "hypervisor": "Hypervisor", "ctime": "CTime", "mtime": "MTime",
    "disk.count": "Disks", "nic.count": "NICs", "disk.sizes": "Disk_sizes",
    "nic.macs": "NIC_MACs", "nic.ips": "NIC_IPs", "nic.modes": "NIC_modes",
    "nic.links": "NIC_links", "nic.bridges": "NIC_bridges", "beparams": "BeParams",
    "hvparams": "HvParams",
}
_UNIT_FIELDS = frozenset(["oper_ram", "sda_size", "sdb_size", "disk_usage", "be/memory"])
_NUM_FIELDS = frozenset(["oper_vcpus", "vcpus", "serial_no", "disk.count", "nic.count",
                         "network_port", "be/vcpus"]) | _UNIT_FIELDS


def _Header(field: str) -> str:
    if field in _HEADERS:
        return _HEADERS[field]
    kind, _, rest = field.partition("/")
    if kind in ("hv", "be"):
        return "%s/%s" % (kind.upper(), rest)
    return field.replace(".size/", "/").replace("nic.", "NIC_").replace("disk/", "Disk/")


def _IsUnitField(field: str) -> bool:
    return field in _UNIT_FIELDS or field.startswith("disk.size/")


def _FormatListValue(field: str, value: Any) -> Any:
    if field == "admin_state":
        return "yes" if value else "no"
    if field == "oper_state" and value is not None:
        return "running" if value else "stopped"
    if field in ("ctime", "mtime") and value is not None:
        return cli.FormatTimestamp(value)
    if isinstance(value, dict):
        return ",".join("%s=%s" % item for item in sorted(value.items()))
    if isinstance(value, list):
        return ",".join("-" if v is None else str(v) for v in value) or "-"
    return value


def ListInstances(opts: Any, args: list[str]) -> int:
    fields = cli.ParseFields(opts.output, _LIST_DEF_FIELDS)
    rows = cli.GetClient().QueryInstances(args, fields, opts.do_locking)
    rows = [[_FormatListValue(f, v) for f, v in zip(fields, row)] for row in rows]
    headers = None if opts.no_headers else {f: _Header(f) for f in fields}
    units = [f for f in fields if _IsUnitField(f)]
    nums = [f for f in fields if f in _NUM_FIELDS or f in units]
    for line in cli.GenerateTable(headers, fields, opts.separator, rows, numfields=nums,
                                  unitfields=units, units=opts.units):
        ToStdout(line)
    return 0


# --- parsing the creation and modification options -------------------------------------

def _ParseHypervisorOption(value: str | None) -> tuple[str | None, dict[str, Any]]:
    """-H for add: "hv", "hv:opt=val,..." or just "opt=val,..." (default hypervisor)."""
    if not value:
        return None, {}
    head, sep, rest = value.partition(":")
    if "=" in head or not sep and "=" in value:
        return None, cli.ParseKeyVal("-H", value)
    return head, cli.ParseKeyVal("-H", rest) if sep else {}


def _Indexed(opt: str, items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """--disk/--net N:params options as a list ordered by N (no gaps)."""
    by_index: dict[int, dict[str, Any]] = {}
    for ident, params in items:
        if not ident.isdigit() or params is False or params is None:
            raise errors.OpPrereqError("Invalid %s specification '%s' (expected N:key=value,...)"
                                       % (opt, ident), errors.ECODE_INVAL)
        if int(ident) in by_index:
            raise errors.OpPrereqError("%s %s given twice" % (opt, ident), errors.ECODE_INVAL)
        by_index[int(ident)] = params
    if sorted(by_index) != list(range(len(by_index))):
        raise errors.OpPrereqError("%s indices must be 0, 1, ... without gaps (got %s)"
                                   % (opt, ", ".join(map(str, sorted(by_index)))),
                                   errors.ECODE_INVAL)
    return [by_index[i] for i in range(len(by_index))]


def _DiskParams(params: dict[str, Any]) -> dict[str, Any]:
    result = dict(params)
    if constants.IDISK_SIZE in result:
        try:
            result[constants.IDISK_SIZE] = utils.ParseUnit(result[constants.IDISK_SIZE])
        except errors.UnitParseError as err:
            raise errors.OpPrereqError("Invalid disk size '%s': %s"
                                       % (result[constants.IDISK_SIZE], err),
                                       errors.ECODE_INVAL) from err
    return result


def _CreateDisks(opts: Any) -> list[dict[str, Any]]:
    if opts.disks and opts.sd_size is not None:
        raise errors.OpPrereqError("Give either --disk or -s, not both", errors.ECODE_INVAL)
    if opts.sd_size is not None:
        return [{constants.IDISK_SIZE: opts.sd_size}]
    disks = [_DiskParams(p) for p in _Indexed("--disk", opts.disks or [])]
    if not disks and opts.disk_template != constants.DT_DISKLESS:
        raise errors.OpPrereqError("No disk information specified (use --disk 0:size=SIZE"
                                   " or -s SIZE)", errors.ECODE_INVAL)
    return disks


def _CreateNics(opts: Any) -> list[dict[str, Any]]:
    if opts.no_nics:
        if opts.nics:
            raise errors.OpPrereqError("--no-nics and --net exclude each other",
                                       errors.ECODE_INVAL)
        return []
    return _Indexed("--net", opts.nics) if opts.nics else [{}]


def AddInstance(opts: Any, args: list[str]) -> int:
    if not opts.os and not opts.dry_run:
        raise errors.OpPrereqError("Please give the OS to install (-o)", errors.ECODE_INVAL)
    pnode = snode = None
    if opts.node:
        pnode, _, snode = opts.node.partition(":")
        snode = snode or None
    hv_name, hvparams = _ParseHypervisorOption(opts.hypervisor)
    op = opcodes.OpInstanceCreate(
        instance_name=args[0], os_type=opts.os, force_variant=opts.force_variant,
        pnode=pnode, snode=snode, disk_template=opts.disk_template,
        mode=constants.INSTANCE_CREATE, disks=_CreateDisks(opts), nics=_CreateNics(opts),
        start=opts.start, wait_for_sync=opts.wait_for_sync,
        ip_check=opts.ip_check and opts.name_check,
        name_check=opts.name_check, file_storage_dir=opts.file_storage_dir,
        file_driver=opts.file_driver, iallocator=opts.iallocator, hypervisor=hv_name,
        hvparams=hvparams, beparams=opts.beparams)
    result = cli.SubmitOrSend(op, opts)
    if opts.dry_run:
        ToStdout("Dry-run: instance %s would be placed on %s", args[0], ", ".join(result))
    return 0


def _ModificationList(opt: str, items: list[tuple[str, Any]] | None,
                      convert: Any = None) -> list[list[Any]]:
    """--disk/--net of modify: add[:params], remove, or N:params."""
    changes = []
    for ident, params in items or []:
        if params is False or params is None:
            raise errors.OpPrereqError("Invalid %s specification '%s'" % (opt, ident),
                                       errors.ECODE_INVAL)
        if ident in constants.DDMS_VALID:
            key: Any = ident
        elif ident.isdigit():
            key = int(ident)
        else:
            raise errors.OpPrereqError("Invalid %s specification '%s' (expected add, remove or"
                                       " an index)" % (opt, ident), errors.ECODE_INVAL)
        changes.append([key, convert(params) if convert else params])
    return changes


def SetInstanceParams(opts: Any, args: list[str]) -> int:
    if not (opts.nics or opts.disks or opts.hvparams or opts.beparams):
        ToStderr("Please give at least one of the parameters.")
        return 1
    op = opcodes.OpInstanceSetParams(
        instance_name=args[0], nics=_ModificationList("--net", opts.nics),
        disks=_ModificationList("--disk", opts.disks, _DiskParams),
        hvparams=opts.hvparams, beparams=opts.beparams, force=opts.force)
    result = cli.SubmitOrSend(op, opts)
    if result:
        ToStdout("Modified instance %s", args[0])
        for param, value in result:
            ToStdout(" - %-5s -> %s", param, value)
        ToStdout("Please don't forget that most parameters take effect only at the next"
                 " start of the instance.")
    return 0


# --- lifecycle ----------------------------------------------------------------------------

def _RunOnInstances(opts: Any, names: list[str], make_op: Any) -> int:
    """One job per instance: a single one followed live, several in parallel."""
    if not names:
        raise errors.OpPrereqError("No instance given", errors.ECODE_INVAL)
    if len(names) == 1:
        cli.SubmitOrSend(make_op(names[0]), opts)
        return 0
    jex = cli.JobExecutor(opts=opts)
    for name in names:
        jex.QueueJob(name, make_op(name))
    results = jex.WaitOrShow(not opts.submit_only)
    return 0 if all(ok for ok, _ in results) else 1


def StartupInstance(opts: Any, args: list[str]) -> int:
    return _RunOnInstances(opts, args, lambda name: opcodes.OpInstanceStartup(
        instance_name=name, force=opts.force, hvparams=opts.hvparams, beparams=opts.beparams))


def ShutdownInstance(opts: Any, args: list[str]) -> int:
    timeout = constants.DEFAULT_SHUTDOWN_TIMEOUT if opts.timeout is None else opts.timeout
    return _RunOnInstances(opts, args, lambda name: opcodes.OpInstanceShutdown(
        instance_name=name, timeout=timeout))


def RebootInstance(opts: Any, args: list[str]) -> int:
    return _RunOnInstances(opts, args, lambda name: opcodes.OpInstanceReboot(
        instance_name=name, reboot_type=opts.reboot_type,
        ignore_secondaries=opts.ignore_secondaries, shutdown_timeout=opts.shutdown_timeout))


def _Confirm(opts: Any, text: str) -> bool:
    return opts.force or cli.AskUser(text)


def RemoveInstance(opts: Any, args: list[str]) -> int:
    if not _Confirm(opts, "This will remove the volumes of the instance %s (including"
                    " mirrors), thus removing all the data of the instance. Continue?"
                    % args[0]):
        return 1
    cli.SubmitOrSend(opcodes.OpInstanceRemove(instance_name=args[0],
                                              ignore_failures=opts.ignore_failures,
                                              shutdown_timeout=opts.shutdown_timeout), opts)
    return 0


def ReinstallInstance(opts: Any, args: list[str]) -> int:
    if not _Confirm(opts, "This will reinstall the instance %s and remove all its data."
                    " Continue?" % args[0]):
        return 1
    cli.SubmitOrSend(opcodes.OpInstanceReinstall(instance_name=args[0], os_type=opts.os,
                                                 force_variant=opts.force_variant), opts)
    return 0


def RenameInstance(opts: Any, args: list[str]) -> int:
    new_name = cli.SubmitOrSend(opcodes.OpInstanceRename(
        instance_name=args[0], new_name=args[1], ip_check=opts.ip_check and opts.name_check,
        name_check=opts.name_check), opts)
    ToStdout("Instance '%s' renamed to '%s'", args[0], new_name)
    return 0


def GrowDisk(opts: Any, args: list[str]) -> int:
    name, disk, amount = args
    try:
        disk_idx = int(disk)
    except ValueError as err:
        raise errors.OpPrereqError("Invalid disk index '%s'" % disk, errors.ECODE_INVAL) from err
    cli.SubmitOrSend(opcodes.OpInstanceGrowDisk(instance_name=name, disk=disk_idx,
                                                amount=utils.ParseUnit(amount),
                                                wait_for_sync=opts.wait_for_sync), opts)
    return 0


def ActivateDisks(opts: Any, args: list[str]) -> int:
    result = cli.SubmitOrSend(opcodes.OpInstanceActivateDisks(instance_name=args[0],
                                                              ignore_size=opts.ignore_size),
                              opts)
    for node, iv_name, dev_path in result:
        ToStdout("%s:%s:%s", node, iv_name, dev_path)
    return 0


def DeactivateDisks(opts: Any, args: list[str]) -> int:
    cli.SubmitOrSend(opcodes.OpInstanceDeactivateDisks(instance_name=args[0]), opts)
    return 0


def RecreateDisks(opts: Any, args: list[str]) -> int:
    try:
        disks = [int(d) for d in opts.disks.split(",")] if opts.disks else []
    except ValueError as err:
        raise errors.OpPrereqError("Invalid disk indices '%s'" % opts.disks,
                                   errors.ECODE_INVAL) from err
    cli.SubmitOrSend(opcodes.OpInstanceRecreateDisks(instance_name=args[0], disks=disks), opts)
    return 0


def FailoverInstance(opts: Any, args: list[str]) -> int:
    if not _Confirm(opts, "Failover will happen to the instance %s. This requires a shutdown"
                    " of the instance. Continue?" % args[0]):
        return 1
    cli.SubmitOrSend(opcodes.OpInstanceFailover(instance_name=args[0],
                                                ignore_consistency=opts.ignore_consistency,
                                                shutdown_timeout=opts.shutdown_timeout), opts)
    return 0


def MigrateInstance(opts: Any, args: list[str]) -> int:
    what = "clean up after a failed migration of" if opts.cleanup else "migrate"
    if not _Confirm(opts, "Will %s the instance %s. Continue?" % (what, args[0])):
        return 1
    cli.SubmitOrSend(opcodes.OpInstanceMigrate(instance_name=args[0], live=opts.live,
                                               cleanup=opts.cleanup), opts)
    return 0


def ConnectToConsole(opts: Any, args: list[str]) -> int:
    console = cli.SubmitOpCode(opcodes.OpInstanceConsole(instance_name=args[0]), opts=opts)
    kind = console.get("kind")
    if kind == constants.CONS_MESSAGE:
        ToStdout("%s", console.get("message"))
        return 1
    if kind == constants.CONS_VNC:
        ToStdout("Instance %s has VNC listening on %s:%s (display %s), connect with a VNC"
                 " client", args[0], console["host"], console["port"], console["display"])
        return 0
    if kind != constants.CONS_SSH:
        raise errors.OpExecError("Unknown console type %r" % kind)
    from ganeti import ssconf, ssh  # only this command needs them (CLI start-up time)
    runner = ssh.SshRunner(ssconf.SimpleStore().GetClusterName())
    argv = runner.BuildCmd(console["host"], console["user"], console["command"], batch=True,
                           tty=sys.stdin.isatty())
    if opts.show_command:
        ToStdout("%s", utils.ShellQuoteArgs(argv))
        return 0
    os.execvp(argv[0], argv)
    return 1  # not reached


def ShowInstanceConfig(opts: Any, args: list[str]) -> int:
    if not args and not opts.show_all:
        ToStderr("No instance selected. Please pass in --all if you want to query all"
                 " instances.")
        return 1
    from ganeti.client import instance_info
    result = cli.SubmitOpCode(opcodes.OpInstanceQueryData(instances=args, static=opts.static),
                              opts=opts)
    for name in utils.NiceSort(result):
        for line in instance_info.FormatInstanceInfo(result[name], opts.static):
            ToStdout("%s", line)
    return 0


# --- options ---------------------------------------------------------------------------------

DISK_TEMPLATE_OPT = cli_option("-t", "--disk-template", dest="disk_template",
                               choices=sorted(constants.DISK_TEMPLATES),
                               help="Disk template (%s)" % ", ".join(sorted(constants.DISK_TEMPLATES)))
OS_OPT = cli_option("-o", "--os-type", dest="os", default=None, metavar="<os>[+<variant>]",
                    help="What OS to install")
FORCE_VARIANT_OPT = cli_option("--force-variant", dest="force_variant", action="store_true",
                               default=False, help="Force an OS variant the OS does not list")
NODE_PLACEMENT_OPT = cli_option("-n", "--node", dest="node", default=None,
                                metavar="<pnode>[:<snode>]",
                                help="Primary (and secondary) node for the instance")
IALLOCATOR_OPT = cli_option("-I", "--iallocator", dest="iallocator", default=None,
                            help="Instance allocator plugin choosing the nodes")
DISK_OPT = cli_option("--disk", dest="disks", action="append", type="identkeyval", default=None,
                      metavar="<N>:size=<size>[,mode=rw|ro]", help="Disk N (repeatable)")
OS_SIZE_OPT = cli_option("-s", "--os-size", dest="sd_size", type="unit", default=None,
                         metavar="<size>", help="Size of the only disk (same as --disk 0:size=)")
NET_OPT = cli_option("--net", dest="nics", action="append", type="identkeyval", default=None,
                     metavar="<N>:[mac=..,][ip=..,][mode=bridged|routed,][link=..]",
                     help="NIC N (repeatable)")
NONICS_OPT = cli_option("--no-nics", dest="no_nics", action="store_true", default=False,
                        help="Create the instance without network interfaces")
ADD_HV_OPT = cli_option("-H", "--hypervisor-parameters", dest="hypervisor", default=None,
                        metavar="[<hypervisor>:]<option>=<value>,...",
                        help="Hypervisor and/or hypervisor parameters")
NOSTART_OPT = cli_option("--no-start", dest="start", action="store_false", default=True,
                         help="Don't start the instance after creation")
NOIPCHECK_OPT = cli_option("--no-ip-check", dest="ip_check", action="store_false",
                           default=True, help="Don't check that the instance's IP is unused"
                           " (implied by --no-name-check)")
NONAMECHECK_OPT = cli_option("--no-name-check", dest="name_check", action="store_false",
                             default=True, help="Don't resolve the instance name")
NOWAIT_OPT = cli_option("--no-wait-for-sync", dest="wait_for_sync", action="store_false",
                        default=True, help="Don't wait for the disks to sync")
FILESTORE_DIR_OPT = cli_option("--file-storage-dir", dest="file_storage_dir", default=None,
                               help="Subdirectory of the cluster file storage dir for the disks")
FILESTORE_DRIVER_OPT = cli_option("--file-driver", dest="file_driver", default=None,
                                  choices=sorted(constants.FILE_DRIVER),
                                  help="Driver for file-based disks")
SHUTDOWN_TIMEOUT_OPT = cli_option("--shutdown-timeout", dest="shutdown_timeout", type="int",
                                  default=constants.DEFAULT_SHUTDOWN_TIMEOUT,
                                  help="Seconds to wait for the instance to shut down")
TIMEOUT_OPT = cli_option("--timeout", dest="timeout", type="int", default=None,
                         help="Seconds to wait for a clean shutdown (default %d)"
                         % constants.DEFAULT_SHUTDOWN_TIMEOUT)
REBOOT_TYPE_OPT = cli_option("-t", "--type", dest="reboot_type",
                             default=constants.INSTANCE_REBOOT_HARD,
                             choices=sorted(constants.REBOOT_TYPES),
                             help="Type of reboot: soft, hard or full (default hard)")
IGNORE_SECONDARIES_OPT = cli_option("--ignore-secondaries", dest="ignore_secondaries",
                                    action="store_true", default=False,
                                    help="Ignore errors from secondaries (full reboot)")
IGNORE_FAILURES_OPT = cli_option("--ignore-failures", dest="ignore_failures",
                                 action="store_true", default=False,
                                 help="Remove the instance from the cluster even if the"
                                      " removal of its disks fails")
IGNORE_CONSIST_OPT = cli_option("--ignore-consistency", dest="ignore_consistency",
                                action="store_true", default=False,
                                help="Fail over even if the disks are degraded")
IGNORE_SIZE_OPT = cli_option("--ignore-size", dest="ignore_size", action="store_true",
                             default=False, help="Don't check the recorded disk sizes")
NONLIVE_OPT = cli_option("--non-live", dest="live", action="store_false", default=True,
                         help="Pause the instance during the migration")
CLEANUP_OPT = cli_option("--cleanup", dest="cleanup", action="store_true", default=False,
                         help="Recover from an interrupted migration")
SHOWCMD_OPT = cli_option("--show-cmd", dest="show_command", action="store_true",
                         default=False, help="Only print the console command")
STATIC_OPT = cli_option("-s", "--static", dest="static", action="store_true", default=False,
                        help="Only configuration data (don't ask the nodes)")
ALL_OPT = cli_option("--all", dest="show_all", action="store_true", default=False,
                     help="Show all instances")
RECREATE_DISKS_OPT = cli_option("--disks", dest="disks", default=None,
                                help="Comma-separated disk indices (default: all)")
MOD_DISK_OPT = cli_option("--disk", dest="disks", action="append", type="identkeyval",
                          default=None, metavar="add:size=<size>|remove|<N>:mode=rw|ro",
                          help="Disk change (repeatable)")
MOD_NET_OPT = cli_option("--net", dest="nics", action="append", type="identkeyval", default=None,
                         metavar="add[:params]|remove|<N>:params", help="NIC change (repeatable)")

_ADD_OPTS = [DISK_TEMPLATE_OPT, OS_OPT, FORCE_VARIANT_OPT, NODE_PLACEMENT_OPT, IALLOCATOR_OPT,
             DISK_OPT, OS_SIZE_OPT, NET_OPT, NONICS_OPT, BACKEND_OPT, ADD_HV_OPT, NOSTART_OPT,
             NOIPCHECK_OPT, NONAMECHECK_OPT, NOWAIT_OPT, FILESTORE_DIR_OPT,
             FILESTORE_DRIVER_OPT, DRY_RUN_OPT, SUBMIT_OPT]
_ONE = [ArgInstance(min=1, max=1)]
_MANY = [ArgInstance(min=1)]

commands = {
    "add": (AddInstance, _ONE, _ADD_OPTS,
            "-t <template> -o <os> -n <pnode>[:<snode>] [--disk 0:size=<size>] ... <name>",
            "Create and add a new instance to the cluster"),
    "remove": (RemoveInstance, _ONE, [FORCE_OPT, IGNORE_FAILURES_OPT, SHUTDOWN_TIMEOUT_OPT,
                                      SUBMIT_OPT],
               "[-f] <instance>", "Shut down an instance and remove it with its disks"),
    "list": (ListInstances, [ArgInstance()], [NOHDR_OPT, SEP_OPT, USEUNITS_OPT, FIELDS_OPT,
                                              SYNC_OPT],
             "[-o fields] [instance...]",
             "List instances; default fields: %s" % ",".join(_LIST_DEF_FIELDS)),
    "info": (ShowInstanceConfig, [ArgInstance()], [STATIC_OPT, ALL_OPT], "[-s] {--all | name...}",
             "Show detailed information about instances"),
    "startup": (StartupInstance, _MANY, [FORCE_OPT, BACKEND_OPT, HVOPTS_OPT, SUBMIT_OPT],
                "[-H params] [-B params] <instance>...",
                "Start instances (-H/-B: parameters for this start only)"),
    "shutdown": (ShutdownInstance, _MANY, [TIMEOUT_OPT, SUBMIT_OPT], "[--timeout N] <instance>...",
                 "Stop instances"),
    "reboot": (RebootInstance, _MANY, [REBOOT_TYPE_OPT, IGNORE_SECONDARIES_OPT,
                                       SHUTDOWN_TIMEOUT_OPT, SUBMIT_OPT],
               "[-t soft|hard|full] <instance>...", "Reboot instances"),
    "reinstall": (ReinstallInstance, _ONE, [FORCE_OPT, OS_OPT, FORCE_VARIANT_OPT, SUBMIT_OPT],
                  "[-f] [-o <os>] <instance>", "Reinstall a stopped instance's OS"),
    "rename": (RenameInstance, [ArgInstance(min=1, max=1), ArgUnknown(min=1, max=1)],
               [NOIPCHECK_OPT, NONAMECHECK_OPT, SUBMIT_OPT], "<instance> <new_name>",
               "Rename a stopped instance"),
    "modify": (SetInstanceParams, _ONE, [BACKEND_OPT, HVOPTS_OPT, MOD_DISK_OPT, MOD_NET_OPT,
                                         FORCE_OPT, SUBMIT_OPT],
               "[-H ...] [-B ...] [--disk ...] [--net ...] <instance>",
               "Change an instance's parameters, disks and NICs"),
    "grow-disk": (GrowDisk, [ArgInstance(min=1, max=1), ArgUnknown(min=2, max=2)],
                  [NOWAIT_OPT, SUBMIT_OPT], "<instance> <disk> <size>",
                  "Grow one of an instance's disks"),
    "activate-disks": (ActivateDisks, _ONE, [IGNORE_SIZE_OPT, SUBMIT_OPT], "<instance>",
                       "Activate an instance's disks"),
    "deactivate-disks": (DeactivateDisks, _ONE, [SUBMIT_OPT], "<instance>",
                         "Deactivate a stopped instance's disks"),
    "recreate-disks": (RecreateDisks, _ONE, [RECREATE_DISKS_OPT, SUBMIT_OPT],
                       "[--disks=0,1] <instance>", "Create a stopped instance's disks again"),
    "console": (ConnectToConsole, _ONE, [SHOWCMD_OPT], "[--show-cmd] <instance>",
                "Connect to a running instance's console"),
    "failover": (FailoverInstance, _ONE, [FORCE_OPT, IGNORE_CONSIST_OPT, SHUTDOWN_TIMEOUT_OPT,
                                          SUBMIT_OPT],
                 "[-f] <instance>", "Stop an instance and start it on its secondary node"),
    "migrate": (MigrateInstance, _ONE, [FORCE_OPT, NONLIVE_OPT, CLEANUP_OPT, SUBMIT_OPT],
                "[-f] [--non-live] [--cleanup] <instance>",
                "Move a running instance to its secondary node"),
    **tags.TagCommands(constants.TAG_INSTANCE, "instance"),
}
aliases = {"start": "startup", "stop": "shutdown"}


def Main() -> int:
    return cli.GenericMain(commands, aliases=aliases)


if __name__ == "__main__":
    sys.exit(Main())
