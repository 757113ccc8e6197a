"""Cluster files the master ships to nodes: upload_file and write_ssconf_files.

upload_file writes only files on an allow-list, so that the RPC cannot be
used to overwrite arbitrary files (e.g. /root/.ssh/authorized_keys): the
configuration, the cluster certificates and keys, the RAPI users file, the
cluster's known_hosts and hosts files, the admin's files-to-distribute list
and every file it names, and the hypervisors' ancillary files (their default
VNC password file). Paths arrive as cluster paths and are already under this
node's GANETI_ROOTDIR (ganeti.rpc.defs.PATH).

The master must upload a new files-to-distribute list before the files it
adds: this node checks against the list it holds.
"""

from __future__ import annotations

import logging
import os
from typing import Iterable

from ganeti import constants, errors, pathutils, ssconf, utils
from ganeti.backend import Fail


def ReadDistributionList(file_name: str | None = None) -> list[str]:
    """The cluster paths named in a files-to-distribute list (absolute, one a line).

    Blank lines and lines starting with # are ignored; relative paths are
    skipped with a warning. The master's redistribute-config reads the same
    list to know what to ship.
    """
    file_name = file_name or pathutils.FILE_LIST_TO_DISTRIBUTE
    try:
        lines = utils.ReadFile(file_name).splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as err:
        logging.warning("Cannot read %s: %s", file_name, err)
        return []
    paths = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not os.path.isabs(line):
            logging.warning("Ignoring relative path %r in %s", line, file_name)
            continue
        paths.append(os.path.normpath(line))
    return paths


def _HypervisorFiles() -> list[str]:
    try:
        from ganeti import hypervisor
    except ImportError as err:
        logging.warning("Hypervisor support unavailable: %s", err)
        return []
    files: list[str] = []
    for name in sorted(constants.HYPER_TYPES):
        try:
            files.extend(hypervisor.GetHypervisorClass(name).GetAncillaryFiles())
        except errors.GenericError:
            continue  # a hypervisor type this build does not implement
    return files


def GetAllowedUploadFiles() -> frozenset[str]:
    """Local paths upload_file may write on this node."""
    fixed: Iterable[str] = (
        pathutils.CLUSTER_CONF_FILE,
        pathutils.NODED_CERT_FILE,
        pathutils.RAPI_CERT_FILE,
        pathutils.RAPI_USERS_FILE,
        pathutils.CONFD_HMAC_KEY,
        pathutils.SSH_KNOWN_HOSTS_FILE,
        pathutils.HOSTS_FILE,
        pathutils.FILE_LIST_TO_DISTRIBUTE,
    )
    listed = [pathutils.Prefix(p) for p in ReadDistributionList()]
    return frozenset(os.path.normpath(p) for p in [*fixed, *listed, *_HypervisorFiles()])


def UploadFile(file_name: str, data: bytes, mode: int, uid: int, gid: int,
               atime: float, mtime: float) -> None:
    """Replace an allow-listed file atomically with the master's content and metadata."""
    file_name = os.path.normpath(file_name)
    if file_name not in GetAllowedUploadFiles():
        Fail("File %s is not allowed to be uploaded", file_name)
    if not isinstance(mode, int) or not 0 <= mode <= 0o7777:
        Fail("Invalid mode %r for %s", mode, file_name)
    try:
        utils.WriteFile(file_name, data, mode=mode, uid=uid, gid=gid, mkdir=True)
        os.utime(file_name, (atime, mtime))
    except (OSError, TypeError, ValueError) as err:
        Fail("Cannot write %s: %s", file_name, err)
    logging.info("Wrote %s (%d bytes) from the master", file_name, len(data))


def WriteSsconfFiles(values: dict[str, str]) -> None:
    """Replace this node's ssconf files with the master's values."""
    if not isinstance(values, dict):
        Fail("Invalid ssconf values %r", type(values).__name__)
    try:
        ssconf.WriteSsconfFiles(values)
    except (OSError, errors.GenericError) as err:
        Fail("Cannot write ssconf files: %s", err)
