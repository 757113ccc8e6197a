"""The KVM hypervisor: one daemonized qemu-system-x86_64 per instance.

qemu is driven through its QMP socket (power button, reset, quit, VNC
password, migration); the serial console is a Unix socket that
`gnt-instance console` reaches with socat. KVM acceleration is used when
/dev/kvm really runs guests (see accel.py) and TCG otherwise, per the
kvm_accel parameter. Command line building, QMP, runtime files and NIC
scripts live in their own modules of this package.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import pwd
import shutil
import signal
import time
from typing import Any

from ganeti import constants, errors, pathutils, serializer, utils
from ganeti.hypervisor import hv_base
from ganeti.hypervisor.hv_kvm import accel, cmdline, netdev, qmp, runtime
from ganeti.hypervisor.hv_kvm.runtime import RuntimePaths, StartSpec

_START_TIMEOUT = 60
_HARD_STOP_GRACE = 10.0
_POLL_INTERVAL = 0.05
# A guest still booting (no ACPI driver or acpid yet) ignores a power button
# press: press it again this often while waiting for the guest to go
_POWERDOWN_REPEAT = 5.0
_MIGRATION_POLL = 0.2
_MIGRATION_DONE = frozenset(["completed", "failed", "cancelled"])


def _IsVncAddress(value: Any) -> bool:
    if not value:
        return True
    if not isinstance(value, str):
        return False
    if os.path.isabs(value):
        return True
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _PasswordFileExists(value: Any) -> bool:
    return not value or os.path.isfile(pathutils.Prefix(value))


class KVMHypervisor(hv_base.BaseHypervisor):
    """KVM/qemu hypervisor."""

    PARAMETERS = {
        constants.HV_KERNEL_PATH: hv_base.OPT_FILE_CHECK,
        constants.HV_INITRD_PATH: hv_base.OPT_FILE_CHECK,
        constants.HV_ROOT_PATH: hv_base.NO_CHECK,
        constants.HV_KERNEL_ARGS: hv_base.NO_CHECK,
        constants.HV_ACPI: hv_base.BOOL_CHECK,
        constants.HV_SERIAL_CONSOLE: hv_base.BOOL_CHECK,
        constants.HV_VNC_BIND_ADDRESS: hv_base.ParamSpec(
            False, _IsVncAddress, "must be an IP address or an absolute path", None, ""),
        constants.HV_VNC_TLS: hv_base.BOOL_CHECK,
        constants.HV_VNC_X509: hv_base.OPT_DIR_CHECK,
        constants.HV_VNC_X509_VERIFY: hv_base.BOOL_CHECK,
        constants.HV_VNC_PASSWORD_FILE: hv_base.ParamSpec(
            False, lambda v: not v or os.path.isabs(v), "must be an absolute path",
            _PasswordFileExists, "must exist"),
        constants.HV_CDROM_IMAGE_PATH: hv_base.OPT_FILE_CHECK,
        constants.HV_BOOT_ORDER: hv_base.InSetCheck(constants.HT_KVM_VALID_BO_TYPES),
        constants.HV_NIC_TYPE: hv_base.InSetCheck(constants.HT_KVM_VALID_NIC_TYPES),
        constants.HV_DISK_TYPE: hv_base.InSetCheck(constants.HT_KVM_VALID_DISK_TYPES),
        constants.HV_USB_MOUSE: hv_base.InSetCheck(constants.HT_KVM_VALID_MOUSE_TYPES, False),
        constants.HV_MIGRATION_PORT: hv_base.NET_PORT_CHECK,
        constants.HV_MIGRATION_BANDWIDTH: hv_base.IntRangeCheck(1),
        constants.HV_MIGRATION_DOWNTIME: hv_base.IntRangeCheck(1),
        constants.HV_USE_LOCALTIME: hv_base.BOOL_CHECK,
        constants.HV_DISK_CACHE: hv_base.InSetCheck(constants.HT_VALID_CACHE_TYPES),
        constants.HV_SECURITY_MODEL: hv_base.InSetCheck(constants.HT_KVM_VALID_SM_TYPES),
        constants.HV_SECURITY_DOMAIN: hv_base.NO_CHECK,
        constants.HV_KVM_FLAG: hv_base.InSetCheck(constants.HT_KVM_FLAG_VALUES, False),
        constants.HV_KVM_USE_CHROOT: hv_base.BOOL_CHECK,
        constants.HV_KVM_ACCEL: hv_base.InSetCheck(constants.HT_KVM_VALID_ACCEL),
    }
    CAN_MIGRATE = True

    def __init__(self, run_dir: str | None = None):
        self._run_dir = run_dir or pathutils.KVM_INSTANCE_DIR

    # --- parameters -----------------------------------------------------------

    @classmethod
    def CheckParameterSyntax(cls, hvparams: dict[str, Any]) -> None:
        """Field checks, then the combinations that cannot work."""
        super().CheckParameterSyntax(hvparams)
        get = hvparams.get
        if get(constants.HV_INITRD_PATH) and not get(constants.HV_KERNEL_PATH):
            raise errors.HypervisorError("An initrd needs a kernel_path")
        if get(constants.HV_BOOT_ORDER) == constants.HT_BO_CDROM and \
                not get(constants.HV_CDROM_IMAGE_PATH):
            raise errors.HypervisorError("Booting from cdrom needs a cdrom_image_path")
        if get(constants.HV_VNC_TLS) and not get(constants.HV_VNC_BIND_ADDRESS):
            raise errors.HypervisorError("vnc_tls needs a vnc_bind_address")
        if (get(constants.HV_VNC_X509) or get(constants.HV_VNC_X509_VERIFY)) and \
                not get(constants.HV_VNC_TLS):
            raise errors.HypervisorError("vnc_x509_path/vnc_x509_verify need vnc_tls")
        if get(constants.HV_VNC_X509_VERIFY) and not get(constants.HV_VNC_X509):
            raise errors.HypervisorError("vnc_x509_verify needs a vnc_x509_path")
        model = get(constants.HV_SECURITY_MODEL)
        domain = get(constants.HV_SECURITY_DOMAIN)
        if model == constants.HT_SM_USER and not domain:
            raise errors.HypervisorError("Security model 'user' needs a security_domain")
        if model == constants.HT_SM_NONE and domain:
            raise errors.HypervisorError("security_domain is only used with security model 'user'")
        if get(constants.HV_KVM_FLAG) == constants.HT_KVM_DISABLED and \
                get(constants.HV_KVM_ACCEL) == constants.HT_KVM_ACCEL_KVM:
            raise errors.HypervisorError("kvm_flag 'disabled' conflicts with kvm_accel 'kvm'")

    def ValidateParameters(self, hvparams: dict[str, Any]) -> None:
        """Files exist on this node; the security domain user exists."""
        super().ValidateParameters(hvparams)
        if hvparams.get(constants.HV_SECURITY_MODEL) == constants.HT_SM_USER:
            try:
                pwd.getpwnam(hvparams[constants.HV_SECURITY_DOMAIN])
            except KeyError:
                raise errors.HypervisorError("Unknown security domain user %s"
                                             % hvparams[constants.HV_SECURITY_DOMAIN])

    # --- helpers ----------------------------------------------------------------

    def _Paths(self, name: str) -> RuntimePaths:
        return RuntimePaths(self._run_dir, name)

    @staticmethod
    def _ChooseAccel(hvparams: dict[str, Any]) -> str:
        requested = hvparams.get(constants.HV_KVM_ACCEL) or constants.HT_KVM_ACCEL_AUTO
        if requested == constants.HT_KVM_ACCEL_AUTO:
            flag = hvparams.get(constants.HV_KVM_FLAG)
            if flag == constants.HT_KVM_ENABLED:
                requested = constants.HT_KVM_ACCEL_KVM
            elif flag == constants.HT_KVM_DISABLED:
                requested = constants.HT_KVM_ACCEL_TCG
        return accel.ChooseAccel(requested)

    def _Launch(self, spec: StartSpec, paths: RuntimePaths, incoming: str | None = None,
                startup_paused: bool = False) -> None:
        for idx, nic in enumerate(spec.nics):
            if nic["mode"] == constants.NIC_MODE_ROUTED and not nic.get("ip"):
                raise errors.HypervisorError("NIC %d of %s is routed but has no IP"
                                             % (idx, spec.name))
        accel_kind = self._ChooseAccel(spec.hvparams)
        paths.Prepare()
        scripts = netdev.WriteNicScripts(spec.name, spec.nics, paths.NicScript)
        argv = cmdline.BuildCommandLine(spec, paths, accel_kind, scripts, incoming=incoming,
                                        startup_paused=startup_paused)
        runtime.WriteRuntime(paths, spec, accel_kind, argv, time.time(), incoming=bool(incoming))
        result = utils.RunCmd(argv, timeout=_START_TIMEOUT)
        if result.failed:
            paths.Cleanup()
            raise errors.HypervisorError("Failed to start instance %s: %s: %s"
                                         % (spec.name, result.fail_reason, result.output.strip()))
        if not runtime.FindPid(paths):
            paths.Cleanup()
            raise errors.HypervisorError("Failed to start instance %s: qemu exited at once: %s"
                                         % (spec.name, result.output.strip()))
        logging.info("Started instance %s (accel %s)", spec.name, accel_kind)
        if spec.hvparams.get(constants.HV_VNC_PASSWORD_FILE) and \
                spec.hvparams.get(constants.HV_VNC_BIND_ADDRESS):
            self._SetVncPassword(spec, paths)

    def _SetVncPassword(self, spec: StartSpec, paths: RuntimePaths) -> None:
        """Set the VNC password; an instance whose password fails is stopped."""
        try:
            password = hv_base.ReadVncPassword(spec.hvparams[constants.HV_VNC_PASSWORD_FILE])
            qmp.Execute(paths.qmp, "set_password", {"protocol": "vnc", "password": password})
        except errors.HypervisorError as err:
            self._HardStop(paths)
            raise errors.HypervisorError("Failed to set the VNC password of %s (instance"
                                         " stopped): %s" % (spec.name, err))

    @staticmethod
    def _WaitForExit(pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while utils.IsProcessAlive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_INTERVAL)
        return True

    def _HardStop(self, paths: RuntimePaths) -> None:
        """QMP quit, then SIGKILL; clean the runtime files."""
        pid = runtime.FindPid(paths)
        if pid:
            try:
                qmp.Execute(paths.qmp, "quit", timeout=5)
            except errors.HypervisorError as err:
                logging.warning("QMP quit of %s failed (%s), killing pid %d", paths.name, err, pid)
            if not self._WaitForExit(pid, _HARD_STOP_GRACE):
                utils.KillProcess(pid, signal.SIGKILL)
                if not self._WaitForExit(pid, _HARD_STOP_GRACE):
                    raise errors.HypervisorError("Failed to stop instance %s: pid %d survives"
                                                 " SIGKILL" % (paths.name, pid))
        paths.Cleanup()

    def _RunningPaths(self, name: str, action: str) -> RuntimePaths:
        paths = self._Paths(name)
        if not runtime.FindPid(paths):
            raise errors.HypervisorError("Failed to %s instance %s: not running" % (action, name))
        return paths

    # --- lifecycle ----------------------------------------------------------------

    def StartInstance(self, instance: Any, block_devices: list[tuple[Any, str]],
                      startup_paused: bool = False) -> None:
        paths = self._Paths(instance.name)
        if runtime.FindPid(paths):
            raise errors.HypervisorError("Failed to start instance %s: already running"
                                         % instance.name)
        paths.Cleanup()  # what a guest that powered itself off left behind
        self._Launch(StartSpec.FromInstance(instance, block_devices), paths,
                     startup_paused=startup_paused)

    def StopInstance(self, instance: Any, force: bool = False, retry: bool = False,
                     name: str | None = None, timeout: float | None = None) -> None:
        """Stop an instance; returns only once its qemu is gone.

        Not forced (and ACPI on): press the power button and wait up to
        timeout (default constants.DEFAULT_SHUTDOWN_TIMEOUT), then stop it
        hard; the button is pressed again every few seconds, for a guest that
        was still booting. Forced: QMP quit, then SIGKILL. retry is accepted
        for upstream callers.
        """
        name = name or instance.name
        paths = self._Paths(name)
        pid = runtime.FindPid(paths)
        if not pid:
            if os.path.exists(paths.runtime) or os.path.exists(paths.pidfile):
                paths.Cleanup()  # the guest powered off on its own
                return
            raise errors.HypervisorError("Failed to stop instance %s: not running" % name)
        hvparams = getattr(instance, "hvparams", None) or {}
        if not force and hvparams.get(constants.HV_ACPI, True):
            wait = constants.DEFAULT_SHUTDOWN_TIMEOUT if timeout is None else timeout
            if self._PowerDown(paths, pid, wait):
                paths.Cleanup()
                return
            logging.warning("Instance %s did not shut down within %ss, stopping it hard",
                            name, wait)
        self._HardStop(paths)

    def _PowerDown(self, paths: RuntimePaths, pid: int, timeout: float) -> bool:
        """Press the power button every _POWERDOWN_REPEAT s until qemu exits or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                qmp.Execute(paths.qmp, "system_powerdown")
            except errors.HypervisorError as err:
                logging.warning("ACPI shutdown request to %s failed: %s", paths.name, err)
            left = deadline - time.monotonic()
            if self._WaitForExit(pid, min(_POWERDOWN_REPEAT, max(left, 0))):
                return True
            if left <= _POWERDOWN_REPEAT:
                return False

    def CleanupInstance(self, instance_name: str) -> None:
        """Runtime files of a qemu that is gone (a live one is left alone)."""
        paths = self._Paths(instance_name)
        if not runtime.FindPid(paths):
            paths.Cleanup()

    def RebootInstance(self, instance: Any) -> None:
        """Soft reboot (system reset); hard/full reboots are stop+start in the backend."""
        paths = self._RunningPaths(instance.name, "reboot")
        qmp.Execute(paths.qmp, "system_reset")

    def ListInstances(self) -> list[str]:
        return [name for name in runtime.ListNames(self._run_dir)
                if runtime.FindPid(self._Paths(name))]

    def GetInstanceInfo(self, instance_name: str) -> hv_base.InstanceInfo | None:
        paths = self._Paths(instance_name)
        pid = runtime.FindPid(paths)
        if not pid:
            return None
        data = runtime.ReadRuntime(paths)
        if data is None:
            return None
        bep = data["spec"].beparams
        return (instance_name, pid, int(bep[constants.BE_MEMORY]), int(bep[constants.BE_VCPUS]),
                "running", runtime.CpuSeconds(pid))

    def GetInstanceConsole(self, instance: Any, hvparams: dict[str, Any],
                           beparams: dict[str, Any]) -> dict[str, Any]:
        """Serial console (socat on the node) if enabled, else VNC, else a message."""
        if hvparams.get(constants.HV_SERIAL_CONSOLE):
            cmd = ["socat", "STDIO,raw,echo=0,escape=0x1d",
                   "UNIX-CONNECT:%s" % self._Paths(instance.name).serial]
            return hv_base.ConsoleInfo(instance.name, constants.CONS_SSH,
                                       host=instance.primary_node, user="root", command=cmd)
        address = hvparams.get(constants.HV_VNC_BIND_ADDRESS)
        if address and not os.path.isabs(address) and instance.network_port:
            host = instance.primary_node if address in ("0.0.0.0", "::") else address
            port = instance.network_port
            return hv_base.ConsoleInfo(instance.name, constants.CONS_VNC, host=host, port=port,
                                       display=port - cmdline.VNC_BASE_PORT)
        return hv_base.ConsoleInfo(instance.name, constants.CONS_MESSAGE,
                                   message="No serial console or TCP VNC for instance %s"
                                   % instance.name)

    def Verify(self) -> str | None:
        if shutil.which(cmdline.KVM_BINARY) is None:
            return "%s not found in PATH" % cmdline.KVM_BINARY
        if os.path.exists(self._run_dir) and not os.access(self._run_dir, os.W_OK):
            return "KVM run directory %s is not writable" % self._run_dir
        return None

    # --- migration -----------------------------------------------------------------

    def MigrationInfo(self, instance: Any) -> str:
        data = runtime.ReadRuntime(self._RunningPaths(instance.name, "migrate"))
        assert data is not None
        return serializer.DumpJson({"spec": data["spec"].ToDict()})

    @staticmethod
    def _MigrationUri(target: str, hvparams: dict[str, Any]) -> str:
        host = "[%s]" % target if ":" in target else target
        return "tcp:%s:%d" % (host, int(hvparams[constants.HV_MIGRATION_PORT]))

    def AcceptInstance(self, instance: Any, info: str, target: str) -> None:
        """Start qemu waiting for the incoming migration on target:migration_port."""
        try:
            spec = StartSpec.FromDict(serializer.LoadJson(info)["spec"])
        except (errors.ParseError, KeyError, TypeError) as err:
            raise errors.HypervisorError("Bad migration info for %s: %s" % (instance.name, err))
        paths = self._Paths(instance.name)
        if runtime.FindPid(paths):
            raise errors.HypervisorError("Instance %s is already running on this node"
                                         % instance.name)
        paths.Cleanup()
        spec.hvparams = dict(instance.hvparams)
        self._Launch(spec, paths, incoming=self._MigrationUri(target, instance.hvparams))

    def MigrateInstance(self, instance: Any, target: str, live: bool) -> None:
        """Send the instance to the target's waiting qemu, then stop ours."""
        paths = self._RunningPaths(instance.name, "migrate")
        hvp = instance.hvparams
        with qmp.QmpClient(paths.qmp) as mon:
            if not live:
                mon.Execute("stop")
            mon.Execute("migrate-set-parameters", {
                "max-bandwidth": int(hvp[constants.HV_MIGRATION_BANDWIDTH]) * 1024 * 1024,
                "downtime-limit": int(hvp[constants.HV_MIGRATION_DOWNTIME])})
            mon.Execute("migrate", {"uri": self._MigrationUri(target, hvp)})
            status = self._WaitForMigration(mon)
            if status.get("status") != "completed":
                if not live:
                    mon.Execute("cont")
                raise errors.HypervisorError("Migration of %s failed: %s"
                                             % (instance.name, status.get("error-desc",
                                                                          status.get("status"))))
        self._HardStop(paths)

    @staticmethod
    def _WaitForMigration(mon: qmp.QmpClient) -> dict[str, Any]:
        deadline = time.monotonic() + constants.RPC_TMO_SLOW
        while True:
            status = mon.Execute("query-migrate")
            if status.get("status") in _MIGRATION_DONE or time.monotonic() > deadline:
                return status
            time.sleep(_MIGRATION_POLL)

    def FinalizeMigration(self, instance: Any, info: str, success: bool) -> None:
        """On success make sure the guest runs here; on failure drop the target qemu."""
        paths = self._Paths(instance.name)
        if not success:
            self._HardStop(paths)
            return
        paths = self._RunningPaths(instance.name, "finalize migration of")
        with qmp.QmpClient(paths.qmp) as mon:
            if mon.Execute("query-status").get("status") != "running":
                mon.Execute("cont")
        data = runtime.ReadRuntime(paths)
        assert data is not None
        runtime.WriteRuntime(paths, data["spec"], data["accel"], data["argv"], time.time())
        if data["spec"].hvparams.get(constants.HV_VNC_PASSWORD_FILE) and \
                data["spec"].hvparams.get(constants.HV_VNC_BIND_ADDRESS):
            self._SetVncPassword(data["spec"], paths)
