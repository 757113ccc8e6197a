"""ssconf: the small per-node files that describe the cluster.

Every node (not only master candidates) has them, so that a node knows the
master, the candidates and the uid pool without asking anybody. The master
computes the values from the configuration (ConfigWriter.GetSsconfValues) and
pushes them to all nodes; SimpleStore reads them.
"""

from __future__ import annotations

import os
from typing import Mapping

from ganeti import constants, errors, pathutils
from ganeti.utils import io

_MAX_SIZE = 128 * 1024


def WriteSsconfFiles(values: Mapping[str, str], ssconf_dir: str | None = None) -> None:
    """Write every ssconf value atomically, refusing unknown keys."""
    bad = set(values) - constants.VALID_SS_KEYS
    if bad:
        raise errors.ConfigurationError("Unknown ssconf keys: %s" % ", ".join(sorted(bad)))
    target = ssconf_dir or pathutils.SSCONF_DIR
    os.makedirs(target, exist_ok=True)
    for key, value in values.items():
        if not isinstance(value, str):
            raise errors.ConfigurationError("ssconf value %s is not a string" % key)
    for key, value in values.items():
        filename = pathutils.GetSsconfFilename(key, target)
        if _Unchanged(filename, value):
            continue  # most changes touch two or three of the files: skip the fsyncs
        io.WriteFile(filename, value, mode=0o444)


def _Unchanged(filename: str, value: str) -> bool:
    try:
        return io.ReadFile(filename, size=_MAX_SIZE) == value
    except (OSError, UnicodeDecodeError):
        return False


class SimpleStore:
    """Reads ssconf files of this node."""

    def __init__(self, cfg_location: str | None = None):
        self._dir = cfg_location or pathutils.SSCONF_DIR

    def KeyToFilename(self, key: str) -> str:
        if key not in constants.VALID_SS_KEYS:
            raise errors.ProgrammerError("Invalid key requested from SSConf: %r" % key)
        return pathutils.GetSsconfFilename(key, self._dir)

    def _ReadFile(self, key: str, default: str | None = None) -> str:
        try:
            data = io.ReadFile(self.KeyToFilename(key), size=_MAX_SIZE)
        except OSError as err:
            if default is not None:
                return default
            raise errors.ConfigurationError("Can't read ssconf file %s: %s"
                                            % (self.KeyToFilename(key), err)) from err
        return data.rstrip("\n")

    def _ReadList(self, key: str) -> list[str]:
        return [line for line in self._ReadFile(key, default="").splitlines() if line]

    def GetAll(self) -> dict[str, str]:
        """Every ssconf value present on this node."""
        result = {}
        for key in constants.VALID_SS_KEYS:
            if os.path.exists(self.KeyToFilename(key)):
                result[key] = self._ReadFile(key)
        return result

    def GetClusterName(self) -> str:
        return self._ReadFile(constants.SS_CLUSTER_NAME)

    def GetFileStorageDir(self) -> str:
        return self._ReadFile(constants.SS_FILE_STORAGE_DIR)

    def GetMasterCandidates(self) -> list[str]:
        return self._ReadList(constants.SS_MASTER_CANDIDATES)

    def GetMasterCandidatesIPList(self) -> list[str]:
        return self._ReadList(constants.SS_MASTER_CANDIDATES_IPS)

    def GetMasterIP(self) -> str:
        return self._ReadFile(constants.SS_MASTER_IP)

    def GetMasterNetdev(self) -> str:
        return self._ReadFile(constants.SS_MASTER_NETDEV)

    def GetMasterNode(self) -> str:
        return self._ReadFile(constants.SS_MASTER_NODE)

    def GetNodeList(self) -> list[str]:
        return self._ReadList(constants.SS_NODE_LIST)

    def GetNodePrimaryIPList(self) -> list[str]:
        """Lines of 'name ip'."""
        return self._ReadList(constants.SS_NODE_PRIMARY_IPS)

    def GetNodeSecondaryIPList(self) -> list[str]:
        return self._ReadList(constants.SS_NODE_SECONDARY_IPS)

    def GetOnlineNodeList(self) -> list[str]:
        return self._ReadList(constants.SS_ONLINE_NODES)

    def GetOfflineNodeList(self) -> list[str]:
        return self._ReadList(constants.SS_OFFLINE_NODES)

    def GetInstanceList(self) -> list[str]:
        return self._ReadList(constants.SS_INSTANCE_LIST)

    def GetClusterTags(self) -> list[str]:
        return self._ReadList(constants.SS_CLUSTER_TAGS)

    def GetHypervisorList(self) -> list[str]:
        return self._ReadList(constants.SS_HYPERVISOR_LIST)

    def GetUidPool(self) -> str:
        """The uid pool as newline-separated ranges (see uidpool.ParseUidPool)."""
        return self._ReadFile(constants.SS_UID_POOL, default="")

    def GetMaintainNodeHealth(self) -> bool:
        return self._ReadFile(constants.SS_MAINTAIN_NODE_HEALTH, default="False") == "True"

    def GetConfigSerial(self) -> int:
        return int(self._ReadFile(constants.SS_CONFIG_SERIAL, default="0") or 0)


def GetMasterAndMyself(ss: SimpleStore | None = None) -> tuple[str, str]:
    """(master node name, this node's name)."""
    from ganeti import netutils
    ss = ss or SimpleStore()
    return ss.GetMasterNode(), netutils.GetHostname()


def CheckMaster(debug: bool = False, ss: SimpleStore | None = None) -> None:
    """Exit with EXIT_NOTMASTER unless this node is the master (for daemons)."""
    import sys
    try:
        master, myself = GetMasterAndMyself(ss)
    except errors.ConfigurationError as err:
        print("Cluster configuration incomplete: '%s'" % str(err), file=sys.stderr)
        sys.exit(constants.EXIT_NODESETUP_ERROR)
    if master != myself:
        if debug:
            print("Not master, exiting", file=sys.stderr)
        sys.exit(constants.EXIT_NOTMASTER)
