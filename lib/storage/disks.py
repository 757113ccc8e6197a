"""The node daemon's entry points for an instance's disks.

Each function takes a Disk object (dev_type, logical_id, physical_id,
children, size in MiB) as the master sent it and the node's NodeContext, and
walks the disk's tree: children first when building up, parent first when
tearing down. ganeti.backend wraps these one-to-one into RPC procedures
(blockdev_create, blockdev_remove, blockdev_grow, blockdev_assemble, ...).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from ganeti import constants, errors
from ganeti.storage import GetBlockDevClass, drbd, lvm
from ganeti.storage.base import BlockDev, NodeContext


def ComputeUniqueId(disk: Any, ctx: NodeContext) -> tuple:
    """The id that names the disk on this node (its physical id).

    The master normally sends physical_id; for DRBD8 without one it is
    derived from the logical id (node_a, node_b, port, minor_a, minor_b,
    secret), this node's name and the nodes' secondary IPs in ctx.
    """
    if disk.dev_type != constants.LD_DRBD8:
        return tuple(disk.logical_id or ())
    if disk.physical_id:
        return tuple(disk.physical_id)
    try:
        node_a, node_b, port, minor_a, minor_b, secret = disk.logical_id
    except (TypeError, ValueError):
        raise errors.BlockDeviceError("Invalid DRBD8 logical id %r" % (disk.logical_id,)) from None
    if ctx.node_name == node_a:
        local, remote, minor = node_a, node_b, minor_a
    elif ctx.node_name == node_b:
        local, remote, minor = node_b, node_a, minor_b
    else:
        raise errors.BlockDeviceError("Node %s is not part of DRBD8 disk %r"
                                      % (ctx.node_name, disk.logical_id))
    missing = [n for n in (local, remote) if n not in ctx.node_ips]
    if missing:
        raise errors.BlockDeviceError("No secondary IP known for node(s) %s" % ", ".join(missing))
    return (ctx.node_ips[local], port, ctx.node_ips[remote], port, minor, secret)


def GetDiskPath(disk: Any, ctx: NodeContext) -> str:
    """The device path the disk has (or will have) on this node, without looking."""
    return GetBlockDevClass(disk.dev_type).DevicePath(ComputeUniqueId(disk, ctx))


def _Device(disk: Any, ctx: NodeContext, children: Sequence[BlockDev]) -> BlockDev:
    cls = GetBlockDevClass(disk.dev_type)
    return cls(ComputeUniqueId(disk, ctx), children, disk.size, ctx)


def _Tree(disk: Any, ctx: NodeContext) -> BlockDev:
    return _Device(disk, ctx, [_Tree(child, ctx) for child in disk.children or ()])


def FindDisk(disk: Any, ctx: NodeContext) -> BlockDev | None:
    """The disk's device if it is set up on this node, else None."""
    dev = _Tree(disk, ctx)
    return dev if dev.Attach() else None


def _RequireDisk(disk: Any, ctx: NodeContext, what: str) -> BlockDev:
    dev = FindDisk(disk, ctx)
    if dev is None:
        raise errors.BlockDeviceError("Cannot %s disk %s (%s): not set up on node %s"
                                      % (what, disk.iv_name or "", GetDiskPath(disk, ctx),
                                         ctx.node_name))
    return dev


def _CreateTree(disk: Any, ctx: NodeContext, on_primary: bool, info: str, recursive: bool,
                created: list[BlockDev]) -> BlockDev:
    if recursive:
        children = [_CreateTree(c, ctx, on_primary, info, True, created)
                    for c in disk.children or ()]
    else:
        children = [_AssembleTree(c, ctx) for c in disk.children or ()]
    cls = GetBlockDevClass(disk.dev_type)
    dev = cls.Create(ComputeUniqueId(disk, ctx), children, disk.size, ctx)
    created.append(dev)
    dev.Assemble()
    if on_primary:
        dev.Open(force=True)
    if info:
        dev.SetInfo(info)
    return dev


def CreateDisk(disk: Any, ctx: NodeContext, on_primary: bool, info: str = "",
               recursive: bool = True) -> str:
    """Create a disk on this node and set it up; returns its device path.

    recursive creates the children too (an existing child is an error, so
    nothing is ever overwritten); otherwise the children must exist and are
    assembled. On the primary the new device is opened with force, which
    for DRBD8 makes this side primary and starts the initial sync. If any
    step fails, whatever this call created is removed again.
    """
    created: list[BlockDev] = []
    try:
        return _CreateTree(disk, ctx, on_primary, info, recursive, created).dev_path
    except errors.GenericError:
        for dev in reversed(created):
            try:
                dev.Shutdown()
                dev.Remove()
            except errors.GenericError as err:
                logging.error("Cleaning up %r after a failed creation: %s", dev, err)
        raise


