"""gnt-node: add, remove, list and change the cluster's nodes."""

from __future__ import annotations

import sys
from typing import Any

from ganeti import cli, constants, errors, opcodes
from ganeti.cli import (
    FIELDS_OPT,
    FORCE_OPT,
    NOHDR_OPT,
    SEP_OPT,
    SUBMIT_OPT,
    SYNC_OPT,
    USEUNITS_OPT,
    ArgNode,
    ArgUnknown,
    ToStdout,
    cli_option,
)
from ganeti.client import tags

_LIST_DEF_FIELDS = ["name", "dtotal", "dfree", "mtotal", "mnode", "mfree", "pinst_cnt",
                    "sinst_cnt"]
# upstream's column titles
_HEADERS = {
    "name": "Node", "pinst_cnt": "Pinst", "sinst_cnt": "Sinst", "pinst_list": "PriInstances",
    "sinst_list": "SecInstances", "pip": "PrimaryIP", "sip": "SecondaryIP", "dtotal": "DTotal",
    "dfree": "DFree", "mtotal": "MTotal", "mnode": "MNode", "mfree": "MFree", "bootid": "BootID",
    "ctotal": "CTotal", "cnodes": "CNodes", "csockets": "CSockets", "cnos": "CNOs", "tags": "Tags",
    "serial_no": "SerialNo", "master_candidate": "MasterC", "master": "IsMaster",
    "offline": "Offline", "drained": "Drained", "role": "Role", "ctime": "CTime",
    "mtime": "MTime", "uuid": "UUID",
}
_UNIT_FIELDS = frozenset(["dtotal", "dfree", "mtotal", "mnode", "mfree"])
_NUM_FIELDS = frozenset(["pinst_cnt", "sinst_cnt", "ctotal", "cnodes", "csockets", "cnos",
                         "serial_no"]) | _UNIT_FIELDS

_STORAGE_DEF_FIELDS = [constants.SF_NODE, constants.SF_TYPE, constants.SF_NAME,
                       constants.SF_SIZE, constants.SF_USED, constants.SF_FREE,
                       constants.SF_ALLOCATABLE]
_STORAGE_HEADERS = {constants.SF_NODE: "Node", constants.SF_TYPE: "Type",
                    constants.SF_NAME: "Name", constants.SF_SIZE: "Size",
                    constants.SF_USED: "Used", constants.SF_FREE: "Free",
                    constants.SF_ALLOCATABLE: "Allocatable"}

SECONDARY_IP_OPT = cli_option("-s", "--secondary-ip", dest="secondary_ip", default=None,
                              help="The node's secondary (replication) IP")
READD_OPT = cli_option("--readd", dest="readd", action="store_true", default=False,
                       help="Re-add a node that is already in the configuration")
MC_OPT = cli_option("-C", "--master-candidate", dest="master_candidate", type="bool",
                    default=None, help="Set the master candidate flag (yes|no)")
OFFLINE_OPT = cli_option("-O", "--offline", dest="offline", type="bool", default=None,
                         help="Set the offline flag (yes|no)")
DRAINED_OPT = cli_option("-D", "--drained", dest="drained", type="bool", default=None,
                         help="Set the drained flag (yes|no)")
AUTO_PROMOTE_OPT = cli_option("--auto-promote", dest="auto_promote", action="store_true",
                              default=False,
                              help="Promote other nodes to keep the candidate pool full")
STORAGE_TYPE_OPT = cli_option("-t", "--storage-type", dest="user_storage_type",
                              default=constants.ST_LVM_PV,
                              choices=sorted(constants.VALID_STORAGE_TYPES),
                              help="Storage type (default: %default)")
ALLOCATABLE_OPT = cli_option("--allocatable", dest="allocatable", type="bool", default=None,
                             help="Set the allocatable flag of a storage unit (yes|no)")


def AddNode(opts: Any, args: list[str]) -> int:
    op = opcodes.OpNodeAdd(node_name=args[0], secondary_ip=opts.secondary_ip,
                           readd=opts.readd)
    uuid = cli.SubmitOrSend(op, opts)
    ToStdout("Node %s added (uuid %s)", args[0], uuid)
    return 0


def RemoveNode(opts: Any, args: list[str]) -> int:
    cli.SubmitOrSend(opcodes.OpNodeRemove(node_name=args[0]), opts)
    return 0


def ListNodes(opts: Any, args: list[str]) -> int:
    fields = cli.ParseFields(opts.output, _LIST_DEF_FIELDS)
    rows = cli.GetClient().QueryNodes(args, fields, opts.do_locking)
    headers = None if opts.no_headers else _HEADERS
    for line in cli.GenerateTable(headers, fields, opts.separator, rows,
                                  numfields=_NUM_FIELDS, unitfields=_UNIT_FIELDS,
                                  units=opts.units):
        ToStdout(line)
    return 0


_INFO_FIELDS = ["name", "uuid", "pip", "sip", "role", "master_candidate", "offline", "drained",
                "pinst_list", "sinst_list", "tags", "mtotal", "mfree", "dtotal", "dfree",
                "ctotal"]


def ShowNodeConfig(opts: Any, args: list[str]) -> int:
    for row in cli.GetClient().QueryNodes(args, _INFO_FIELDS, False):
        info = dict(zip(_INFO_FIELDS, row))
        ToStdout("Node name: %s", info["name"])
        ToStdout("  uuid: %s", info["uuid"])
        ToStdout("  primary ip: %s", info["pip"])
        ToStdout("  secondary ip: %s", info["sip"])
        ToStdout("  role: %s", info["role"])
        ToStdout("  master candidate: %s", info["master_candidate"])
        ToStdout("  offline: %s", info["offline"])
        ToStdout("  drained: %s", info["drained"])
        ToStdout("  tags: %s", ", ".join(info["tags"]) or "(none)")
        for key, title in (("pinst_list", "primary for"), ("sinst_list", "secondary for")):
            ToStdout("  %s instances:%s", title,
                     "".join("\n    - %s" % i for i in info[key]) or " none")
        if info["mtotal"] is not None:
            ToStdout("  memory: %s total, %s free", info["mtotal"], info["mfree"])
    return 0


