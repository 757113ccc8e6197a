"""Per-instance runtime state of the KVM hypervisor.

Everything lives under one run directory (pathutils.KVM_INSTANCE_DIR):
  pid/<name>            qemu's -pidfile
  ctrl/<name>.qmp       QMP monitor socket
  ctrl/<name>.serial    serial console socket (ctrl/ moves to /tmp/gnt-kvm-<hash>
                        when run_dir is too deep for Unix socket paths; a name
                        too long even there becomes long-<hash of the name>)
  runtime/<name>        JSON: what the instance was started with (the source
                        of ListInstances/GetInstanceInfo and of migration info)
  nic/<name>/<n>        the NIC up script of each interface
  chroot/<name>         empty directory qemu chroots into (use_chroot)
A qemu counts as running only if its pid is alive *and* its command line
names the instance, so a reused pid is never mistaken for a guest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import stat
from typing import Any

from ganeti import constants, errors, serializer, utils

# sun_path is 108 bytes including the terminating NUL.
UNIX_PATH_MAX = 107


@dataclasses.dataclass
class StartSpec:
    """What a qemu process is built from, independent of the node's paths."""

    name: str
    uuid: str | None
    hvparams: dict[str, Any]
    beparams: dict[str, Any]
    nics: list[dict[str, Any]]  # mac, ip, mode, link
    disks: list[dict[str, Any]]  # path, access
    vnc_port: int | None

    @classmethod
    def FromInstance(cls, instance: Any, block_devices: list[tuple[Any, str]]) -> "StartSpec":
        """Snapshot an instance object and its block device paths."""
        nics = []
        for nic in instance.nics:
            params = nic.nicparams or {}
            nics.append({"mac": nic.mac, "ip": nic.ip,
                         "mode": params.get(constants.NIC_MODE, constants.NIC_MODE_BRIDGED),
                         "link": params.get(constants.NIC_LINK, "")})
        disks = [{"path": path, "access": getattr(disk, "mode", constants.DISK_RDWR)}
                 for disk, path in block_devices]
        return cls(name=instance.name, uuid=getattr(instance, "uuid", None),
                   hvparams=dict(instance.hvparams), beparams=dict(instance.beparams),
                   nics=nics, disks=disks, vnc_port=getattr(instance, "network_port", None))

    def ToDict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def FromDict(cls, data: dict[str, Any]) -> "StartSpec":
        try:
            return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})
        except (KeyError, TypeError) as err:
            raise errors.HypervisorError("Malformed KVM runtime data: %s" % err)


def _CtrlDir(run_dir: str, name: str) -> str:
    """ctrl/ under run_dir, or a short stand-in when its socket paths would not fit.

    Deep node roots (virtual clusters in test directories) can exceed the
    107-byte sun_path; the stand-in /tmp/gnt-kvm-<hash of run_dir> is
    derived from run_dir alone, so every caller finds the same sockets.
    """
    ctrl = os.path.join(run_dir, "ctrl")
    if len(os.path.join(ctrl, name + ".serial").encode()) <= UNIX_PATH_MAX:
        return ctrl
    digest = hashlib.sha1(os.path.abspath(run_dir).encode()).hexdigest()[:16]
    return os.path.join("/tmp", "gnt-kvm-" + digest)


def _SocketBase(ctrl_dir: str, name: str) -> str:
    """The instance name, or a fixed-length stand-in for a name too long to fit.

    Host names may be far longer than a socket path allows; such an
    instance would be created fine and then never start.
    """
    if len(os.path.join(ctrl_dir, name + ".serial").encode()) <= UNIX_PATH_MAX:
        return name
    return "long-" + hashlib.sha1(name.encode()).hexdigest()[:16]


class RuntimePaths:
    """The files of one instance under a run directory."""

    def __init__(self, run_dir: str, name: str):
        if not name or "/" in name or name.startswith("."):
            raise errors.HypervisorError("Invalid instance name %r" % name)
        self.run_dir = run_dir
        self.name = name
        self.pidfile = os.path.join(run_dir, "pid", name)
        self.ctrl_dir = _CtrlDir(run_dir, name)
        base = _SocketBase(self.ctrl_dir, name)
        self.qmp = os.path.join(self.ctrl_dir, base + ".qmp")
        self.serial = os.path.join(self.ctrl_dir, base + ".serial")
        self.runtime = os.path.join(run_dir, "runtime", name)
        self.nic_dir = os.path.join(run_dir, "nic", name)
        self.chroot = os.path.join(run_dir, "chroot", name)

    def NicScript(self, idx: int) -> str:
        return os.path.join(self.nic_dir, str(idx))

    def Prepare(self) -> None:
        """Create the directories (socket paths always fit: _CtrlDir, _SocketBase)."""
        for sub in ("pid", "ctrl", "runtime", "nic", "chroot"):
            os.makedirs(os.path.join(self.run_dir, sub), mode=0o750, exist_ok=True)
        os.makedirs(self.ctrl_dir, mode=0o700, exist_ok=True)
        st = os.lstat(self.ctrl_dir)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            raise errors.HypervisorError("Socket directory %s is not a directory of ours"
                                         % self.ctrl_dir)
        os.makedirs(self.nic_dir, mode=0o750, exist_ok=True)
        os.makedirs(self.chroot, mode=0o750, exist_ok=True)

    def Cleanup(self) -> None:
        """Remove every runtime file of a stopped instance."""
        for path in (self.pidfile, self.qmp, self.serial, self.runtime):
            utils.RemoveFile(path)
        shutil.rmtree(self.nic_dir, ignore_errors=True)
        shutil.rmtree(self.chroot, ignore_errors=True)


def WriteRuntime(paths: RuntimePaths, spec: StartSpec, accel: str, argv: list[str],
                 start_time: float, incoming: bool = False) -> None:
    data = {"spec": spec.ToDict(), "accel": accel, "argv": argv, "start_time": start_time,
            "incoming": incoming}
    utils.WriteFile(paths.runtime, serializer.DumpJson(data), mode=0o640, fsync=False)


def ReadRuntime(paths: RuntimePaths) -> dict[str, Any] | None:
    """The runtime record of an instance, or None if it has none."""
    try:
        data = serializer.LoadJson(utils.ReadFile(paths.runtime))
    except FileNotFoundError:
        return None
    except errors.ParseError as err:
        raise errors.HypervisorError("Corrupt KVM runtime file %s: %s" % (paths.runtime, err))
    data["spec"] = StartSpec.FromDict(data.get("spec", {}))
    return data


def _CmdlineNames(pid: int, name: str) -> bool:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            args = fh.read().split(b"\0")
    except OSError:
        return False
    want = name.encode()
    for idx, arg in enumerate(args[:-1]):
        if arg == b"-name" and args[idx + 1].split(b",")[0] == want:
            return True
    return False


def FindPid(paths: RuntimePaths) -> int:
    """The pid of the instance's live qemu, or 0."""
    pid = utils.ReadPidFile(paths.pidfile)
    if pid and utils.IsProcessAlive(pid) and _CmdlineNames(pid, paths.name):
        return pid
    return 0


def ListNames(run_dir: str) -> list[str]:
    """Instances with a runtime record (alive or not)."""
    try:
        return utils.ListVisibleFiles(os.path.join(run_dir, "runtime"))
    except FileNotFoundError:
        return []


def CpuSeconds(pid: int) -> float:
    """User + system CPU time of a process (0 if it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
