"""The 2.1 storage units framework: one small interface over every storage pool.

Each storage type (constants.ST_*) lists its units with any selection of the
fields SF_NAME, SF_SIZE, SF_FREE, SF_USED, SF_ALLOCATABLE (sizes in MiB),
modifies the fields in MODIFIABLE_STORAGE_FIELDS and runs the operations in
VALID_STORAGE_OPERATIONS. As the design says, types are not related to each
other: a VG's fix-consistency may drop PVs, but the framework does not model
that. The node daemon calls ListStorage/ModifyStorage/ExecuteStorageOp;
GetStorage(type, *args) takes the type's arguments (file: the directories).
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping, Sequence

from ganeti import constants, errors
from ganeti.storage import filestorage, lvm

_MIB = 1024 * 1024


class _StorageType:
    """Base of one storage type: rows of named fields per unit."""

    STORAGE_TYPE = ""
    LIST_FIELDS = frozenset([constants.SF_NAME, constants.SF_SIZE, constants.SF_FREE,
                             constants.SF_USED, constants.SF_ALLOCATABLE])

    def _Units(self, name: str | None) -> list[dict[str, Any]]:
        """Every unit (or just the named one) as a dict of all fields."""
        raise NotImplementedError

    def List(self, name: str | None, fields: Sequence[str]) -> list[list[Any]]:
        """One row per unit with the requested fields, in order, sorted by name."""
        bad = [f for f in fields if f not in self.LIST_FIELDS]
        if bad:
            raise errors.StorageError("Unknown field(s) %s for storage type %s (known: %s)"
                                      % (", ".join(bad), self.STORAGE_TYPE,
                                         ", ".join(sorted(self.LIST_FIELDS))))
        units = sorted(self._Units(name), key=lambda u: u[constants.SF_NAME])
        return [[unit[f] for f in fields] for unit in units]

    def Modify(self, name: str, changes: Mapping[str, Any]) -> None:
        allowed = constants.MODIFIABLE_STORAGE_FIELDS.get(self.STORAGE_TYPE, frozenset())
        bad = sorted(set(changes) - allowed)
        if bad:
            raise errors.StorageError("Field(s) %s of storage type %s cannot be modified"
                                      % (", ".join(bad), self.STORAGE_TYPE))
        self._Modify(name, changes)

    def _Modify(self, name: str, changes: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def Execute(self, name: str, op: str) -> list[str]:
        allowed = constants.VALID_STORAGE_OPERATIONS.get(self.STORAGE_TYPE, frozenset())
        if op not in allowed:
            raise errors.StorageError("Operation %r is not supported on storage type %s"
                                      % (op, self.STORAGE_TYPE))
        return self._Execute(name, op)

    def _Execute(self, name: str, op: str) -> list[str]:
        raise NotImplementedError


class FileStorageUnits(_StorageType):
    """File storage directories: size and free from the file system, used from the files.

    used counts the blocks really allocated under the directory (sparse disks
    count for what they hold), each inode once.
    """

    STORAGE_TYPE = constants.ST_FILE

    def __init__(self, paths: Iterable[str]):
        self._dirs = list(paths)  # as config.data has them; re-rooted by filestorage
        self._paths = [filestorage.CheckAllowedDir(p) for p in self._dirs]

    @staticmethod
    def _UsedBytes(path: str) -> int:
        seen: set[tuple[int, int]] = set()
        total = 0
        errs: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(path, onerror=errs.append):
            for entry in dirnames + filenames:
                try:
                    st = os.lstat(os.path.join(dirpath, entry))
                except FileNotFoundError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
        if errs:
            raise errors.StorageError("Cannot scan file storage directory %s: %s" % (path, errs[0]))
        return total

    def _Units(self, name: str | None) -> list[dict[str, Any]]:
        units = []
        wanted = filestorage.CheckAllowedDir(name) if name is not None else None
        for path in self._paths:
            if wanted is not None and wanted != path:
                continue
            try:
                st = os.statvfs(path)
            except OSError as err:
                raise errors.StorageError("Cannot stat file storage directory %s: %s"
                                          % (path, err)) from err
            units.append({
                constants.SF_NAME: path,
                constants.SF_SIZE: st.f_blocks * st.f_frsize // _MIB,
                constants.SF_FREE: st.f_bavail * st.f_frsize // _MIB,
                constants.SF_USED: self._UsedBytes(path) // _MIB,
                constants.SF_ALLOCATABLE: os.access(path, os.W_OK),
            })
        return units

    def CreateDir(self, path: str) -> str:
        """Create an instance's directory inside one of these directories."""
        return filestorage.CreateFileStorageDir(path, self._dirs)

    def RemoveDir(self, path: str) -> None:
        """Remove an (empty) instance directory inside one of these directories."""
        filestorage.RemoveFileStorageDir(path, self._dirs)


