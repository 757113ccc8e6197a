"""The table of RPC procedures, the one place both ends read.

Every procedure the master can call on a node daemon is one Procedure here:
its name (the URL path), its arguments (name and kind), its timeout, whether
it targets one node or many, and the backend function that runs it on the
node. ganeti.rpc.node generates RpcRunner.call_<name> from this table and
ganeti-noded dispatches with it, so adding a procedure is adding an entry.

Argument kinds say how a value travels. The master encodes, the node
decodes:
- PLAIN: JSON as it is.
- PATH / PATH_LIST / PATH_PAIRS: file names. The master strips its own
  GANETI_ROOTDIR, the node puts its own in front, so a virtual cluster's
  nodes (each under its own root) exchange the same cluster paths. On real
  nodes both roots are empty.
- COMPRESSED: bytes or text, sent zlib-compressed and base64-encoded when
  large; the node gets bytes.
- Object(cls) / ObjectList(cls): ganeti.objects instances, sent as ToDict()
  and rebuilt with cls.FromDict() on the node.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import os
import zlib
from typing import Any, Callable, Sequence

from ganeti import constants, errors, pathutils

SINGLE = "single"  # call_x(node, *args) -> RpcResult
MULTI = "multi"  # call_x(node_list, *args) -> {node: RpcResult}

_COMPRESS_THRESHOLD = 4096


@dataclasses.dataclass(frozen=True)
class ArgKind:
    """How an argument travels: encode (master side) and decode (node side)."""

    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _Same(value: Any) -> Any:
    return value


def StripRoot(path: str) -> str:
    """A local path as the cluster-wide path it stands for (without our root)."""
    if not isinstance(path, str) or not os.path.isabs(path):
        raise errors.ProgrammerError("RPC path argument %r is not an absolute path" % (path,))
    path = os.path.normpath(path)
    root = pathutils.GetRootDir()
    if not root:
        return path
    if path == root:
        return "/"
    if not path.startswith(root + "/"):
        raise errors.ProgrammerError("Path %s is outside this node's root %s" % (path, root))
    return path[len(root):]


def AddRoot(path: Any) -> str:
    """A cluster-wide path received over RPC as this node's local path."""
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise errors.ParameterError("Invalid path %r" % (path,))
    return pathutils.Prefix(os.path.normpath(path))


def EncodeData(data: bytes | str) -> list[Any]:
    """(encoding, payload): compressed+base64 when large or binary."""
    if isinstance(data, str) and len(data) < _COMPRESS_THRESHOLD:
        return [constants.RPC_ENCODING_NONE, data]
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return [constants.RPC_ENCODING_ZLIB_BASE64,
            base64.b64encode(zlib.compress(raw)).decode("ascii")]


def DecodeData(value: Any) -> bytes:
    """The bytes of an EncodeData pair."""
    try:
        encoding, payload = value
    except (TypeError, ValueError):
        raise errors.ParameterError("Invalid encoded data") from None
    if encoding == constants.RPC_ENCODING_NONE and isinstance(payload, str):
        return payload.encode("utf-8")
    if encoding == constants.RPC_ENCODING_ZLIB_BASE64 and isinstance(payload, str):
        try:
            return zlib.decompress(base64.b64decode(payload, validate=True))
        except (ValueError, zlib.error) as err:
            raise errors.ParameterError("Cannot decode data: %s" % err) from err
    raise errors.ParameterError("Unknown data encoding %r" % (encoding,))


def _ObjectClass(cls_name: str) -> Any:
    from ganeti import objects
    return getattr(objects, cls_name)


def Object(cls_name: str) -> ArgKind:
    """An objects.<cls_name> instance (None passes as None)."""
    return ArgKind("object:" + cls_name,
                   lambda obj: None if obj is None else obj.ToDict(),
                   lambda d: None if d is None else _ObjectClass(cls_name).FromDict(d))


def ObjectList(cls_name: str) -> ArgKind:
    """A list of objects.<cls_name> instances."""
    return ArgKind("objects:" + cls_name,
                   lambda objs: [o.ToDict() for o in objs],
                   lambda ds: [_ObjectClass(cls_name).FromDict(d) for d in ds])


PLAIN = ArgKind("plain", _Same, _Same)
PATH = ArgKind("path", StripRoot, AddRoot)
PATH_LIST = ArgKind("path-list", lambda ps: [StripRoot(p) for p in ps],
                    lambda ps: [AddRoot(p) for p in ps])
