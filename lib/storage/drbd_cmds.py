"""drbdsetup/drbdmeta command lines for the DRBD 8.3 and 8.4 syntaxes.

8.3 addresses a device by its node (/dev/drbdN) and configures disk, network
and syncer in one command each; 8.4 has resources and volumes (we use one
resource "resource<minor>" with volume 0 per minor, as upstream Ganeti does)
and spells boolean options "--opt=no". The module version in /proc/drbd
picks the generator. Meta-data is always the external, indexed layout
(index 0 on a DRBD_META_SIZE LV), the on-disk format of Ganeti 2.1 disks.
"""

from __future__ import annotations

from typing import Any, Mapping

from ganeti import constants, errors, netutils
from ganeti.storage.drbd_info import DRBDVersion

META_INDEX = "0"
HMAC_ALG = "md5"
_AFTER_SB_0PRI = "discard-zero-changes"
_AFTER_SB_1PRI = "consensus"


def _DevPath(minor: int) -> str:
    return "/dev/drbd%d" % minor


def _Addr(host: str, port: int) -> str:
    if netutils.IsValidIP6(host):
        return "ipv6:[%s]:%d" % (host, port)
    return "ipv4:%s:%d" % (host, port)


class DRBD83Commands:
    """Command lines for DRBD 8.3 (device-node syntax)."""

    def __init__(self, version: DRBDVersion):
        self.version = version

    def _Setup(self, minor: int, *args: str) -> list[str]:
        return ["drbdsetup", _DevPath(minor)] + list(args)

    @staticmethod
    def FlushArgs(params: Mapping[str, Any]) -> list[str]:
        """Options that turn off data barriers/flushes and meta-data flushes.

        Without barriers and flushes DRBD falls back to draining, which still
        orders writes; turning flushes off is only safe with a non-volatile
        (battery-backed) write cache, hence both default to on.
        """
        args = []
        if not params[constants.LDP_DATA_FLUSHES]:
            args += ["--no-disk-barrier", "--no-disk-flushes"]
        if not params[constants.LDP_META_FLUSHES]:
            args.append("--no-md-flushes")
        return args

    def ShowCmd(self, minor: int) -> list[str]:
        return self._Setup(minor, "show")

    def InitMetaCmd(self, minor: int, meta_dev: str) -> list[str]:
        return ["drbdmeta", "--force", _DevPath(minor), "v08", meta_dev, META_INDEX, "create-md"]

    def LocalInitCmds(self, minor: int, configured: bool, data_dev: str, meta_dev: str,
                      size: int, params: Mapping[str, Any]) -> list[list[str]]:
        """Attach the backing disks (data, indexed external meta) to a minor."""
        return [self._Setup(minor, "disk", data_dev, meta_dev, META_INDEX, "-e", "detach",
                            "--create-device", "-d", "%dm" % size) + self.FlushArgs(params)]

    def NetInitCmds(self, minor: int, configured: bool, lhost: str, lport: int, rhost: str,
                    rport: int, dual_primary: bool, secret: str | None) -> list[list[str]]:
        cmd = self._Setup(minor, "net", _Addr(lhost, lport), _Addr(rhost, rport), "C",
                          "-A", _AFTER_SB_0PRI, "-B", _AFTER_SB_1PRI, "--create-device")
        if dual_primary:
            cmd.append("-m")
        if secret:
            cmd += ["-a", HMAC_ALG, "-x", secret]
        return [cmd]

    def SyncSpeedCmd(self, minor: int, kbytes: int) -> list[str]:
        return self._Setup(minor, "syncer", "-r", "%d" % kbytes, "--create-device")

    def PrimaryCmd(self, minor: int, force: bool) -> list[str]:
        return self._Setup(minor, "primary", *(["-o"] if force else []))

    def SecondaryCmd(self, minor: int) -> list[str]:
        return self._Setup(minor, "secondary")

    def DetachCmd(self, minor: int) -> list[str]:
        return self._Setup(minor, "detach")

    def DisconnectCmd(self, minor: int, lhost: str, lport: int, rhost: str,
                      rport: int) -> list[str]:
        return self._Setup(minor, "disconnect")

    def DownCmd(self, minor: int) -> list[str]:
        return self._Setup(minor, "down")

    def ResizeCmd(self, minor: int, size: int) -> list[str]:
        return self._Setup(minor, "resize", "-s", "%dm" % size)


