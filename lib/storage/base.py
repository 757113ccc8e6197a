"""What every block device of an instance can do, and the node context they run in.

A block device (an LVM logical volume, a DRBD8 mirror, a plain file) is built
from a unique id (its physical id on this node), its children (already
attached devices it sits on) and its size in MiB. The node daemon's RPC layer
never talks to these classes directly: it calls ganeti.storage.disks, which
walks a Disk tree and drives them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

from ganeti import constants, errors, utils


@dataclasses.dataclass(frozen=True)
class NodeContext:
    """What a node knows that a Disk object does not carry.

    node_name picks this node's side of a DRBD8 logical id; file_storage_dirs
    are the only directories file disks may live in (the cluster's file
    storage dir); diskparams are the cluster-level disk parameters (LDP_*),
    filled over DISK_DT_DEFAULTS; node_ips maps node names to the secondary
    IPs DRBD8 replicates over, needed only when the master did not compute a
    disk's physical_id.
    """

    node_name: str
    file_storage_dirs: Sequence[str] = ()
    diskparams: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    node_ips: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def FilledDiskParams(self) -> dict[str, Any]:
        """The disk parameters with defaults filled in, checked."""
        params = dict(constants.DISK_DT_DEFAULTS)
        params.update(self.diskparams)
        CheckDiskParams(params)
        return params


def _IsPowerOfTwo(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def CheckDiskParams(params: Mapping[str, Any]) -> None:
    """Validate the disk parameters this package understands.

    Parameters of other components are left alone, as the 2.1 design asks
    each component to check only what it knows.
    """
    for key in (constants.LDP_META_FLUSHES, constants.LDP_DATA_FLUSHES):
        if key in params and not isinstance(params[key], bool):
            raise errors.BlockDeviceError("Disk parameter %s must be a boolean, not %r"
                                          % (key, params[key]))
    for key in (constants.LDP_STRIPES, constants.LDP_STRIPE_SIZE):
        value = params.get(key)
        if key in params and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise errors.BlockDeviceError("Disk parameter %s must be a positive integer, not %r"
                                          % (key, value))
    stripe_size = params.get(constants.LDP_STRIPE_SIZE)
    if stripe_size is not None and (not _IsPowerOfTwo(stripe_size) or stripe_size < 4):
        raise errors.BlockDeviceError("Disk parameter %s (KiB) must be a power of two of at"
                                      " least 4, not %r" % (constants.LDP_STRIPE_SIZE, stripe_size))


def FormatCommandFailure(result: utils.RunResult, what: str) -> str:
    """The message for a failed command: what we tried, how it failed, what it said."""
    output = result.output.strip() or "(no output)"
    return "%s failed (%s): %s; output: %s" % (what, result.cmd, result.fail_reason, output)


def RunChecked(argv: Sequence[str], what: str,
               error_cls: type[errors.GenericError] = errors.BlockDeviceError,
               timeout: float | None = None) -> utils.RunResult:
    """Run a storage command and raise error_cls, with its output, if it fails."""
    result = utils.RunCmd(list(argv), timeout=timeout)
    if result.failed:
        raise error_cls(FormatCommandFailure(result, what))
    return result


@dataclasses.dataclass
class SyncStatus:
    """A device's health as the master's mirror-status checks want it.

    sync_percent and estimated_time (seconds) are None unless a resync is
    running; ldisk_status is one of constants.LDS_*.
    """

    dev_path: str | None
    major: int | None
    minor: int | None
    sync_percent: float | None
    estimated_time: int | None
    is_degraded: bool
    ldisk_status: int

    def ToDict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class BlockDev:
    """Base of every block device.

    A device object may exist without the device being set up on the node:
    Attach() finds out whether it is (and fills dev_path, major, minor),
    Assemble() sets it up. Create() makes a new one and returns it attached.
    """

    def __init__(self, unique_id: Sequence[Any], children: Sequence[BlockDev], size: int,
                 ctx: NodeContext):
        self.unique_id = tuple(unique_id)
        self._children = list(children)
        self.size = size
        self.ctx = ctx
        self.dev_path: str | None = None
        self.major: int | None = None
        self.minor: int | None = None
        self.attached = False

    def __repr__(self) -> str:
        return "<%s %r%s>" % (self.__class__.__name__, self.unique_id,
                              " %s" % self.dev_path if self.attached else "")

    @classmethod
    def DevicePath(cls, unique_id: Sequence[Any]) -> str:
        """The device node this unique id will have once assembled."""
        raise NotImplementedError

    @classmethod
    def Create(cls, unique_id: Sequence[Any], children: Sequence[BlockDev], size: int,
               ctx: NodeContext) -> BlockDev:
        """Create a new device; raise BlockDeviceError if it already exists."""
        raise NotImplementedError

    def Attach(self) -> bool:
        """Find the device on this node; True (and dev_path set) if it is set up."""
        raise NotImplementedError

    def Assemble(self) -> None:
        """Set the device up on this node (children are already assembled)."""
        if not self.Attach():
            raise errors.BlockDeviceError("Cannot assemble %r: device not found" % (self,))

    def Shutdown(self) -> None:
        """Tear down what Assemble set up, keeping the data."""

    def Remove(self) -> None:
        """Destroy the device and its data; removing a missing device succeeds."""
        raise NotImplementedError

    def Open(self, force: bool = False) -> None:
        """Make the device usable by an instance (e.g. DRBD primary)."""

    def Close(self) -> None:
        """Reverse Open."""

    def Grow(self, amount: int, dryrun: bool = False) -> None:
        """Grow the device by amount MiB (dryrun: only check that it would work)."""
        raise NotImplementedError

    def Rename(self, new_id: Sequence[Any]) -> None:
        """Give the device a new unique id (used when replacing disks)."""
        raise errors.BlockDeviceError("%s devices cannot be renamed" % self.__class__.__name__)

    def SetInfo(self, text: str) -> None:
        """Attach a human-readable owner note to the device, where it can hold one."""

    def GetActualSize(self) -> int:
        """The device's real size in MiB, as the node sees it."""
        raise NotImplementedError

    def GetSyncStatus(self) -> SyncStatus:
        """This device's own status; plain devices are never degraded."""
        return SyncStatus(self.dev_path, self.major, self.minor, None, None, False,
                          constants.LDS_OKAY)

    def CombinedSyncStatus(self) -> SyncStatus:
        """Status of this device merged with its children's (worst wins).

        A child that cannot be found counts as a faulty, degraded disk.
        """
        status = self.GetSyncStatus()
        for child in self._children:
            if not child.attached and not child.Attach():
                status.is_degraded = True
                status.ldisk_status = constants.LDS_FAULTY
                continue
            cstat = child.CombinedSyncStatus()
            status.is_degraded = status.is_degraded or cstat.is_degraded
            status.ldisk_status = max(status.ldisk_status, cstat.ldisk_status)
            if cstat.sync_percent is not None and (status.sync_percent is None
                                                   or cstat.sync_percent < status.sync_percent):
                status.sync_percent = cstat.sync_percent
            if cstat.estimated_time is not None:
                status.estimated_time = max(status.estimated_time or 0, cstat.estimated_time)
        return status

    def RequireAttached(self, what: str) -> None:
        """Attach if needed; raise BlockDeviceError naming the action if the device is not there."""
        if not self.attached and not self.Attach():
            raise errors.BlockDeviceError("Cannot %s %r: device is not set up" % (what, self))
