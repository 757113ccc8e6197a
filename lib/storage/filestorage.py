"""File disks and the file storage directories that hold them.

A file disk is a sparse file under the cluster's file storage directory
(usually <file_storage_dir>/<instance>/disk<N>). Every path that reaches this
module comes over RPC, so each one is resolved (symlinks and "..") and refused
with FileStoragePathError unless it lies strictly inside an allowed directory;
files are then opened with O_NOFOLLOW so that a symlink planted afterwards is
not followed either. Paths arrive as config.data holds them and are re-rooted
here with pathutils.Prefix (a no-op on a real node), so that each node of a
virtual cluster keeps its own files.
"""

from __future__ import annotations

import errno
import os
from typing import Any, Iterable, Sequence

from ganeti import constants, errors, pathutils
from ganeti.storage import base

_MIB = 1024 * 1024
_DIR_MODE = 0o750
_FILE_MODE = 0o600

# Directories that must never be (or contain) a file storage directory.
_FORBIDDEN_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc",
                    "/sbin", "/sys", "/usr/bin", "/usr/include", "/usr/lib", "/usr/lib32",
                    "/usr/lib64", "/usr/sbin")
_FORBIDDEN_EXACT = ("/", "/home", "/root", "/run", "/srv", "/tmp", "/usr", "/usr/local",
                    "/usr/share", "/var", "/var/lib", "/var/run", "/var/tmp")


