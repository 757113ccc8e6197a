"""Instance disks from the master's side: layout, creation, removal, activation, sync.

The LUs that create, remove, start, stop, grow, fail over and migrate
instances all go through these helpers, so that disks are built and torn
down the same way everywhere: file disks live in
<file storage dir>/[<subdir>/]<instance>/disk<N>, LVM volumes are named
<uuid>.disk<N> in the cluster's volume group, DRBD8 mirrors sit on a data
and a 128 MiB meta LV on each of their two nodes. Creation removes again
exactly what it created if any step fails (never a device it did not make),
so a failed operation leaves nothing behind.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Sequence

from ganeti import constants, errors, objects, utils
from ganeti.cmdlib.instance_utils import DiskForNode

_SYNC_POLL = 2.0  # seconds between mirror status polls
_SYNC_STALL_LIMIT = 60  # polls without progress or connection before giving up

DiskSpec = dict[str, Any]  # {size: MiB, mode: rw|ro}


# --- specifications and sizes ------------------------------------------------------------

def ParseDiskSpecs(specs: Sequence[Any], template: str) -> list[DiskSpec]:
    """Checked {size, mode} dicts from the opcode's disks (sizes in MiB)."""
    if template == constants.DT_DISKLESS:
        if specs:
            raise errors.OpPrereqError("Diskless instances cannot have disks",
                                       errors.ECODE_INVAL)
        return []
    if not specs:
        raise errors.OpPrereqError("Disk template %s needs at least one disk" % template,
                                   errors.ECODE_INVAL)
    if len(specs) > constants.MAX_DISKS:
        raise errors.OpPrereqError("Too many disks (%d, at most %d)"
                                   % (len(specs), constants.MAX_DISKS), errors.ECODE_INVAL)
    return [ParseDiskSpec(idx, spec) for idx, spec in enumerate(specs)]


def ParseDiskSpec(idx: Any, spec: Any) -> DiskSpec:
    if not isinstance(spec, dict):
        raise errors.OpPrereqError("Disk %s: expected a dictionary, got %r" % (idx, spec),
                                   errors.ECODE_INVAL)
    unknown = sorted(set(spec) - {constants.IDISK_SIZE, constants.IDISK_MODE})
    if unknown:
        raise errors.OpPrereqError("Disk %s: unknown parameter(s) %s" % (idx, ", ".join(unknown)),
                                   errors.ECODE_INVAL)
    mode = spec.get(constants.IDISK_MODE, constants.DISK_RDWR)
    if mode not in constants.DISK_ACCESS_SET:
        raise errors.OpPrereqError("Disk %s: invalid access mode %r" % (idx, mode),
                                   errors.ECODE_INVAL)
    size = spec.get(constants.IDISK_SIZE)
    if size is None:
        raise errors.OpPrereqError("Disk %s: missing size" % idx, errors.ECODE_INVAL)
    try:
        size = utils.ParseUnit(size) if isinstance(size, str) else size
    except errors.UnitParseError as err:
        raise errors.OpPrereqError("Disk %s: invalid size %r: %s" % (idx, size, err),
                                   errors.ECODE_INVAL) from err
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise errors.OpPrereqError("Disk %s: invalid size %r" % (idx, size), errors.ECODE_INVAL)
    return {constants.IDISK_SIZE: size, constants.IDISK_MODE: mode}


def ComputeDiskUsage(template: str, sizes: Sequence[int]) -> int:
    """MiB the disks take on each of their nodes (DRBD8 adds its meta-data volume).

    A diskless instance takes 0, not None: upstream's htools read disk_usage
    as a number for every instance.
    """
    if template == constants.DT_DRBD8:
        return sum(size + constants.DRBD_META_SIZE for size in sizes)
    return sum(sizes)


