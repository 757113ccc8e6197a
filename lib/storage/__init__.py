"""Node-side storage: instance block devices and the 2.1 storage units framework.

- ganeti.storage.disks: what the node daemon calls for an instance's Disk
  objects (create, remove, grow, assemble, shutdown, status, device path).
- ganeti.storage.units: the storage units framework (list, modify, repair
  LVM PVs/VGs and file storage directories).
- base (BlockDev, NodeContext), lvm, drbd, filestorage: the device classes.
"""

from __future__ import annotations

from ganeti import constants, errors
from ganeti.storage.base import BlockDev, NodeContext, SyncStatus  # noqa: F401
from ganeti.storage.drbd import DRBD8
from ganeti.storage.filestorage import FileStorage
from ganeti.storage.lvm import LogicalVolume

DEV_MAP: dict[str, type[BlockDev]] = {
    constants.LD_LV: LogicalVolume,
    constants.LD_DRBD8: DRBD8,
    constants.LD_FILE: FileStorage,
}


def GetBlockDevClass(dev_type: str) -> type[BlockDev]:
    """The device class for a Disk's dev_type (constants.LD_*)."""
    try:
        return DEV_MAP[dev_type]
    except (KeyError, TypeError):
        raise errors.BlockDeviceError("Unknown disk type %r (known: %s)"
                                      % (dev_type, ", ".join(sorted(DEV_MAP)))) from None
