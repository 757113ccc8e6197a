"""The hypervisor API every hypervisor implements, and what they share.

Parameter checks come in two halves, as upstream: CheckParameterSyntax runs on
the master with no side effects (types, ranges, combinations), and
ValidateParameters runs on the node that will run the instance (files exist,
devices work). The VNC password file handling (2.1 design, "VNC Console
Password") lives here so that KVM and a later xen-hvm publish their files to
redistribute-config the same way.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from ganeti import constants, errors, pathutils, utils


class ParamSpec(NamedTuple):
    """How one hypervisor parameter is checked.

    check/message: master-side syntax check of a value (None: any value);
    node_check/node_message: node-side verification; required: the value may
    not be empty.
    """

    required: bool
    check: Callable[[Any], bool] | None
    message: str
    node_check: Callable[[Any], bool] | None
    node_message: str


def _IsAbsPath(value: Any) -> bool:
    return isinstance(value, str) and os.path.isabs(value)


def _IsFile(value: Any) -> bool:
    return isinstance(value, str) and os.path.isfile(value)


def _IsDir(value: Any) -> bool:
    return isinstance(value, str) and os.path.isdir(value)


# Building blocks for PARAMETERS tables.
REQ_FILE_CHECK = ParamSpec(True, _IsAbsPath, "must be an absolute path", _IsFile, "must exist")
OPT_FILE_CHECK = ParamSpec(False, lambda v: not v or _IsAbsPath(v), "must be an absolute path",
                           lambda v: not v or _IsFile(v), "must exist")
OPT_DIR_CHECK = ParamSpec(False, lambda v: not v or _IsAbsPath(v), "must be an absolute path",
                          lambda v: not v or _IsDir(v), "must be an existing directory")
NO_CHECK = ParamSpec(False, None, "", None, "")
BOOL_CHECK = ParamSpec(False, lambda v: isinstance(v, bool), "must be a boolean", None, "")


def InSetCheck(values: Iterable[str], required: bool = True) -> ParamSpec:
    """A parameter whose value is one of values (empty allowed unless required)."""
    allowed = frozenset(values)
    return ParamSpec(required, lambda v: (not v and not required) or v in allowed,
                     "must be one of %s" % ", ".join(sorted(allowed)), None, "")


def IntRangeCheck(low: int, high: int | None = None) -> ParamSpec:
    """A parameter that is an integer in [low, high]."""
    def _Check(value: Any) -> bool:
        return (isinstance(value, int) and not isinstance(value, bool) and value >= low
                and (high is None or value <= high))
    bound = "%d..%d" % (low, high) if high is not None else ">= %d" % low
    return ParamSpec(True, _Check, "must be an integer %s" % bound, None, "")


NET_PORT_CHECK = IntRangeCheck(1, 65535)


def CheckGlobalHvParams(params: dict[str, Any]) -> None:
    """Refuse cluster-only (global) hypervisor parameters in an instance's hvparams.

    The 2.1 design makes constants.HVC_GLOBALS cluster-level only; instance
    create/modify must reject them (ganeti.cmdlib.base re-exports this for LUs).
    """
    used = sorted(set(params) & constants.HVC_GLOBALS)
    if used:
        raise errors.OpPrereqError(
            "The following hypervisor parameters are global and cannot be customized at"
            " instance level, please modify them at cluster level: %s" % ", ".join(used),
            errors.ECODE_INVAL)


def StripGlobalHvParams(params: dict[str, Any]) -> dict[str, Any]:
    """A copy of params without the global ones (instance queries, upgrades)."""
    return {k: v for k, v in params.items() if k not in constants.HVC_GLOBALS}


# --- VNC password files (shared by every VNC-capable hypervisor) -----------

VNC_PASSWORD_MAX_LEN = 8  # the RFB "VNC authentication" DES key is 8 bytes


def VncPasswordFiles(hvparams_list: Iterable[dict[str, Any]]) -> list[str]:
    """The distinct non-empty vnc_password_file values of some hvparams dicts.

    The master passes the cluster-level dict and every instance's filled dict,
    which is "all the password files in use through the cluster" that
    redistribute-config must ship.
    """
    files = {p.get(constants.HV_VNC_PASSWORD_FILE) for p in hvparams_list}
    return sorted(f for f in files if f)


def ReadVncPassword(path: str) -> str:
    """The password in a VNC password file: its first line, at most 8 characters.

    The path is as stored in the configuration and is re-rooted for this node
    (pathutils.Prefix, a no-op on real nodes).
    """
    real = pathutils.Prefix(path)
    try:
        content = utils.ReadFile(real)
    except OSError as err:
        raise errors.HypervisorError("Cannot read VNC password file %s: %s" % (real, err))
    lines = content.splitlines()
    password = lines[0].strip() if lines else ""
    if not password:
        raise errors.HypervisorError("VNC password file %s is empty" % real)
    return password[:VNC_PASSWORD_MAX_LEN]


# --- node information from /proc ------------------------------------------

def GetLinuxNodeInfo(meminfo: str = "/proc/meminfo",
                     cpuinfo: str = "/proc/cpuinfo") -> dict[str, int]:
    """memory_total/memory_free/memory_dom0 (MiB) and CPU counts of this host.

    cpu_dom0 (the node's "cnos" field) is every CPU: on a Linux host (KVM, fake)
    the node OS can run on all of them, as upstream reports it for htools.
    """
    mem: dict[str, int] = {}
    for line in utils.ReadFile(meminfo).splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields:
            mem[key.strip()] = int(fields[0])  # kB
    free = mem.get("MemAvailable",
                   mem.get("MemFree", 0) + mem.get("Buffers", 0) + mem.get("Cached", 0))
    total = mem.get("MemTotal", 0)
    cpus = 0
    sockets: set[str] = set()
    for line in utils.ReadFile(cpuinfo).splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "processor":
            cpus += 1
        elif key == "physical id":
            sockets.add(value.strip())
    return {
        "memory_total": total // 1024,
        "memory_free": free // 1024,
        "memory_dom0": (total - free) // 1024,
        "cpu_total": cpus,
        "cpu_dom0": cpus,
        "cpu_nodes": 1,
        "cpu_sockets": max(len(sockets), 1),
    }


InstanceInfo = tuple  # (name, id, memory MiB, vcpus, state, cpu time seconds)


class BaseHypervisor:
    """What the backend calls on a hypervisor (upstream's names and shapes).

    Block devices are (disk object, device path) pairs. Methods a hypervisor
    cannot support raise errors.HypervisorError saying so.
    """

    PARAMETERS: dict[str, ParamSpec] = {}
    ANCILLARY_FILES: Sequence[str] = ()
    CAN_MIGRATE = False

    @classmethod
    def CheckParameterSyntax(cls, hvparams: dict[str, Any]) -> None:
        """Check a full (cluster-filled) hvparams dict, without side effects.

        Unknown names, empty required values and values failing their check
        raise errors.HypervisorError naming the parameter. Global parameters
        are fine here: this is also the cluster-level check.
        """
        unknown = sorted(set(hvparams) - set(cls.PARAMETERS))
        if unknown:
            raise errors.HypervisorError("Unknown hypervisor parameter(s) for %s: %s"
                                         % (cls.__name__, ", ".join(unknown)))
        for name, spec in cls.PARAMETERS.items():
            if name not in hvparams:
                if spec.required:
                    raise errors.HypervisorError("Parameter '%s' is required" % name)
                continue
            value = hvparams[name]
            if spec.required and value in (None, ""):
                raise errors.HypervisorError("Parameter '%s' is required" % name)
            if spec.check is not None and not spec.check(value):
                raise errors.HypervisorError("Parameter '%s' %s (got %r)" % (name, spec.message, value))

    @classmethod
    def CheckInstanceParameterSyntax(cls, hvparams: dict[str, Any]) -> None:
        """Check an instance's own (override) hvparams: known names, no globals."""
        CheckGlobalHvParams(hvparams)
        unknown = sorted(set(hvparams) - set(cls.PARAMETERS))
        if unknown:
            raise errors.HypervisorError("Unknown hypervisor parameter(s) for %s: %s"
                                         % (cls.__name__, ", ".join(unknown)))
        for name, value in hvparams.items():
            spec = cls.PARAMETERS[name]
            if spec.check is not None and value not in (None, "") and not spec.check(value):
                raise errors.HypervisorError("Parameter '%s' %s (got %r)" % (name, spec.message, value))

    def ValidateParameters(self, hvparams: dict[str, Any]) -> None:
        """Node-side verification: referenced files exist, and so on."""
        for name, spec in self.PARAMETERS.items():
            if spec.node_check is not None and name in hvparams:
                if not spec.node_check(hvparams[name]):
                    raise errors.HypervisorError("Parameter '%s' %s (%r)"
                                                 % (name, spec.node_message, hvparams[name]))

    @classmethod
    def GetAncillaryFiles(cls, hvparams_list: Iterable[dict[str, Any]] = ()) -> list[str]:
        """Files redistribute-config ships to every node for this hypervisor.

        Without arguments: the fixed files and the cluster-default VNC password
        file; given the hvparams in use (cluster and instances), every VNC
        password file they name. Paths are as stored in the configuration.
        """
        files = list(cls.ANCILLARY_FILES)
        if constants.HV_VNC_PASSWORD_FILE in cls.PARAMETERS:
            hvparams_list = list(hvparams_list)
            files.extend(VncPasswordFiles(hvparams_list) if hvparams_list
                         else [pathutils.DEFAULT_VNC_PASSWORD_FILE])
        return sorted(set(files))

    # --- instance lifecycle (every hypervisor implements these) ------------

    def StartInstance(self, instance: Any, block_devices: list[tuple[Any, str]],
                      startup_paused: bool = False) -> None:
        raise NotImplementedError

    def StopInstance(self, instance: Any, force: bool = False, retry: bool = False,
                     name: str | None = None, timeout: float | None = None) -> None:
        raise NotImplementedError

    def RebootInstance(self, instance: Any) -> None:
        raise NotImplementedError

    def CleanupInstance(self, instance_name: str) -> None:
        """Remove what an instance that stopped on its own (crashed, killed,
        powered off) left behind; nothing for hypervisors without such state.
        Called for an instance that is not running (upstream's name)."""

    def ListInstances(self) -> list[str]:
        raise NotImplementedError

    def GetInstanceInfo(self, instance_name: str) -> InstanceInfo | None:
        raise NotImplementedError

    def GetAllInstancesInfo(self) -> list[InstanceInfo]:
        """Info tuples of every running instance."""
        result = []
        for name in self.ListInstances():
            info = self.GetInstanceInfo(name)
            if info is not None:
                result.append(info)
        return result

    def GetNodeInfo(self) -> dict[str, Any]:
        return GetLinuxNodeInfo()

    def GetInstanceConsole(self, instance: Any, hvparams: dict[str, Any],
                           beparams: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def Verify(self) -> str | None:
        """None when this node can run the hypervisor, else the problem."""
        return None

    # --- migration ----------------------------------------------------------

    def MigrationInfo(self, instance: Any) -> str:
        """Opaque data the target's AcceptInstance needs (source side)."""
        return ""

    def AcceptInstance(self, instance: Any, info: str, target: str) -> None:
        """Prepare to receive a migrating instance (target side)."""
        self._NoMigration()

    def FinalizeMigration(self, instance: Any, info: str, success: bool) -> None:
        """Finish (or clean up after) an incoming migration (target side)."""
        self._NoMigration()

    def MigrateInstance(self, instance: Any, target: str, live: bool) -> None:
        """Send a running instance to target (source side)."""
        self._NoMigration()

    def _NoMigration(self) -> None:
        raise errors.HypervisorError("%s does not support migration" % self.__class__.__name__)


def ConsoleInfo(instance: str, kind: str, **kwargs: Any) -> dict[str, Any]:
    """A console description as upstream's InstanceConsole carries it."""
    info: dict[str, Any] = {"instance": instance, "kind": kind, "message": None, "host": None,
                            "port": None, "user": None, "command": None, "display": None}
    info.update(kwargs)
    return info