def CheckNodesFreeDisk(lu: Any, nodes: Sequence[str], template: str, required: int | None) -> None:
    """Refuse (ECODE_NORES) unless every node has room for required MiB of this template."""
    if not required:
        return
    if template == constants.DT_FILE:
        for node in nodes:
            result = lu.rpc.call_file_storage_space(node)
            result.Raise("Cannot get the free file storage space of node %s" % node,
                         prereq=True)
            _CheckFree(node, result.payload.get("free"), required, "file storage")
        return
    vg_name = lu.cfg.GetVGName()
    if not vg_name:
        raise errors.OpPrereqError("Cluster does not support lvm-based instances (no volume"
                                   " group configured)", errors.ECODE_STATE)
    results = lu.rpc.call_node_info(list(nodes), vg_name, None)
    for node in nodes:
        results[node].Raise("Cannot get the free space of volume group %s on node %s"
                            % (vg_name, node), prereq=True)
        _CheckFree(node, results[node].payload.get("vg_free"), required,
                   "volume group %s" % vg_name)


def _CheckFree(node: str, free: Any, required: int, what: str) -> None:
    if not isinstance(free, int):
        raise errors.OpPrereqError("Can't compute the free space of %s on node %s" % (what, node),
                                   errors.ECODE_ENVIRON)
    if required > free:
        raise errors.OpPrereqError("Not enough disk space on target node %s (%s): %d MiB"
                                   " available, %d MiB required" % (node, what, free, required),
                                   errors.ECODE_NORES)


# --- layout ------------------------------------------------------------------------------

def InstanceFileStorageDir(cfg: Any, instance_name: str, subdir: str | None) -> str:
    """<cluster file storage dir>/[subdir/]<instance>, as config.data holds paths."""
    parts = [cfg.GetFileStorageDir()] + ([subdir] if subdir else []) + [instance_name]
    return os.path.normpath(os.path.join(*parts))


def CheckFileStorageSubdir(subdir: str | None) -> None:
    if subdir is None:
        return
    if os.path.isabs(subdir) or ".." in subdir.split("/"):
        raise errors.OpPrereqError("File storage directory %r must be a relative path below the"
                                   " cluster's file storage directory" % subdir,
                                   errors.ECODE_INVAL)


def FileDiskDir(instance: objects.Instance) -> str | None:
    """The directory holding a file-based instance's disks."""
    for disk in instance.disks:
        if disk.dev_type == constants.LD_FILE:
            return os.path.dirname(disk.logical_id[1])
    return None


def GenerateDisks(lu: Any, template: str, instance_name: str, pnode: str,
                  snode: str | None, specs: Sequence[DiskSpec], base_index: int = 0,
                  file_dir: str | None = None, file_driver: str = constants.FD_LOOP
                  ) -> list[objects.Disk]:
    """Disk objects for new disks of an instance (reserving DRBD minors, ports, secrets)."""
    cfg = lu.cfg
    disks = []
    if template == constants.DT_DRBD8:
        if not snode:
            raise errors.ProgrammerError("DRBD8 disks need a secondary node")
        minors = cfg.AllocateDRBDMinor([pnode, snode] * len(specs), instance_name)
    for offset, spec in enumerate(specs):
        idx = base_index + offset
        size, mode = spec[constants.IDISK_SIZE], spec[constants.IDISK_MODE]
        iv_name = "disk/%d" % idx
        if template == constants.DT_FILE:
            disks.append(objects.Disk(dev_type=constants.LD_FILE, size=size, mode=mode,
                                      iv_name=iv_name,
                                      logical_id=[file_driver,
                                                  os.path.join(file_dir, "disk%d" % idx)]))
        elif template == constants.DT_PLAIN:
            disks.append(objects.Disk(dev_type=constants.LD_LV, size=size, mode=mode,
                                      iv_name=iv_name, logical_id=[cfg.GetVGName(),
                                                                   _LvName(idx, "")]))
        elif template == constants.DT_DRBD8:
            vg_name = cfg.GetVGName()
            data = objects.Disk(dev_type=constants.LD_LV, size=size,
                                logical_id=[vg_name, _LvName(idx, "_data")])
            meta = objects.Disk(dev_type=constants.LD_LV, size=constants.DRBD_META_SIZE,
                                logical_id=[vg_name, _LvName(idx, "_meta")])
            pminor, sminor = minors[2 * offset], minors[2 * offset + 1]
            port = cfg.AllocatePort()
            secret = cfg.GenerateDRBDSecret(lu.proc.GetECId())
            disks.append(objects.Disk(dev_type=constants.LD_DRBD8, size=size, mode=mode,
                                      iv_name=iv_name, children=[data, meta],
                                      logical_id=[pnode, snode, port, pminor, sminor, secret]))
        else:
            raise errors.ProgrammerError("Unknown disk template %r" % template)
    return disks


