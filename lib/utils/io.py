"""File helpers: durable atomic writes and safe reads.

Configuration, job files and ssconf must never be torn: a writer that dies at
any moment leaves either the old or the new content, never a mix.
"""

from __future__ import annotations

import errno
import os
from typing import Callable, Iterable

from ganeti import errors


def FsyncDir(dirname: str) -> None:
    """Make a directory's entries (a rename, a new file) durable."""
    fd = os.open(dirname, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def WriteFile(file_name: str, data: str | bytes = "", mode: int | None = None,
              uid: int = -1, gid: int = -1, atomic: bool = True,
              fsync: bool = True, mkdir: bool = False,
              prewrite: Callable[[int], None] | None = None,
              backup: bool = False) -> None:
    """Write a file, by default atomically and durably.

    The data goes into a temporary file in the same directory, which is
    fsync'd and renamed over the target, and the directory is fsync'd so that
    the rename itself survives a crash. With backup=True the old file is
    kept as <name>.backup-<mtime> first.
    """
    dirname = os.path.dirname(os.path.abspath(file_name))
    if mkdir:
        os.makedirs(dirname, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if backup and os.path.isfile(file_name):
        _BackupFile(file_name)
    if not atomic:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        fd = os.open(file_name, flags, 0o644 if mode is None else mode)
        try:
            _WriteAll(fd, data, prewrite, fsync)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(file_name, mode)
        return
    import tempfile  # here, not at the top: commands that never write skip its import
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(file_name), dir=dirname)
    try:
        try:
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, 0o644 if mode is None else mode)
            _WriteAll(fd, data, prewrite, fsync)
        finally:
            os.close(fd)
        os.rename(tmp, file_name)
        tmp = None
        if fsync:
            FsyncDir(dirname)
    finally:
        if tmp is not None:
            RemoveFile(tmp)


def _WriteAll(fd: int, data: bytes, prewrite: Callable[[int], None] | None,
              fsync: bool) -> None:
    if prewrite is not None:
        prewrite(fd)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    if fsync:
        os.fsync(fd)


def _BackupFile(file_name: str) -> str:
    """Copy a file next to itself with its mtime in the name; return the copy."""
    mtime = int(os.stat(file_name).st_mtime)
    backup_name = "%s.backup-%d" % (file_name, mtime)
    WriteFile(backup_name, ReadFile(file_name, binary=True), mode=os.stat(file_name).st_mode & 0o777)
    return backup_name


def ReadFile(file_name: str, size: int = -1, binary: bool = False) -> str | bytes:
    """Read a whole file (or its first size bytes)."""
    with open(file_name, "rb") as fh:
        data = fh.read(size)
    return data if binary else data.decode("utf-8")


def ReadOneLineFile(file_name: str, strict: bool = False) -> str:
    """Return the first non-empty line of a file, stripped.

    With strict, a file of more than one non-empty line is an error.
    """
    lines = [line.strip() for line in ReadFile(file_name).splitlines() if line.strip()]
    if not lines:
        raise errors.GenericError("No data in one-liner file %s" % file_name)
    if strict and len(lines) > 1:
        raise errors.GenericError("Too many lines in one-liner file %s" % file_name)
    return lines[0]


def FileSha1(file_name: str) -> str | None:
    """Hex SHA-1 of a file's content, or None if it cannot be read (verify's checksums)."""
    import hashlib
    try:
        with open(file_name, "rb") as fh:
            return hashlib.sha1(fh.read()).hexdigest()
    except OSError:
        return None


def RemoveFile(file_name: str) -> None:
    """Remove a file, ignoring its absence."""
    try:
        os.unlink(file_name)
    except OSError as err:
        if err.errno not in (errno.ENOENT, errno.EISDIR):
            raise


def EnsureDirs(dirs: Iterable[tuple[str, int]]) -> None:
    """Create directories with the given modes, fixing the mode of existing ones."""
    for path, mode in dirs:
        try:
            os.makedirs(path, mode)
        except FileExistsError:
            if not os.path.isdir(path):
                raise errors.GenericError("%s exists and is not a directory" % path)
        os.chmod(path, mode)


def ListVisibleFiles(path: str) -> list[str]:
    """Names in a directory, without dot-files, sorted."""
    return sorted(name for name in os.listdir(path) if not name.startswith("."))