PATH_PAIRS = ArgKind("path-pairs", lambda ps: [[StripRoot(a), StripRoot(b)] for a, b in ps],
                     lambda ps: [(AddRoot(a), AddRoot(b)) for a, b in ps])
COMPRESSED = ArgKind("compressed", EncodeData, DecodeData)


def _EncodeVerifyRequest(what: dict[str, Any]) -> dict[str, Any]:
    what = dict(what)
    if constants.NV_FILELIST in what:
        what[constants.NV_FILELIST] = [StripRoot(p) for p in what[constants.NV_FILELIST]]
    return what


# node_verify's request: the file list travels as cluster paths; the node
# answers with checksums keyed by those, which _NodeVerifyResult maps back.
NV_REQUEST = ArgKind("node-verify", _EncodeVerifyRequest, _Same)


@dataclasses.dataclass(frozen=True)
class Arg:
    name: str
    kind: ArgKind = PLAIN


@dataclasses.dataclass(frozen=True)
class Procedure:
    """One RPC procedure.

    timeout: seconds, or a function of the call's arguments (test_delay).
    handler: "module.Function" under ganeti.backend, run on the node with the
    decoded arguments; its return value is the payload, backend.RPCFail its
    failure message.
    prepare: master side, turns the caller's arguments into the wire
    arguments before encoding (upload_file reads the file there).
    postproc: master side, turns a successful payload into the result.
    """

    name: str
    kind: str
    args: tuple[Arg, ...]
    timeout: int | Callable[..., float]
    handler: str
    doc: str
    prepare: Callable[..., Sequence[Any]] | None = None
    postproc: Callable[[Any], Any] | None = None

    def GetTimeout(self, args: Sequence[Any]) -> float:
        return self.timeout(*args) if callable(self.timeout) else self.timeout

    def EncodeArgs(self, args: Sequence[Any]) -> list[Any]:
        """Master side: the wire arguments of a call."""
        if self.prepare is not None:
            args = self.prepare(*args)
        if len(args) != len(self.args):
            raise errors.ProgrammerError("RPC %s takes %d arguments (%s), got %d"
                                         % (self.name, len(self.args),
                                            ", ".join(a.name for a in self.args), len(args)))
        return [a.kind.encode(v) for a, v in zip(self.args, args)]

    def DecodeArgs(self, values: Any) -> list[Any]:
        """Node side: the handler's arguments from the wire arguments."""
        if not isinstance(values, list) or len(values) != len(self.args):
            raise errors.ParameterError("RPC %s expects a list of %d arguments"
                                        % (self.name, len(self.args)))
        return [a.kind.decode(v) for a, v in zip(self.args, values)]

    def GetHandler(self) -> Callable[..., Any]:
        """The backend function (imported on first use, on the node only)."""
        module, _, func = self.handler.rpartition(".")
        return getattr(importlib.import_module("ganeti.backend." + module), func)