def _LvName(idx: int, suffix: str) -> str:
    return "%s.disk%d%s" % (utils.NewUUID(), idx, suffix)


def ReleaseDiskPorts(cfg: Any, disks: Sequence[objects.Disk]) -> None:
    """Give the DRBD ports of disks that were never added back to the pool."""
    ports = [d.logical_id[2] for d in disks if d.dev_type in constants.LDS_DRBD]
    if ports:
        cluster = cfg.GetClusterInfo()
        cluster.tcpudp_port_pool.extend(ports)
        cfg.Update(cluster)


def InstanceInfoText(instance_name: str) -> str:
    """The owner note stored with a device (LVM tag)."""
    return "originstname+%s" % instance_name


# --- creation and removal -----------------------------------------------------------------

def _DiskNodes(disk: objects.Disk, pnode: str) -> list[str]:
    """The disk's nodes, the primary first."""
    nodes = disk.GetNodes(pnode)
    return [pnode] + [n for n in nodes if n != pnode]


def CreateDisks(lu: Any, instance: objects.Instance, disks: Sequence[objects.Disk] | None = None,
                feedback_fn: Callable[[str], None] | None = None) -> None:
    """Create disks (default: all of the instance's) on their nodes.

    For file disks the instance's directory is made first. If anything fails,
    what this call created is removed again and the error raised, so the
    nodes are as before.
    """
    creating_all = disks is None
    disks = instance.disks if disks is None else disks
    pnode = instance.primary_node
    created: list[tuple[str, objects.Disk]] = []
    made_dir = None
    diskparams = lu.cfg.GetClusterInfo().SimpleFillDP(instance.disk_template, None)
    try:
        file_dir = FileDiskDir(instance) if instance.disk_template == constants.DT_FILE else None
        if file_dir and disks:
            lu.rpc.call_file_storage_dir_create(pnode, file_dir).Raise(
                "Failed to create the file storage directory %s on node %s" % (file_dir, pnode))
            made_dir = file_dir
        for disk in disks:
            for node in _DiskNodes(disk, pnode):
                if feedback_fn:
                    feedback_fn(" - creating %s on node %s" % (disk.iv_name, node))
                result = lu.rpc.call_blockdev_create(
                    node, DiskForNode(lu.cfg, disk, node), disk.size, instance.name,
                    node == pnode, InstanceInfoText(instance.name), diskparams)
                result.Raise("Can't create block device %s on node %s for instance %s"
                             % (disk.iv_name, node, instance.name))
                created.append((node, disk))
    except errors.GenericError:
        lu.LogWarning("Creating the disks of %s failed, removing what was created", instance.name)
        for node, disk in reversed(created):
            _RemoveOne(lu, node, disk)
        if made_dir and creating_all:
            _RemoveFileDir(lu, pnode, made_dir)
        raise


def _RemoveOne(lu: Any, node: str, disk: objects.Disk) -> bool:
    result = lu.rpc.call_blockdev_remove(node, DiskForNode(lu.cfg, disk, node))
    if result.fail_msg:
        lu.LogWarning("Could not remove block device %s on node %s: %s", disk.iv_name, node,
                      result.fail_msg)
        return False
    return True