class DRBD84Commands(DRBD83Commands):
    """Command lines for DRBD 8.4 (resource/minor syntax)."""

    @staticmethod
    def _Resource(minor: int) -> str:
        return "resource%d" % minor

    def _Setup(self, minor: int, *args: str) -> list[str]:
        command, rest = args[0], list(args[1:])
        return ["drbdsetup", command, str(minor)] + rest

    @staticmethod
    def FlushArgs(params: Mapping[str, Any]) -> list[str]:
        args = []
        if not params[constants.LDP_DATA_FLUSHES]:
            args += ["--disk-barrier=no", "--disk-flushes=no"]
        if not params[constants.LDP_META_FLUSHES]:
            args.append("--md-flushes=no")
        return args

    def _NewMinorCmds(self, minor: int, configured: bool) -> list[list[str]]:
        if configured:
            return []
        res = self._Resource(minor)
        return [["drbdsetup", "new-resource", res], ["drbdsetup", "new-minor", res, str(minor), "0"]]

    def LocalInitCmds(self, minor: int, configured: bool, data_dev: str, meta_dev: str,
                      size: int, params: Mapping[str, Any]) -> list[list[str]]:
        # drbdsetup 8.4 refuses to attach before the activity log was applied
        return self._NewMinorCmds(minor, configured) + [
            ["drbdmeta", _DevPath(minor), "v08", meta_dev, META_INDEX, "apply-al"],
            self._Setup(minor, "attach", data_dev, meta_dev, META_INDEX, "--on-io-error=detach",
                        "--size", "%dm" % size) + self.FlushArgs(params)]

    def NetInitCmds(self, minor: int, configured: bool, lhost: str, lport: int, rhost: str,
                    rport: int, dual_primary: bool, secret: str | None) -> list[list[str]]:
        cmd = ["drbdsetup", "connect", self._Resource(minor), _Addr(lhost, lport),
               _Addr(rhost, rport), "--protocol", "C", "--after-sb-0pri", _AFTER_SB_0PRI,
               "--after-sb-1pri", _AFTER_SB_1PRI]
        if dual_primary:
            cmd.append("--allow-two-primaries")
        if secret:
            cmd += ["--cram-hmac-alg", HMAC_ALG, "--shared-secret", secret]
        return self._NewMinorCmds(minor, configured) + [cmd]

    def SyncSpeedCmd(self, minor: int, kbytes: int) -> list[str]:
        return self._Setup(minor, "disk-options", "--resync-rate", "%d" % kbytes)

    def PrimaryCmd(self, minor: int, force: bool) -> list[str]:
        return self._Setup(minor, "primary", *(["--force"] if force else []))

    def DisconnectCmd(self, minor: int, lhost: str, lport: int, rhost: str,
                      rport: int) -> list[str]:
        return ["drbdsetup", "disconnect", _Addr(lhost, lport), _Addr(rhost, rport)]

    def DownCmd(self, minor: int) -> list[str]:
        return ["drbdsetup", "down", self._Resource(minor)]

    def ResizeCmd(self, minor: int, size: int) -> list[str]:
        return self._Setup(minor, "resize", "--size", "%dm" % size)


def GetCommands(version: DRBDVersion) -> DRBD83Commands:
    """The command generator for the loaded module; only 8.3 and 8.4 are supported."""
    if version.major == 8 and version.minor == 3:
        return DRBD83Commands(version)
    if version.major == 8 and version.minor == 4:
        return DRBD84Commands(version)
    raise errors.BlockDeviceError("Unsupported DRBD version %s: this Ganeti drives DRBD 8.3 and"
                                  " 8.4 only" % version)
