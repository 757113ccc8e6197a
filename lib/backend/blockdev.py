"""Instance disks on this node: the blockdev_*, drbd_* and file_storage_* procedures.

Thin wrappers over ganeti.storage with this node's NodeContext. Where file
disks may live comes from this node's ssconf (file_storage_dir), not from
the master's arguments, so that a wrong or hostile path in an RPC can never
reach outside the cluster's file storage directory. DRBD8 disks arrive with
their physical ids computed by the master for this node; the drbd_*
procedures, which the master sends to both ends at once, get the nodes'
secondary IPs instead and compute them here. Storage errors become RPC
failures carrying the storage layer's message (command, output).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping, Sequence

from ganeti import errors, netutils, pathutils, ssconf
from ganeti.backend import Fail
from ganeti.storage import NodeContext, disks, filestorage

_MIB = 1024 * 1024


def _FileStorageDirs() -> list[str]:
    try:
        return [ssconf.SimpleStore().GetFileStorageDir()]
    except errors.ConfigurationError as err:
        logging.warning("No file storage directory known on this node: %s", err)
        return []


def _SecondaryIps() -> dict[str, str]:
    ips = {}
    for line in ssconf.SimpleStore().GetNodeSecondaryIPList():
        fields = line.split()
        if len(fields) == 2:
            ips[fields[0]] = fields[1]
    return ips


def NodeCtx(diskparams: Mapping[str, Any] | None = None,
            node_ips: Mapping[str, str] | None = None) -> NodeContext:
    """This node's storage context (diskparams from the master, the rest local)."""
    return NodeContext(node_name=netutils.GetHostname(), file_storage_dirs=_FileStorageDirs(),
                       diskparams=dict(diskparams or {}),
                       node_ips=dict(node_ips) if node_ips is not None else _SecondaryIps())