def _RemoveFileDir(lu: Any, node: str, path: str) -> bool:
    result = lu.rpc.call_file_storage_dir_remove(node, path)
    if result.fail_msg:
        lu.LogWarning("Could not remove directory %s on node %s: %s", path, node,
                      result.fail_msg)
        return False
    return True


def RemoveDisks(lu: Any, instance: objects.Instance,
                disks: Sequence[objects.Disk] | None = None) -> bool:
    """Remove disks (default: all, and the file storage dir); True if all went well.

    Every disk is tried on every node even after a failure, so that as much
    as possible is cleaned up; failures are logged as warnings.
    """
    ok = True
    all_disks = disks is None
    for disk in instance.disks if all_disks else disks:
        for node in _DiskNodes(disk, instance.primary_node):
            ok = _RemoveOne(lu, node, disk) and ok
    file_dir = FileDiskDir(instance) if instance.disk_template == constants.DT_FILE else None
    if all_disks and file_dir:
        ok = _RemoveFileDir(lu, instance.primary_node, file_dir) and ok
    return ok


# --- activation -----------------------------------------------------------------------------

def AssembleInstanceDisks(lu: Any, instance: objects.Instance, ignore_secondaries: bool = False,
                          disks: Sequence[objects.Disk] | None = None
                          ) -> tuple[bool, list[tuple[str, str, str]]]:
    """Set an instance's disks up: (all fine, [(node, iv_name, primary device path)]).

    Two passes as DRBD8 needs: every node as secondary first, then the
    primary opened, so the mirror connects before anything writes to it.
    Failures are warnings here; the caller decides (see StartInstanceDisks).
    """
    disks = instance.disks if disks is None else disks
    pnode = instance.primary_node
    diskparams = lu.cfg.GetClusterInfo().SimpleFillDP(instance.disk_template, None)
    ok = True
    for disk in disks:
        for node in _DiskNodes(disk, pnode)[1:]:
            result = lu.rpc.call_blockdev_assemble(node, DiskForNode(lu.cfg, disk, node),
                                                   instance.name, False, diskparams)
            if result.fail_msg:
                lu.LogWarning("Could not prepare block device %s on node %s (is_primary=False,"
                              " pass=1): %s", disk.iv_name, node, result.fail_msg)
                ok = ok and ignore_secondaries
    info = []
    for disk in disks:
        result = lu.rpc.call_blockdev_assemble(pnode, DiskForNode(lu.cfg, disk, pnode),
                                               instance.name, True, diskparams)
        if result.fail_msg:
            lu.LogWarning("Could not prepare block device %s on node %s (is_primary=True,"
                          " pass=2): %s", disk.iv_name, pnode, result.fail_msg)
            ok = False
            continue
        info.append((pnode, disk.iv_name, result.payload))
    return ok, info


def ShutdownInstanceDisks(lu: Any, instance: objects.Instance, ignore_primary: bool = False,
                          disks: Sequence[objects.Disk] | None = None) -> bool:
    """Tear an instance's disks down on all their nodes; True unless a failure counts.

    Failures on the primary count unless ignore_primary (the node is dead,
    as in a failover); failures on secondaries always count.
    """
    ok = True
    for disk in instance.disks if disks is None else disks:
        for node in _DiskNodes(disk, instance.primary_node):
            result = lu.rpc.call_blockdev_shutdown(node, DiskForNode(lu.cfg, disk, node))
            if result.fail_msg:
                lu.LogWarning("Could not shutdown block device %s on node %s: %s",
                              disk.iv_name, node, result.fail_msg)
                if not ignore_primary or node != instance.primary_node:
                    ok = False
    return ok