def SetNodeParams(opts: Any, args: list[str]) -> int:
    if opts.master_candidate is None and opts.offline is None and opts.drained is None:
        cli.ToStderr("Please give at least one of the parameters.")
        return 1
    op = opcodes.OpNodeSetParams(node_name=args[0], master_candidate=opts.master_candidate,
                                 offline=opts.offline, drained=opts.drained,
                                 auto_promote=opts.auto_promote, force=opts.force)
    result = cli.SubmitOrSend(op, opts)
    if result:
        ToStdout("Modified node %s", args[0])
        for param, value in result:
            ToStdout(" - %-5s -> %s", param, value)
    return 0


def PowercycleNode(opts: Any, args: list[str]) -> int:
    if not opts.confirm and not cli.AskUser("Are you sure you want to hard powercycle node"
                                            " %s?" % args[0]):
        return 2
    result = cli.SubmitOrSend(opcodes.OpNodePowercycle(node_name=args[0], force=opts.force),
                              opts)
    ToStdout(result)
    return 0


def ListStorage(opts: Any, args: list[str]) -> int:
    fields = cli.ParseFields(opts.output, _STORAGE_DEF_FIELDS)
    op = opcodes.OpNodeQueryStorage(nodes=args, storage_type=opts.user_storage_type,
                                    output_fields=fields)
    rows = cli.SubmitOpCode(op, opts=opts)
    headers = None if opts.no_headers else _STORAGE_HEADERS
    units = {constants.SF_SIZE, constants.SF_USED, constants.SF_FREE}
    for line in cli.GenerateTable(headers, fields, opts.separator, rows, numfields=units,
                                  unitfields=units, units=opts.units):
        ToStdout(line)
    return 0


def ModifyStorage(opts: Any, args: list[str]) -> int:
    node, storage_type, name = args
    changes = {}
    if opts.allocatable is not None:
        changes[constants.SF_ALLOCATABLE] = opts.allocatable
    if not changes:
        raise errors.OpPrereqError("No changes to storage unit %s given" % name,
                                   errors.ECODE_INVAL)
    cli.SubmitOrSend(opcodes.OpNodeModifyStorage(node_name=node, storage_type=storage_type,
                                                 name=name, changes=changes), opts)
    return 0


def RepairStorage(opts: Any, args: list[str]) -> int:
    node, storage_type, name = args
    cli.SubmitOrSend(opcodes.OpRepairNodeStorage(node_name=node, storage_type=storage_type,
                                                 name=name,
                                                 ignore_consistency=opts.ignore_consistency),
                     opts)
    return 0


IGNORE_CONSIST_OPT = cli_option("--ignore-consistency", dest="ignore_consistency",
                                action="store_true", default=False,
                                help="Repair even if mirrored disks may lose redundancy")
CONFIRM = cli_option("--yes", dest="confirm", action="store_true", default=False,
                     help="Do not ask for confirmation")
_LIST_OPTS = [NOHDR_OPT, SEP_OPT, USEUNITS_OPT, FIELDS_OPT]

commands = {
    "add": (AddNode, [ArgNode(min=1, max=1)], [SECONDARY_IP_OPT, READD_OPT, SUBMIT_OPT],
            "[-s ip] [--readd] <node_name>", "Add a node to the cluster"),
    "remove": (RemoveNode, [ArgNode(min=1, max=1)], [SUBMIT_OPT], "<node_name>",
               "Remove a node from the cluster"),
    "list": (ListNodes, [ArgNode()], _LIST_OPTS + [SYNC_OPT], "[nodes...]",
             "List nodes; fields: %s (default: %s)" % (", ".join(sorted(_HEADERS)),
                                                        ", ".join(_LIST_DEF_FIELDS))),
    "info": (ShowNodeConfig, [ArgNode()], [], "[nodes...]", "Show information about nodes"),
    "modify": (SetNodeParams, [ArgNode(min=1, max=1)],
               [MC_OPT, OFFLINE_OPT, DRAINED_OPT, AUTO_PROMOTE_OPT, FORCE_OPT, SUBMIT_OPT],
               "<node_name>", "Change a node's role flags"),
    "powercycle": (PowercycleNode, [ArgNode(min=1, max=1)], [FORCE_OPT, CONFIRM, SUBMIT_OPT],
                   "<node_name>", "Hard-reboot a node"),
    "list-storage": (ListStorage, [ArgNode()], _LIST_OPTS + [STORAGE_TYPE_OPT], "[nodes...]",
                     "List storage units (lvm-pv, lvm-vg, file)"),
    "modify-storage": (ModifyStorage, [ArgUnknown(min=3, max=3)], [ALLOCATABLE_OPT, SUBMIT_OPT],
                       "<node> <storage_type> <name>", "Change a storage unit"),
    "repair-storage": (RepairStorage, [ArgUnknown(min=3, max=3)],
                       [IGNORE_CONSIST_OPT, SUBMIT_OPT], "<node> <storage_type> <name>",
                       "Repair a storage unit"),
    **tags.TagCommands(constants.TAG_NODE, "node"),
}


def Main() -> int:
    return cli.GenericMain(commands)


if __name__ == "__main__":
    sys.exit(Main())