def _PrepareUploadFile(file_name: str) -> list[Any]:
    """upload_file's wire arguments from a local file: name, data, mode, owner, times."""
    try:
        st = os.stat(file_name)
        with open(file_name, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise errors.OpExecError("Cannot read %s for upload: %s" % (file_name, err)) from err
    return [file_name, data, st.st_mode & 0o7777, st.st_uid, st.st_gid, st.st_atime, st.st_mtime]


def _NodeVerifyResult(result: Any) -> Any:
    if isinstance(result, dict) and isinstance(result.get(constants.NV_FILELIST), dict):
        result = dict(result)
        result[constants.NV_FILELIST] = {pathutils.Prefix(p): v for p, v in
                                         result[constants.NV_FILELIST].items()}
    return result


def _TestDelayTimeout(duration: float) -> float:
    return duration + constants.RPC_CONNECT_TIMEOUT


def _ShutdownTimeout(instance: Any, timeout: float) -> float:
    return timeout + constants.RPC_TMO_URGENT


def _RebootTimeout(instance: Any, reboot_type: str, shutdown_timeout: float) -> float:
    return shutdown_timeout + constants.RPC_TMO_NORMAL


_INST = Object("Instance")
_DISK = Object("Disk")
_DISKS = ObjectList("Disk")
_A = Arg

PROCEDURES: tuple[Procedure, ...] = (
    # --- node ---------------------------------------------------------------
    Procedure("version", MULTI, (), constants.RPC_TMO_URGENT, "node.GetVersion",
              "The node daemon's protocol version"),
    Procedure("node_info", MULTI, (_A("vg_name"), _A("hypervisor_type")),
              constants.RPC_TMO_URGENT, "node.GetNodeInfo",
              "Memory, CPU and disk facts of the node (VG and hypervisor optional)"),
    Procedure("node_verify", MULTI, (_A("checkdict", NV_REQUEST), _A("cluster_name")),
              constants.RPC_TMO_NORMAL, "verify.VerifyNode",
              "The node's answers to the checks named in checkdict (NV_* keys)",
              postproc=_NodeVerifyResult),
    Procedure("node_powercycle", SINGLE, (_A("hypervisor_type"),), constants.RPC_TMO_NORMAL,
              "node.PowercycleNode", "Hard-reboot the node a moment after answering"),
    Procedure("master_activate_ip", SINGLE, (_A("master_ip"), _A("master_netdev")),
              constants.RPC_TMO_FAST, "master.ActivateMasterIp",
              "Add the cluster's master IP to the master network device"),
    Procedure("master_deactivate_ip", SINGLE, (_A("master_ip"), _A("master_netdev")),
              constants.RPC_TMO_FAST, "master.DeactivateMasterIp",
              "Remove the cluster's master IP from the master network device"),
    Procedure("test_delay", MULTI, (_A("duration"),), _TestDelayTimeout, "node.TestDelay",
              "Sleep for duration seconds (tests the RPC machinery)"),
    # --- files ----------------------------------------------------------------
    Procedure("upload_file", MULTI,
              (_A("file_name", PATH), _A("data", COMPRESSED), _A("mode"), _A("uid"), _A("gid"),
               _A("atime"), _A("mtime")),
              constants.RPC_TMO_NORMAL, "files.UploadFile",
              "Write one of the cluster's files (allow-listed) with the master's content",
              prepare=_PrepareUploadFile),
    Procedure("write_ssconf_files", MULTI, (_A("values"),), constants.RPC_TMO_FAST,
              "files.WriteSsconfFiles", "Replace the node's ssconf files"),
    # --- hooks ------------------------------------------------------------------
    Procedure("hooks_runner", MULTI, (_A("hpath"), _A("phase"), _A("env")),
              constants.RPC_TMO_NORMAL, "hooks.RunHooks",
              "Run the hooks of one path and phase: [(script, HKR_*, output)]"),
    # --- job queue replication --------------------------------------------------
    Procedure("jobqueue_update", MULTI, (_A("file_name", PATH), _A("content", COMPRESSED)),
              constants.RPC_TMO_URGENT, "jobqueue.JobQueueUpdate",
              "Write a job queue file on a master candidate"),
    Procedure("jobqueue_rename", MULTI, (_A("rename", PATH_PAIRS),),
              constants.RPC_TMO_URGENT, "jobqueue.JobQueueRename",
              "Rename job queue files (archiving) on a master candidate"),
    Procedure("jobqueue_purge", SINGLE, (), constants.RPC_TMO_NORMAL, "jobqueue.JobQueuePurge",
              "Empty the job queue of a node that stops being a master candidate"),
    # --- cluster membership and the master role (backend.cluster) ---------------
    Procedure("master_info", MULTI, (), constants.RPC_TMO_URGENT, "cluster.GetMasterInfo",
              "[master_netdev, master_ip, master_node] from the node's ssconf (master votes)"),
    Procedure("node_start_master", SINGLE, (_A("start_daemons"), _A("no_voting")),
              constants.RPC_TMO_FAST, "cluster.StartMaster",
              "Activate the master IP and start the master daemons on this node"),
    Procedure("node_stop_master", SINGLE, (_A("stop_daemons"),), constants.RPC_TMO_FAST,
              "cluster.StopMaster", "Stop the master daemons and release the master IP"),
    Procedure("node_demote_from_mc", SINGLE, (), constants.RPC_TMO_FAST, "cluster.DemoteFromMC",
              "Drop the configuration copy and job queue of a demoted master candidate"),
    Procedure("node_ensure_daemons", MULTI, (), constants.RPC_TMO_FAST, "cluster.EnsureDaemons",
              "Start or stop daemons so they match the node's role in its ssconf"),
    Procedure("node_leave_cluster", SINGLE, (_A("modify_ssh_setup"),), constants.RPC_TMO_FAST,
              "cluster.LeaveCluster", "Remove the cluster's files and stop the node's daemons"),
    # --- storage units (backend.storage) --------------------------------------------
    Procedure("storage_list", MULTI, (_A("su_name"), _A("su_args"), _A("name"), _A("fields")),
              constants.RPC_TMO_NORMAL, "storage.ListStorage",
              "Storage units of one type with the requested fields"),
    Procedure("storage_modify", SINGLE,
              (_A("su_name"), _A("su_args"), _A("name"), _A("changes")),
              constants.RPC_TMO_NORMAL, "storage.ModifyStorage", "Change a storage unit"),
    Procedure("storage_execute", SINGLE, (_A("su_name"), _A("su_args"), _A("name"), _A("op")),
              constants.RPC_TMO_NORMAL, "storage.ExecuteStorageOp",
              "Run an operation (e.g. fix-consistency) on a storage unit"),
    # --- instances (backend.instance) ------------------------------------------------
    Procedure("instance_start", SINGLE, (_A("instance", _INST),), constants.RPC_TMO_NORMAL,
              "instance.StartInstance", "Start an instance whose disks are assembled"),
    Procedure("instance_shutdown", SINGLE, (_A("instance", _INST), _A("timeout")),
              _ShutdownTimeout, "instance.InstanceShutdown",
              "Stop an instance (clean within timeout seconds, then forced)"),
    Procedure("instance_reboot", SINGLE,
              (_A("instance", _INST), _A("reboot_type"), _A("shutdown_timeout")),
              _RebootTimeout, "instance.InstanceReboot", "Soft or hard reboot of an instance"),
    Procedure("instance_info", SINGLE, (_A("instance_name"), _A("hname")),
              constants.RPC_TMO_URGENT, "instance.GetInstanceInfo",
              "{memory, vcpus, state, time} of a running instance, {} if stopped"),
    Procedure("instance_list", MULTI, (_A("hypervisor_list"),), constants.RPC_TMO_URGENT,
              "instance.GetInstanceList", "Names of the running instances"),
    Procedure("all_instances_info", MULTI, (_A("hypervisor_list"),), constants.RPC_TMO_URGENT,
              "instance.GetAllInstancesInfo", "{name: {memory, vcpus, state, time}} of running"
              " instances"),
    Procedure("instance_console_info", SINGLE, (_A("instance", _INST),),
              constants.RPC_TMO_URGENT, "instance.GetInstanceConsole",
              "How to reach a running instance's console (hypervisor's console info)"),
    Procedure("instance_os_add", SINGLE,
              (_A("instance", _INST), _A("reinstall"), _A("debug")), constants.RPC_TMO_1DAY,
              "instance.InstanceOsAdd", "Run the OS create script; returns its log file"),
    Procedure("instance_run_rename", SINGLE,
              (_A("instance", _INST), _A("old_name"), _A("debug")), constants.RPC_TMO_SLOW,
              "instance.RunRenameInstance", "Run the OS rename script; returns its log file"),
    Procedure("instance_migratable", SINGLE, (_A("instance", _INST),),
              constants.RPC_TMO_NORMAL, "instance.InstanceMigratable",
              "Check that a running instance can be migrated from this node"),
    Procedure("migration_info", SINGLE, (_A("instance", _INST),), constants.RPC_TMO_NORMAL,
              "instance.MigrationInfo", "What the target needs to accept a migration"),
    Procedure("accept_instance", SINGLE,
              (_A("instance", _INST), _A("info"), _A("target")), constants.RPC_TMO_NORMAL,
              "instance.AcceptInstance", "Prepare the target for an incoming migration"),
    Procedure("finalize_migration", SINGLE,
              (_A("instance", _INST), _A("info"), _A("success")), constants.RPC_TMO_NORMAL,
              "instance.FinalizeMigration", "Finish or undo an incoming migration"),
    Procedure("instance_migrate", SINGLE,
              (_A("instance", _INST), _A("target"), _A("live")), constants.RPC_TMO_SLOW,
              "instance.MigrateInstance", "Migrate a running instance to target"),
    Procedure("hypervisor_validate_params", MULTI, (_A("hvname"), _A("hvparams")),
              constants.RPC_TMO_NORMAL, "instance.ValidateHVParams",
              "Node-side checks of filled hypervisor parameters"),
    Procedure("bridges_exist", SINGLE, (_A("bridges_list"),), constants.RPC_TMO_URGENT,
              "instance.BridgesExist", "Fail unless every named bridge exists"),
    # --- OS definitions (backend.os, backend.instance) -------------------------------
    Procedure("os_diagnose", MULTI, (), constants.RPC_TMO_FAST, "os.DiagnoseOS",
              "Every OS directory in the search path: [name, path, status, diagnose,"
              " variants, parameters, api_versions]"),
    Procedure("os_get", SINGLE, (_A("name"),), constants.RPC_TMO_FAST, "os.GetOS",
              "One OS definition as a dict"),
    Procedure("os_validate", SINGLE, (_A("name"), _A("force_variant")), constants.RPC_TMO_FAST,
              "instance.ValidateOS", "Check that an OS (with +variant) can install instances"),
    # --- instance disks (backend.blockdev) ----------------------------------------------
    Procedure("blockdev_create", SINGLE,
              (_A("bdev", _DISK), _A("size"), _A("owner"), _A("on_primary"), _A("info"),
               _A("diskparams")), constants.RPC_TMO_NORMAL, "blockdev.BlockdevCreate",
              "Create a disk and its children"),
    Procedure("blockdev_remove", SINGLE, (_A("bdev", _DISK),), constants.RPC_TMO_NORMAL,
              "blockdev.BlockdevRemove", "Destroy a disk and its children"),
    Procedure("blockdev_assemble", SINGLE,
              (_A("disk", _DISK), _A("owner"), _A("on_primary"), _A("diskparams")),
              constants.RPC_TMO_NORMAL, "blockdev.BlockdevAssemble",
              "Set a disk up (open it on the primary); returns its device path"),
    Procedure("blockdev_shutdown", SINGLE, (_A("disk", _DISK),), constants.RPC_TMO_NORMAL,
              "blockdev.BlockdevShutdown", "Tear a disk down, keeping its data"),
    Procedure("blockdev_grow", SINGLE, (_A("cf_bdev", _DISK), _A("amount"), _A("dryrun")),
              constants.RPC_TMO_NORMAL, "blockdev.BlockdevGrow", "Grow a disk by amount MiB"),
    Procedure("blockdev_close", SINGLE, (_A("instance_name"), _A("disks", _DISKS)),
              constants.RPC_TMO_NORMAL, "blockdev.BlockdevClose",
              "Make disks unusable here (DRBD8 secondary)"),
    Procedure("blockdev_find", SINGLE, (_A("disk", _DISK),), constants.RPC_TMO_URGENT,
              "blockdev.BlockdevFind", "Status of a disk if set up here, else None"),
    Procedure("blockdev_getmirrorstatus", SINGLE, (_A("disks", _DISKS),),
              constants.RPC_TMO_NORMAL, "blockdev.BlockdevGetMirrorStatus",
              "Sync status of each disk"),
    Procedure("blockdev_getsizes", SINGLE, (_A("disks", _DISKS),), constants.RPC_TMO_URGENT,
              "blockdev.BlockdevGetSizes", "Real size in MiB of each disk (None if not set up)"),
    Procedure("drbd_disconnect_net", MULTI, (_A("nodes_ip"), _A("disks", _DISKS)),
              constants.RPC_TMO_NORMAL, "blockdev.DrbdDisconnectNet",
              "Put DRBD8 disks StandAlone"),
    Procedure("drbd_attach_net", MULTI,
              (_A("nodes_ip"), _A("disks", _DISKS), _A("instance_name"), _A("multimaster")),
              constants.RPC_TMO_NORMAL, "blockdev.DrbdAttachNet",
              "Reconnect DRBD8 disks (dual-primary with multimaster)"),
    Procedure("drbd_wait_sync", MULTI, (_A("nodes_ip"), _A("disks", _DISKS)),
              constants.RPC_TMO_NORMAL, "blockdev.DrbdWaitSync",
              "(all in sync, lowest resync percentage) of DRBD8 disks"),
    Procedure("file_storage_dir_create", SINGLE, (_A("file_storage_dir"),),
              constants.RPC_TMO_FAST, "blockdev.FileStorageDirCreate",
              "Create an instance's directory under the file storage dir"),
    Procedure("file_storage_dir_remove", SINGLE, (_A("file_storage_dir"),),
              constants.RPC_TMO_FAST, "blockdev.FileStorageDirRemove",
              "Remove an instance's empty directory under the file storage dir"),
    Procedure("file_storage_dir_rename", SINGLE,
              (_A("old_file_storage_dir"), _A("new_file_storage_dir")), constants.RPC_TMO_FAST,
              "blockdev.FileStorageDirRename", "Rename an instance's file storage directory"),
    Procedure("file_storage_space", SINGLE, (), constants.RPC_TMO_URGENT,
              "blockdev.FileStorageSpace",
              "{free, total} MiB of the file system holding the file storage dir"),
)

_BY_NAME = {p.name: p for p in PROCEDURES}
if len(_BY_NAME) != len(PROCEDURES):
    raise errors.ProgrammerError("Duplicate RPC procedure names")


def GetProcedure(name: str) -> Procedure | None:
    """The procedure of that name, or None."""
    return _BY_NAME.get(name)