def _IsBelow(path: str, root: str) -> bool:
    """Whether path is root itself or inside it (both already resolved)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def _IsForbidden(path: str) -> bool:
    return path in _FORBIDDEN_EXACT or any(_IsBelow(path, tree) for tree in _FORBIDDEN_TREES)


def _Reroot(path: Any, what: str) -> str:
    """The node-local form of a config path, refusing relative paths and NUL bytes."""
    if not isinstance(path, str) or not os.path.isabs(path):
        raise errors.FileStoragePathError("%s %r is not an absolute path" % (what, path))
    if "\0" in path:
        raise errors.FileStoragePathError("%s %r contains a NUL byte" % (what, path))
    return pathutils.Prefix(path)


def CheckAllowedDir(dirname: str) -> str:
    """Resolve one allowed file storage directory, refusing system directories."""
    local = _Reroot(dirname, "File storage directory")
    real = os.path.realpath(local)
    if _IsForbidden(os.path.normpath(dirname)) or _IsForbidden(real):
        raise errors.FileStoragePathError("%r (%s) cannot be a file storage directory"
                                          % (dirname, real))
    return real


def CheckFileStoragePath(path: str, allowed_dirs: Iterable[str]) -> str:
    """Resolve path and return it if it is strictly inside an allowed directory.

    Symlinks anywhere in the path (including the last component) and ".."
    are resolved before comparing, so neither can lead outside.
    """
    real = os.path.realpath(_Reroot(path, "File storage path"))
    roots = [CheckAllowedDir(d) for d in allowed_dirs]
    if not roots:
        raise errors.FileStoragePathError("No file storage directory is configured on this node")
    for root in roots:
        if real != root and _IsBelow(real, root):
            return real
    raise errors.FileStoragePathError("Path %r (resolving to %s) is outside the file storage"
                                      " directories %s" % (path, real, ", ".join(roots)))


class FileStorage(base.BlockDev):
    """A disk backed by a (sparse) file; unique id is (driver, path)."""

    def __init__(self, unique_id: Sequence[Any], children: Sequence[base.BlockDev], size: int,
                 ctx: base.NodeContext):
        super().__init__(unique_id, children, size, ctx)
        if len(self.unique_id) != 2 or self.unique_id[0] not in constants.FILE_DRIVER:
            raise errors.BlockDeviceError("Invalid file disk id %r: expected (driver, path) with"
                                          " driver in %s" % (self.unique_id,
                                                             sorted(constants.FILE_DRIVER)))
        self.driver = self.unique_id[0]
        self.path = CheckFileStoragePath(self.unique_id[1], ctx.file_storage_dirs)
        self.dev_path = self.path

    @classmethod
    def DevicePath(cls, unique_id: Sequence[Any]) -> str:
        return pathutils.Prefix(unique_id[1])

    @classmethod
    def Create(cls, unique_id: Sequence[Any], children: Sequence[base.BlockDev], size: int,
               ctx: base.NodeContext) -> FileStorage:
        """Create the file, sparse, of size MiB; an existing file is an error."""
        dev = cls(unique_id, children, size, ctx)
        if size <= 0:
            raise errors.BlockDeviceError("Invalid size %r for file disk %s" % (size, dev.path))
        parent = os.path.dirname(dev.path)
        if not os.path.isdir(parent):
            raise errors.BlockDeviceError("Directory %s of file disk %s does not exist (create"
                                          " the instance's file storage directory first)"
                                          % (parent, dev.path))
        try:
            fd = os.open(dev.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         _FILE_MODE)
        except OSError as err:
            if err.errno == errno.EEXIST:
                raise errors.BlockDeviceError("File disk %s already exists" % dev.path) from err
            raise errors.BlockDeviceError("Cannot create file disk %s: %s" % (dev.path, err)) from err
        try:
            os.ftruncate(fd, size * _MIB)
        except OSError as err:
            os.close(fd)
            _Unlink(dev.path)
            raise errors.BlockDeviceError("Cannot size file disk %s to %d MiB: %s"
                                          % (dev.path, size, err)) from err
        os.close(fd)
        dev.Attach()
        return dev

    def Attach(self) -> bool:
        self.attached = os.path.isfile(self.path) and not os.path.islink(self.path)
        return self.attached

    def Remove(self) -> None:
        _Unlink(self.path)
        self.attached = False

    def Grow(self, amount: int, dryrun: bool = False) -> None:
        """Extend the file (sparse) by amount MiB; shrinking is refused."""
        self.RequireAttached("grow")
        if amount <= 0:
            raise errors.BlockDeviceError("Cannot grow %s by %r MiB" % (self.path, amount))
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NOFOLLOW)
        except OSError as err:
            raise errors.BlockDeviceError("Cannot open %s: %s" % (self.path, err)) from err
        try:
            if not dryrun:
                os.ftruncate(fd, os.fstat(fd).st_size + amount * _MIB)
        except OSError as err:
            raise errors.BlockDeviceError("Cannot grow %s: %s" % (self.path, err)) from err
        finally:
            os.close(fd)

    def Rename(self, new_id: Sequence[Any]) -> None:
        """Move the file to a new path inside the storage dirs; never overwrites."""
        new_id = tuple(new_id)
        if len(new_id) != 2 or new_id[0] != self.driver:
            raise errors.BlockDeviceError("Invalid new id %r for %s" % (new_id, self.path))
        new_path = CheckFileStoragePath(new_id[1], self.ctx.file_storage_dirs)
        self.RequireAttached("rename")
        try:
            os.link(self.path, new_path)  # fails if new_path exists, unlike rename
        except OSError as err:
            raise errors.BlockDeviceError("Cannot rename %s to %s: %s"
                                          % (self.path, new_path, err)) from err
        _Unlink(self.path)
        self.unique_id = new_id
        self.path = self.dev_path = new_path

    def GetActualSize(self) -> int:
        self.RequireAttached("size")
        try:
            return os.stat(self.path).st_size // _MIB
        except OSError as err:
            raise errors.BlockDeviceError("Cannot stat %s: %s" % (self.path, err)) from err


def _Unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise errors.BlockDeviceError("Cannot remove %s: %s" % (path, err)) from err


def CreateFileStorageDir(path: str, allowed_dirs: Iterable[str]) -> str:
    """Create an instance's file storage directory (idempotent); returns its real path."""
    real = CheckFileStoragePath(path, allowed_dirs)
    if os.path.isdir(real):
        return real
    if os.path.lexists(real):
        raise errors.StorageError("%s exists and is not a directory" % real)
    try:
        os.makedirs(real, _DIR_MODE)
    except OSError as err:
        raise errors.StorageError("Cannot create file storage directory %s: %s"
                                  % (real, err)) from err
    return real


def RemoveFileStorageDir(path: str, allowed_dirs: Iterable[str]) -> None:
    """Remove an empty file storage directory; a missing one is fine."""
    real = CheckFileStoragePath(path, allowed_dirs)
    if not os.path.lexists(real):
        return
    if not os.path.isdir(real):
        raise errors.StorageError("%s is not a directory" % real)
    try:
        os.rmdir(real)
    except OSError as err:
        raise errors.StorageError("Cannot remove file storage directory %s: %s (contents: %s)"
                                  % (real, err, sorted(os.listdir(real)))) from err


def RenameFileStorageDir(old: str, new: str, allowed_dirs: Iterable[str]) -> None:
    """Rename an instance's directory (instance rename); done already is fine."""
    allowed = list(allowed_dirs)
    real_old = CheckFileStoragePath(old, allowed)
    real_new = CheckFileStoragePath(new, allowed)
    if os.path.lexists(real_new):
        if os.path.lexists(real_old):
            raise errors.StorageError("Cannot rename %s to %s: both exist" % (real_old, real_new))
        return
    if not os.path.isdir(real_old):
        raise errors.StorageError("Cannot rename %s: not a directory" % real_old)
    try:
        os.rename(real_old, real_new)
    except OSError as err:
        raise errors.StorageError("Cannot rename %s to %s: %s" % (real_old, real_new, err)) from err
