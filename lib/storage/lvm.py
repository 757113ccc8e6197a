"""LVM: listing PVs, VGs and LVs, and logical volumes as instance disks.

Every listing uses LVM's machine-readable form (no headings, sizes in MiB
without suffix, '|'-separated named fields) and is parsed strictly: a line
with the wrong number of fields is an error that quotes the command's output,
rather than a silently wrong free-space figure. Names that reach lvcreate and
friends are validated first, since they arrive over RPC.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from typing import Any, Iterable, Sequence

from ganeti import constants, errors
from ganeti.storage import base

LVM_TIMEOUT = 120  # seconds; a dead PV must not hang the node daemon forever
_LIST_OPTS = ["--noheadings", "--units", "m", "--nosuffix", "--separator", "|"]
_NAME_RE = re.compile(r"^[a-zA-Z0-9+_.][a-zA-Z0-9+_.-]*$")
_NAME_MAX = 127
_LV_RESERVED_PREFIXES = ("snapshot", "pvmove")
_LV_RESERVED_PARTS = ("_cdata", "_cmeta", "_corig", "_mimage", "_mlog", "_pmspare", "_rimage",
                      "_rmeta", "_tdata", "_tmeta", "_vorigin", "_vdata")
_PV_NAME_RE = re.compile(r"^/dev/[a-zA-Z0-9+_.:/-]+$")
_TAG_BAD_CHARS = re.compile(r"[^a-zA-Z0-9_+.=!:&#-]")
# How lvs/pvs name a PV that is gone: newer LVM "[unknown]", older "unknown device"
_MISSING_PV_NAMES = ("[unknown]", "unknown device")
_DEVICE_RE = re.compile(r"^(.*)\((\d+)\)$")


def _CheckName(kind: str, name: Any,
               error_cls: type[errors.GenericError] = errors.BlockDeviceError) -> str:
    if (not isinstance(name, str) or not _NAME_RE.match(name) or name in (".", "..")
            or len(name) > _NAME_MAX):
        raise error_cls("Invalid %s name %r: use letters, digits and +_.- (not starting with"
                        " '-'), at most %d characters" % (kind, name, _NAME_MAX))
    return name


def ValidateVGName(name: Any,
                   error_cls: type[errors.GenericError] = errors.BlockDeviceError) -> str:
    """Return name if LVM accepts it as a volume group name."""
    return _CheckName("volume group", name, error_cls)


def ValidateLVName(name: Any) -> str:
    """Return name if LVM accepts it for an ordinary logical volume."""
    _CheckName("logical volume", name)
    if name.startswith(_LV_RESERVED_PREFIXES) or any(p in name for p in _LV_RESERVED_PARTS):
        raise errors.BlockDeviceError("Logical volume name %r uses a name LVM reserves" % name)
    return name


def ValidatePVName(name: Any) -> str:
    """Return name if it looks like a PV device path."""
    if not isinstance(name, str) or not _PV_NAME_RE.match(name) or "/../" in name + "/":
        raise errors.StorageError("Invalid physical volume name %r" % (name,))
    return name


def ParseLvmTable(output: str, fields: Sequence[str], cmd: str,
                  error_cls: type[errors.GenericError] = errors.StorageError) -> list[list[str]]:
    """Split the rows of a --noheadings --separator '|' listing into fields."""
    rows = []
    for line in output.splitlines():
        line = line.strip()
        if not line:
            continue
        row = line.split("|")
        if len(row) != len(fields):
            raise error_cls("Cannot parse the output of %s: expected %d fields (%s), got %d in"
                            " line %r; output: %s" % (cmd, len(fields), ",".join(fields),
                                                       len(row), line, output.strip()))
        rows.append(row)
    return rows


def _Number(value: str, what: str, tool: str,
            error_cls: type[errors.GenericError] = errors.StorageError) -> int:
    """An integer field, or a size in MiB rounded down to whole MiB."""
    try:
        return int(math.floor(float(value)))
    except ValueError as err:
        raise error_cls("Cannot parse %s %r in the output of %s" % (what, value, tool)) from err


def _RunList(tool: str, fields: Sequence[str], args: Sequence[str] = (),
             error_cls: type[errors.GenericError] = errors.StorageError) -> list[list[str]]:
    argv = [tool] + _LIST_OPTS + ["-o", ",".join(fields)] + list(args)
    result = base.RunChecked(argv, "Listing with %s" % tool, error_cls, timeout=LVM_TIMEOUT)
    return ParseLvmTable(result.stdout, fields, result.cmd, error_cls)


@dataclasses.dataclass(frozen=True)
class PVInfo:
    """One physical volume; missing PVs are still listed by their VG."""

    name: str
    vg_name: str
    size: int
    free: int
    used: int
    attributes: str

    @property
    def allocatable(self) -> bool:
        return self.attributes[:1] == "a"

    @property
    def missing(self) -> bool:
        return self.name in _MISSING_PV_NAMES or self.attributes[2:3] == "m"


_PV_FIELDS = ("pv_name", "vg_name", "pv_size", "pv_free", "pv_used", "pv_attr")


def GetPVInfo(vg_names: Iterable[str] | None = None, pv_names: Iterable[str] | None = None,
              filter_allocatable: bool = False) -> list[PVInfo]:
    """The PVs (of the given VGs, or the named PVs, or all), optionally only allocatable ones."""
    args = [ValidatePVName(n) for n in pv_names or ()]
    wanted_vgs = (set(ValidateVGName(v, errors.StorageError) for v in vg_names)
                  if vg_names is not None else None)
    result = []
    for row in _RunList("pvs", _PV_FIELDS, args):
        name, vg_name, size, free, used, attr = row
        info = PVInfo(name, vg_name, _Number(size, "pv_size", "pvs"),
                      _Number(free, "pv_free", "pvs"), _Number(used, "pv_used", "pvs"), attr)
        if wanted_vgs is not None and info.vg_name not in wanted_vgs:
            continue
        if filter_allocatable and (not info.allocatable or info.missing):
            continue
        result.append(info)
    return result


@dataclasses.dataclass(frozen=True)
class VGInfo:
    """One volume group; partial means some of its PVs are missing."""

    name: str
    size: int
    free: int
    attributes: str
    pv_count: int
    lv_count: int

    @property
    def used(self) -> int:
        return self.size - self.free

    @property
    def partial(self) -> bool:
        return self.attributes[3:4] == "p"

    @property
    def allocatable(self) -> bool:
        """Writeable, not exported and not partial: lvcreate can succeed."""
        return (self.attributes[:1] == "w" and self.attributes[2:3] != "x"
                and not self.partial)


_VG_FIELDS = ("vg_name", "vg_size", "vg_free", "vg_attr", "pv_count", "lv_count")


def GetVGInfo(vg_names: Iterable[str] | None = None) -> list[VGInfo]:
    """The named VGs (all when None); a named VG that does not exist is an error."""
    args = [ValidateVGName(v, errors.StorageError) for v in vg_names or ()]
    result = []
    for name, size, free, attr, pv_count, lv_count in _RunList("vgs", _VG_FIELDS, args):
        result.append(VGInfo(name, _Number(size, "vg_size", "vgs"), _Number(free, "vg_free", "vgs"),
                             attr, _Number(pv_count, "pv_count", "vgs"),
                             _Number(lv_count, "lv_count", "vgs")))
    return result


@dataclasses.dataclass(frozen=True)
class LVInfo:
    """One logical volume, merged over its segments."""

    vg_name: str
    name: str
    size: int
    attributes: str
    major: int
    minor: int
    devices: tuple[str, ...]

    @property
    def active(self) -> bool:
        return self.attributes[4:5] == "a"

    @property
    def is_open(self) -> bool:
        return self.attributes[5:6] == "o"

    @property
    def missing_pvs(self) -> bool:
        return any(d in _MISSING_PV_NAMES for d in self.devices)

    @property
    def degraded(self) -> bool:
        """Virtual (its PV is gone and LVM put an error target in), partial, or on a missing PV."""
        return (self.attributes[:1] == "v" or self.attributes[8:9] == "p" or self.missing_pvs)


_LV_FIELDS = ("vg_name", "lv_name", "lv_size", "lv_attr", "lv_kernel_major", "lv_kernel_minor",
              "devices")


def _ParseDevices(value: str) -> list[str]:
    """'/dev/sda1(0),/dev/sdb1(12)' -> PV names; '[unknown](0)' stays '[unknown]'."""
    devices = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        match = _DEVICE_RE.match(item)
        devices.append(match.group(1) if match else item)
    return devices


def ListLogicalVolumes(vg_names: Iterable[str] | None = None, lv_path: str | None = None,
                       error_cls: type[errors.GenericError] = errors.StorageError) -> list[LVInfo]:
    """LVs of the given VGs (or all, or one "vg/lv"), one entry per LV.

    lvs prints one line per segment when a segment field (devices) is asked
    for, so lines of the same LV are merged here.
    """
    args = [ValidateVGName(v, error_cls) for v in vg_names or ()]
    if lv_path is not None:
        args.append(lv_path)
    merged: dict[tuple[str, str], LVInfo] = {}
    rows = _RunList("lvs", _LV_FIELDS, args, error_cls)
    for vg_name, lv_name, size, attr, major, minor, devices in rows:
        key = (vg_name, lv_name)
        devs = _ParseDevices(devices)
        if key in merged:
            old = merged[key]
            merged[key] = dataclasses.replace(
                old, devices=old.devices + tuple(d for d in devs if d not in old.devices))
        else:
            merged[key] = LVInfo(vg_name, lv_name, _Number(size, "lv_size", "lvs", error_cls), attr,
                                 _Number(major, "lv_kernel_major", "lvs", error_cls),
                                 _Number(minor, "lv_kernel_minor", "lvs", error_cls), tuple(devs))
    return list(merged.values())


def SetPVAllocatable(pv_name: str, allocatable: bool) -> None:
    """Allow or forbid new allocations on a PV (pvchange -x)."""
    ValidatePVName(pv_name)
    base.RunChecked(["pvchange", "-x", "y" if allocatable else "n", pv_name],
                    "Changing allocatable flag of %s" % pv_name, errors.StorageError,
                    timeout=LVM_TIMEOUT)


def FixVGConsistency(vg_name: str) -> list[str]:
    """Drop missing PVs from a VG (vgreduce --removemissing), never forcing.

    LVM refuses when LVs still use the missing PVs; that refusal (with its
    output) is reported so that the master can move or remove those LVs
    first, instead of this node silently destroying them with --force.
    Returns the messages LVM printed.
    """
    ValidateVGName(vg_name, errors.StorageError)
    result = base.RunChecked(["vgreduce", "--removemissing", vg_name],
                             "Removing missing PVs from VG %s" % vg_name, errors.StorageError,
                             timeout=LVM_TIMEOUT)
    infos = GetVGInfo([vg_name])
    if not infos or infos[0].partial:
        raise errors.StorageError("VG %s is still inconsistent after vgreduce --removemissing;"
                                  " output: %s" % (vg_name, result.output.strip()))
    return [line.strip() for line in result.output.splitlines() if line.strip()]


class LogicalVolume(base.BlockDev):
    """An LVM logical volume; unique id is (vg_name, lv_name)."""

    def __init__(self, unique_id: Sequence[Any], children: Sequence[base.BlockDev], size: int,
                 ctx: base.NodeContext):
        super().__init__(unique_id, children, size, ctx)
        if len(self.unique_id) != 2:
            raise errors.BlockDeviceError("Invalid LV id %r: expected (vg, lv)" % (self.unique_id,))
        self.vg_name = ValidateVGName(self.unique_id[0])
        self.lv_name = ValidateLVName(self.unique_id[1])
        self.dev_path = self.DevicePath(self.unique_id)
        self.degraded = False

    @classmethod
    def DevicePath(cls, unique_id: Sequence[Any]) -> str:
        return "/dev/%s/%s" % (unique_id[0], unique_id[1])

    @property
    def _lv_path(self) -> str:
        return "%s/%s" % (self.vg_name, self.lv_name)

    @staticmethod
    def _StripeArgs(size: int, params: dict[str, Any], pvs: list[PVInfo], vg_name: str) -> list[str]:
        stripes = params[constants.LDP_STRIPES]
        if stripes > len(pvs):
            logging.warning("Using %d stripes instead of %d for a %d MiB LV in VG %s: only %d"
                            " allocatable PVs", len(pvs), stripes, size, vg_name, len(pvs))
            stripes = len(pvs)
        if stripes <= 1:
            return []
        return ["-i", str(stripes), "-I", str(params[constants.LDP_STRIPE_SIZE])]

    @classmethod
    def BuildCreateCommand(cls, vg_name: str, lv_name: str, size: int, params: dict[str, Any],
                           pvs: list[PVInfo]) -> list[str]:
        """The lvcreate command line for a new LV (stripes from the disk parameters)."""
        return (["lvcreate", "--yes", "-L", "%dm" % size, "-n", lv_name]
                + cls._StripeArgs(size, params, pvs, vg_name) + [vg_name])

    @staticmethod
    def _CheckFreeSpace(vg_name: str, amount: int) -> list[PVInfo]:
        pvs = GetPVInfo([vg_name], filter_allocatable=True)
        if not pvs:
            raise errors.BlockDeviceError("VG %s has no allocatable physical volumes" % vg_name)
        free = sum(pv.free for pv in pvs)
        if free < amount:
            raise errors.BlockDeviceError("Not enough free space in VG %s: %d MiB required, %d MiB"
                                          " available on allocatable PVs" % (vg_name, amount, free))
        return pvs

    @classmethod
    def Create(cls, unique_id: Sequence[Any], children: Sequence[base.BlockDev], size: int,
               ctx: base.NodeContext) -> LogicalVolume:
        dev = cls(unique_id, children, size, ctx)
        if size <= 0:
            raise errors.BlockDeviceError("Invalid size %r for LV %s" % (size, dev._lv_path))
        pvs = cls._CheckFreeSpace(dev.vg_name, size)
        base.RunChecked(cls.BuildCreateCommand(dev.vg_name, dev.lv_name, size,
                                               ctx.FilledDiskParams(), pvs),
                        "Creating LV %s" % dev._lv_path, timeout=LVM_TIMEOUT)
        if not dev.Attach():
            raise errors.BlockDeviceError("LV %s was created but cannot be found" % dev._lv_path)
        return dev

    def _Info(self) -> LVInfo | None:
        found = ListLogicalVolumes(lv_path=self._lv_path, error_cls=errors.BlockDeviceError)
        return next((lv for lv in found if (lv.vg_name, lv.name) == self.unique_id), None)

    def Attach(self) -> bool:
        """Look the LV up with lvs; a missing LV (or VG) is not attached."""
        try:
            info = self._Info()
        except errors.BlockDeviceError as err:
            logging.info("LV %s not found: %s", self._lv_path, err)
            info = None
        self.attached = info is not None
        if info is not None:
            self.degraded = info.degraded
            self.size = info.size
            self.major, self.minor = (info.major, info.minor) if info.major >= 0 else (None, None)
        return self.attached

    def Assemble(self) -> None:
        """Activate the LV (a no-op for an already active one)."""
        self.RequireAttached("assemble")
        base.RunChecked(["lvchange", "-ay", self._lv_path], "Activating LV %s" % self._lv_path,
                        timeout=LVM_TIMEOUT)

    def Remove(self) -> None:
        if not self.Attach():
            return
        base.RunChecked(["lvremove", "-f", self._lv_path], "Removing LV %s" % self._lv_path,
                        timeout=LVM_TIMEOUT)
        self.attached = False

    def Grow(self, amount: int, dryrun: bool = False) -> None:
        """lvextend by amount MiB; LVM keeps the last segment's stripe layout."""
        self.RequireAttached("grow")
        if amount <= 0:
            raise errors.BlockDeviceError("Cannot grow %s by %r MiB" % (self._lv_path, amount))
        self._CheckFreeSpace(self.vg_name, amount)
        cmd = ["lvextend", "-L", "+%dm" % amount] + (["--test"] if dryrun else []) + [self._lv_path]
        base.RunChecked(cmd, "Growing LV %s" % self._lv_path, timeout=LVM_TIMEOUT)
        if not dryrun:
            self.Attach()

    def Rename(self, new_id: Sequence[Any]) -> None:
        new_id = tuple(new_id)
        if len(new_id) != 2 or new_id[0] != self.vg_name:
            raise errors.BlockDeviceError("Cannot rename LV %s to %r: must stay in VG %s"
                                          % (self._lv_path, new_id, self.vg_name))
        new_name = ValidateLVName(new_id[1])
        base.RunChecked(["lvrename", self.vg_name, self.lv_name, new_name],
                        "Renaming LV %s" % self._lv_path, timeout=LVM_TIMEOUT)
        self.unique_id = new_id
        self.lv_name = new_name
        self.dev_path = self.DevicePath(new_id)

    def SetInfo(self, text: str) -> None:
        """Tag the LV with its owner (LVM tags allow only a few characters)."""
        self.RequireAttached("tag")
        tag = _TAG_BAD_CHARS.sub("_", text)[:1024].lstrip("-") or "_"
        base.RunChecked(["lvchange", "--addtag", tag, self._lv_path],
                        "Tagging LV %s" % self._lv_path, timeout=LVM_TIMEOUT)

    def Snapshot(self, size: int) -> tuple[str, str]:
        """Make a snapshot LV "<lv>.snap" of size MiB (for exports); returns its id.

        A snapshot left over from an earlier, interrupted export is removed first.
        """
        self.RequireAttached("snapshot")
        snap = LogicalVolume((self.vg_name, self.lv_name + ".snap"), [], size, self.ctx)
        snap.Remove()
        self._CheckFreeSpace(self.vg_name, size)
        base.RunChecked(["lvcreate", "--yes", "-L", "%dm" % size, "-s", "-n", snap.lv_name,
                         self._lv_path], "Snapshotting LV %s" % self._lv_path,
                        timeout=LVM_TIMEOUT)
        return snap.unique_id

    def GetActualSize(self) -> int:
        self.RequireAttached("size")
        return self.size

    def GetSyncStatus(self) -> base.SyncStatus:
        """An LV is degraded (and its data faulty) when it lost a PV."""
        return base.SyncStatus(self.dev_path, self.major, self.minor, None, None, self.degraded,
                               constants.LDS_FAULTY if self.degraded else constants.LDS_OKAY)