def _CollectErrors(disk: Any, ctx: NodeContext, action: Callable[[BlockDev], None],
                   what: str) -> list[str]:
    """Apply action to the disk's device, then to its children's; return the failures."""
    msgs = []
    dev = _Tree(disk, ctx)
    try:
        if dev.Attach():
            action(dev)
    except errors.GenericError as err:
        msgs.append("%s %s: %s" % (what, dev, err))
    for child in disk.children or ():
        msgs.extend(_CollectErrors(child, ctx, action, what))
    return msgs


def RemoveDisk(disk: Any, ctx: NodeContext) -> None:
    """Destroy a disk and its children; missing parts are fine, all failures are reported."""
    msgs = _CollectErrors(disk, ctx, lambda dev: dev.Remove(), "Removing")
    if msgs:
        raise errors.BlockDeviceError("; ".join(msgs))


def ShutdownDisk(disk: Any, ctx: NodeContext) -> None:
    """Tear down a disk and its children, keeping the data."""
    msgs = _CollectErrors(disk, ctx, lambda dev: dev.Shutdown(), "Shutting down")
    if msgs:
        raise errors.BlockDeviceError("; ".join(msgs))


def _AssembleTree(disk: Any, ctx: NodeContext) -> BlockDev:
    children: list[BlockDev] = []
    try:
        children = [_AssembleTree(c, ctx) for c in disk.children or ()]
    except errors.BlockDeviceError as err:
        if disk.dev_type != constants.LD_DRBD8:
            raise
        # DRBD8 can run diskless on the peer's data: better than no disk.
        logging.warning("Assembling DRBD8 %r without local disks: %s", disk.logical_id, err)
        children = []
    dev = _Device(disk, ctx, children)
    dev.Assemble()
    return dev


def AssembleDisk(disk: Any, ctx: NodeContext, as_primary: bool) -> str:
    """Set a disk up (children first) and, on the primary, open it; returns its path."""
    dev = _AssembleTree(disk, ctx)
    if as_primary:
        dev.Open()
    return dev.dev_path


def CloseDisk(disk: Any, ctx: NodeContext) -> None:
    """Make a disk unusable by an instance (DRBD8 secondary) without tearing it down."""
    _RequireDisk(disk, ctx, "close").Close()


def GrowDisk(disk: Any, ctx: NodeContext, amount: int, dryrun: bool = False) -> None:
    """Grow an assembled disk by amount MiB (DRBD8: data LV, then the mirror)."""
    _RequireDisk(disk, ctx, "grow").Grow(amount, dryrun)


def RenameDisk(disk: Any, ctx: NodeContext, new_logical_id: Sequence[Any]) -> None:
    """Rename an LV or file disk (disk replacement moves old LVs aside)."""
    _RequireDisk(disk, ctx, "rename").Rename(new_logical_id)


def SnapshotDisk(disk: Any, ctx: NodeContext) -> tuple:
    """Snapshot an LV disk (or a DRBD8 disk's data LV) for export; returns the snapshot's id."""
    if disk.dev_type == constants.LD_DRBD8:
        if not disk.children:
            raise errors.BlockDeviceError("DRBD8 disk %r has no data LV" % (disk.logical_id,))
        return SnapshotDisk(disk.children[0], ctx)
    dev = _RequireDisk(disk, ctx, "snapshot")
    if not isinstance(dev, lvm.LogicalVolume):
        raise errors.BlockDeviceError("Cannot snapshot %s disks" % disk.dev_type)
    return dev.Snapshot(disk.size)


def GetMirrorStatus(disks: Sequence[Any], ctx: NodeContext) -> list[dict[str, Any]]:
    """Combined sync status (SyncStatus.ToDict) of each disk, for mirror checks."""
    return [_RequireDisk(d, ctx, "query").CombinedSyncStatus().ToDict() for d in disks]


def GetDiskSizes(disks: Sequence[Any], ctx: NodeContext) -> list[int | None]:
    """Each disk's real size in MiB, None for disks not set up (repair-disk-sizes)."""
    sizes: list[int | None] = []
    for disk in disks:
        dev = FindDisk(disk, ctx)
        sizes.append(dev.GetActualSize() if dev else None)
    return sizes


def DisconnectNet(disks: Sequence[Any], ctx: NodeContext) -> None:
    """Put DRBD8 disks StandAlone (before changing their peer or mode)."""
    for disk in disks:
        _DrbdDevice(disk, ctx).DisconnectNet()


def AttachNet(disks: Sequence[Any], ctx: NodeContext, multimaster: bool) -> None:
    """Reconnect DRBD8 disks, with dual-primary for live migration if multimaster."""
    for disk in disks:
        _DrbdDevice(disk, ctx).AttachNet(multimaster)


def _DrbdDevice(disk: Any, ctx: NodeContext) -> drbd.DRBD8:
    dev = _RequireDisk(disk, ctx, "change the network of")
    if not isinstance(dev, drbd.DRBD8):
        raise errors.BlockDeviceError("Disk %s is %s, not DRBD8" % (disk.iv_name, disk.dev_type))
    return dev