class LvmPvUnits(_StorageType):
    """LVM physical volumes; allocatable can be switched (pvchange -x)."""

    STORAGE_TYPE = constants.ST_LVM_PV

    def _Units(self, name: str | None) -> list[dict[str, Any]]:
        pvs = lvm.GetPVInfo(pv_names=[name] if name is not None else None)
        return [{constants.SF_NAME: pv.name, constants.SF_SIZE: pv.size,
                 constants.SF_FREE: pv.free, constants.SF_USED: pv.used,
                 constants.SF_ALLOCATABLE: pv.allocatable and not pv.missing} for pv in pvs]

    def _Modify(self, name: str, changes: Mapping[str, Any]) -> None:
        value = changes.get(constants.SF_ALLOCATABLE)
        if not isinstance(value, bool):
            raise errors.StorageError("%s must be a boolean, not %r"
                                      % (constants.SF_ALLOCATABLE, value))
        lvm.SetPVAllocatable(name, value)


class LvmVgUnits(_StorageType):
    """LVM volume groups; fix-consistency drops PVs that have gone missing."""

    STORAGE_TYPE = constants.ST_LVM_VG

    def _Units(self, name: str | None) -> list[dict[str, Any]]:
        vgs = lvm.GetVGInfo([name] if name is not None else None)
        return [{constants.SF_NAME: vg.name, constants.SF_SIZE: vg.size,
                 constants.SF_FREE: vg.free, constants.SF_USED: vg.used,
                 constants.SF_ALLOCATABLE: vg.allocatable} for vg in vgs]

    def _Execute(self, name: str, op: str) -> list[str]:
        return lvm.FixVGConsistency(name)


_TYPES: dict[str, type[_StorageType]] = {
    constants.ST_FILE: FileStorageUnits,
    constants.ST_LVM_PV: LvmPvUnits,
    constants.ST_LVM_VG: LvmVgUnits,
}


def GetStorage(storage_type: str, *args: Any) -> _StorageType:
    """The storage type's handler; ST_FILE takes the list of directories."""
    try:
        cls = _TYPES[storage_type]
    except (KeyError, TypeError):
        raise errors.StorageError("Unknown storage type %r (known: %s)"
                                  % (storage_type, ", ".join(sorted(_TYPES)))) from None
    return cls(*args)


def ListStorage(storage_type: str, args: Sequence[Any], name: str | None,
                fields: Sequence[str]) -> list[list[Any]]:
    """storage_list: rows of the requested fields for every (or the named) unit."""
    return GetStorage(storage_type, *args).List(name, fields)


def ModifyStorage(storage_type: str, args: Sequence[Any], name: str,
                  changes: Mapping[str, Any]) -> None:
    """storage_modify: change modifiable fields of one unit (PV allocatable)."""
    GetStorage(storage_type, *args).Modify(name, changes)


def ExecuteStorageOp(storage_type: str, args: Sequence[Any], name: str, op: str) -> list[str]:
    """storage_execute: run a repair operation (VG fix-consistency); returns messages."""
    return GetStorage(storage_type, *args).Execute(name, op)