def StartInstanceDisks(lu: Any, instance: objects.Instance, force: bool | None = False) -> None:
    """Assemble the disks for a start; on failure shut them down again and raise."""
    ok, _ = AssembleInstanceDisks(lu, instance, ignore_secondaries=bool(force))
    if not ok:
        ShutdownInstanceDisks(lu, instance)
        if force is not None and not force:
            lu.LogWarning("Not all disks of %s could be activated", instance.name,
                          hint="If the messages above refer to a secondary node, you can"
                          " retry the operation using '--force'.")
        raise errors.OpExecError("Disk consistency error")


def SafeShutdownInstanceDisks(lu: Any, instance: objects.Instance) -> None:
    """Shut the disks down, refusing while the instance runs on them."""
    result = lu.rpc.call_instance_info(instance.primary_node, instance.name, instance.hypervisor)
    result.Raise("Cannot check whether %s is running" % instance.name)
    if result.payload:
        raise errors.OpExecError("Instance %s is running, can't shut down its block devices"
                                 % instance.name)
    if not ShutdownInstanceDisks(lu, instance):
        raise errors.OpExecError("Could not shut down all the block devices of %s"
                                 % instance.name)


# --- mirrors ----------------------------------------------------------------------------------

def WaitForSync(lu: Any, instance: objects.Instance,
                disks: Sequence[objects.Disk] | None = None, oneshot: bool = False,
                sleep_fn: Callable[[float], None] = time.sleep) -> bool:
    """Wait until the instance's mirrored disks are in sync; True if none is degraded.

    Non-mirrored disks are never degraded. Progress is logged; after
    _SYNC_STALL_LIMIT polls without a resync running while a disk is still
    degraded the wait ends (the caller reports the degraded disks).
    """
    disks = [d for d in (instance.disks if disks is None else disks)
             if d.dev_type in constants.LDS_DRBD]
    if not disks:
        return True
    node = instance.primary_node
    stalled = 0
    while True:
        result = lu.rpc.call_blockdev_getmirrorstatus(
            node, [DiskForNode(lu.cfg, d, node) for d in disks])
        result.Raise("Cannot get the mirror status of %s on node %s" % (instance.name, node))
        degraded = False
        resyncing = False
        for disk, status in zip(disks, result.payload):
            if status["sync_percent"] is not None:
                resyncing = True
                eta = status["estimated_time"]
                lu.LogInfo("- device %s: %5.2f%% done, %s", disk.iv_name, status["sync_percent"],
                           "%d s remaining (estimated)" % eta if eta is not None
                           else "no time estimate")
            degraded = degraded or status["is_degraded"]
        if not degraded or oneshot:
            break
        stalled = 0 if resyncing else stalled + 1
        if stalled >= _SYNC_STALL_LIMIT:
            lu.LogWarning("Disks of %s are degraded and not resyncing, giving up waiting",
                          instance.name)
            break
        sleep_fn(_SYNC_POLL)
    if not degraded:
        lu.LogInfo("Instance %s's disks are in sync", instance.name)
    return not degraded


def CheckDiskConsistency(lu: Any, instance: objects.Instance, node: str) -> list[str]:
    """iv_names of the instance's disks that are degraded (or faulty) on node."""
    disks = [d for d in instance.disks if d.dev_type in constants.LDS_DRBD]
    if not disks:
        return []
    result = lu.rpc.call_blockdev_getmirrorstatus(
        node, [DiskForNode(lu.cfg, d, node) for d in disks])
    result.Raise("Cannot get the mirror status of %s on node %s" % (instance.name, node))
    return [disk.iv_name for disk, status in zip(disks, result.payload)
            if status["is_degraded"] or status["ldisk_status"] == constants.LDS_FAULTY]


def RecordGrow(disk: objects.Disk, amount: int) -> None:
    """Record a grow in the config: the disk and, for DRBD8, its data volume."""
    disk.size += amount
    if disk.dev_type in constants.LDS_DRBD and disk.children:
        disk.children[0].size += amount