def _Storage(what: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (errors.BlockDeviceError, errors.StorageError) as err:
        Fail("%s: %s", what, err)


def BlockdevCreate(disk: Any, size: int, owner: str, on_primary: bool, info: str,
                   diskparams: Mapping[str, Any]) -> str:
    """Create a disk (and its children) here; returns its device path.

    size is the disk's size in MiB (upstream passes it separately from the
    disk object; they must agree). Whatever this call created is removed
    again if it fails half-way (ganeti.storage.disks.CreateDisk).
    """
    if size != disk.size:
        Fail("Size mismatch creating %s for %s: %s MiB asked, the disk has %s MiB",
             disk.iv_name, owner, size, disk.size)
    return _Storage("Cannot create disk %s of %s" % (disk.iv_name, owner), disks.CreateDisk,
                    disk, NodeCtx(diskparams), on_primary, info)


def BlockdevRemove(disk: Any) -> None:
    """Destroy a disk and its children; parts already gone are fine."""
    _Storage("Cannot remove disk %s" % disk.iv_name, disks.RemoveDisk, disk, NodeCtx())


def BlockdevAssemble(disk: Any, owner: str, as_primary: bool,
                     diskparams: Mapping[str, Any]) -> str:
    """Set a disk up (on the primary also open it); returns its device path."""
    return _Storage("Cannot activate disk %s of %s" % (disk.iv_name, owner),
                    disks.AssembleDisk, disk, NodeCtx(diskparams), as_primary)


def BlockdevShutdown(disk: Any) -> None:
    """Tear a disk down, keeping its data."""
    _Storage("Cannot shut down disk %s" % disk.iv_name, disks.ShutdownDisk, disk, NodeCtx())


def BlockdevGrow(disk: Any, amount: int, dryrun: bool) -> None:
    """Grow an assembled disk by amount MiB (dryrun: only check it would work)."""
    _Storage("Cannot grow disk %s" % disk.iv_name, disks.GrowDisk, disk, NodeCtx(), amount,
             dryrun)


def BlockdevClose(instance_name: str, disk_list: Sequence[Any]) -> None:
    """Make an instance's disks unusable here (DRBD8 secondary) before migration."""
    ctx = NodeCtx()
    for disk in disk_list:
        _Storage("Cannot close disk %s of %s" % (disk.iv_name, instance_name),
                 disks.CloseDisk, disk, ctx)


def BlockdevFind(disk: Any) -> dict[str, Any] | None:
    """The combined status of a disk if it is set up here, else None (gnt-instance info)."""
    dev = _Storage("Cannot look for disk %s" % disk.iv_name, disks.FindDisk, disk, NodeCtx())
    if dev is None:
        return None
    return _Storage("Cannot get the status of disk %s" % disk.iv_name,
                    lambda: dev.CombinedSyncStatus().ToDict())


def BlockdevGetMirrorStatus(disk_list: Sequence[Any]) -> list[dict[str, Any]]:
    """The sync status of each disk (all must be set up)."""
    return _Storage("Cannot get the mirror status", disks.GetMirrorStatus, disk_list, NodeCtx())


def BlockdevGetSizes(disk_list: Sequence[Any]) -> list[int | None]:
    """Each disk's real size in MiB, None for disks not set up here."""
    return _Storage("Cannot get disk sizes", disks.GetDiskSizes, disk_list, NodeCtx())


def GetBlockDevPaths(disk_list: Sequence[Any], ctx: NodeContext | None = None) -> list[str]:
    """The device paths of disks that must already be set up (for hypervisors and OS scripts)."""
    ctx = ctx or NodeCtx()
    paths = []
    for disk in disk_list:
        dev = _Storage("Cannot look for disk %s" % disk.iv_name, disks.FindDisk, disk, ctx)
        if dev is None:
            Fail("Disk %s (%s) is not set up on this node", disk.iv_name,
                 disks.GetDiskPath(disk, ctx))
        paths.append(dev.dev_path)
    return paths


# --- DRBD8 network changes for failover and migration ----------------------------

def DrbdDisconnectNet(nodes_ip: Mapping[str, str], disk_list: Sequence[Any]) -> None:
    """Put an instance's DRBD8 disks StandAlone."""
    _Storage("Cannot disconnect the disks", disks.DisconnectNet, disk_list,
             NodeCtx(node_ips=nodes_ip))


def DrbdAttachNet(nodes_ip: Mapping[str, str], disk_list: Sequence[Any], instance_name: str,
                  multimaster: bool) -> None:
    """Reconnect an instance's DRBD8 disks (dual-primary for live migration)."""
    _Storage("Cannot reconnect the disks of %s" % instance_name, disks.AttachNet, disk_list,
             NodeCtx(node_ips=nodes_ip), multimaster)


def DrbdWaitSync(nodes_ip: Mapping[str, str], disk_list: Sequence[Any]) -> tuple[bool, float]:
    """(whether every disk is connected and in sync, lowest resync percentage).

    The master polls this until the first value is true; a disk that is not
    in sync and not resyncing either (still connecting, or StandAlone) keeps
    it false, and the master gives up after a while.
    """
    statuses = _Storage("Cannot get the sync status", disks.GetMirrorStatus, disk_list,
                        NodeCtx(node_ips=nodes_ip))
    done = all(not s["is_degraded"] for s in statuses)
    percents = [s["sync_percent"] for s in statuses if s["sync_percent"] is not None]
    return done, min(percents) if percents else 100.0


# --- file storage directories ------------------------------------------------------------

def FileStorageDirCreate(path: str) -> str:
    """Create an instance's directory under the file storage dir (idempotent)."""
    return _Storage("Cannot create file storage directory %s" % path,
                    filestorage.CreateFileStorageDir, path, _FileStorageDirs())


def FileStorageDirRemove(path: str) -> None:
    """Remove an instance's (empty) directory; a missing one is fine."""
    _Storage("Cannot remove file storage directory %s" % path,
             filestorage.RemoveFileStorageDir, path, _FileStorageDirs())


def FileStorageDirRename(old: str, new: str) -> None:
    """Rename an instance's directory (instance rename); already done is fine."""
    _Storage("Cannot rename file storage directory %s to %s" % (old, new),
             filestorage.RenameFileStorageDir, old, new, _FileStorageDirs())


def FileStorageSpace() -> dict[str, int]:
    """Free and total MiB of the file system holding the file storage dir.

    The directory itself may not exist yet on a fresh node (it is made with
    the first instance), so its nearest existing parent is measured.
    """
    dirs = _FileStorageDirs()
    if not dirs:
        Fail("No file storage directory is configured on this node")
    path = os.path.realpath(pathutils.Prefix(dirs[0]))
    while not os.path.isdir(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    try:
        st = os.statvfs(path)
    except OSError as err:
        Fail("Cannot stat %s: %s", path, err)
    return {"free": st.f_bavail * st.f_frsize // _MIB, "total": st.f_blocks * st.f_frsize // _MIB}
