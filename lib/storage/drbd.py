"""DRBD8: a disk mirrored over the network between an instance's two nodes.

The device sits on two LVs on each node, data (the disk's size) and meta
(DRBD_META_SIZE MiB, external indexed meta-data). Its unique id on a node is
the physical id (local ip, local port, remote ip, remote port, minor,
secret); local/remote may be None for a disk assembled without network (as
during disk replacement). State comes from /proc/drbd, configuration from
`drbdsetup show`, commands from drbd_cmds for the loaded module's version.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from ganeti import constants, errors, netutils
from ganeti.storage import base, drbd_cmds, drbd_info

NET_SETUP_TIMEOUT = 10.0  # seconds for a new network config to leave StandAlone
_MAX_MINOR = (1 << 20) - 1


def _CheckHostPort(host: Any, port: Any, what: str) -> None:
    if not (isinstance(host, str) and netutils.IsValidIP(host)):
        raise errors.BlockDeviceError("Invalid %s address %r in DRBD id" % (what, host))
    if not (isinstance(port, int) and 0 < port < 65536):
        raise errors.BlockDeviceError("Invalid %s port %r in DRBD id" % (what, port))


class DRBD8(base.BlockDev):
    """A DRBD 8.3/8.4 device; children are [data LV, meta LV] or none (diskless)."""

    def __init__(self, unique_id: Sequence[Any], children: Sequence[base.BlockDev], size: int,
                 ctx: base.NodeContext):
        super().__init__(unique_id, children, size, ctx)
        if len(self.unique_id) != 6:
            raise errors.BlockDeviceError("Invalid DRBD id %r: expected (lhost, lport, rhost,"
                                          " rport, minor, secret)" % (self.unique_id,))
        lhost, lport, rhost, rport, minor, secret = self.unique_id
        if not (isinstance(minor, int) and 0 <= minor <= _MAX_MINOR):
            raise errors.BlockDeviceError("Invalid DRBD minor %r" % (minor,))
        self._lhost = self._rhost = None
        self._lport = self._rport = 0
        if (lhost, lport, rhost, rport) != (None, None, None, None):
            _CheckHostPort(lhost, lport, "local")
            _CheckHostPort(rhost, rport, "remote")
            self._lhost, self._lport, self._rhost, self._rport = lhost, lport, rhost, rport
        if secret is not None and not isinstance(secret, str):
            raise errors.BlockDeviceError("Invalid DRBD secret %r" % (secret,))
        if self._children and len(self._children) != 2:
            raise errors.BlockDeviceError("A DRBD8 disk needs exactly two children (data, meta),"
                                          " got %d" % len(self._children))
        self._minor = minor
        self._secret = secret or None
        self.dev_path = self.DevicePath(self.unique_id)

    @classmethod
    def DevicePath(cls, unique_id: Sequence[Any]) -> str:
        return "/dev/drbd%d" % unique_id[4]

    @property
    def has_network(self) -> bool:
        return self._lhost is not None

    # --- state ---------------------------------------------------------------

    @staticmethod
    def _ProcInfo() -> drbd_info.DRBDProcInfo:
        return drbd_info.DRBDProcInfo.FromFile()

    def _Status(self) -> drbd_info.MinorStatus:
        return self._ProcInfo().GetMinorStatus(self._minor)

    def _Commands(self, proc: drbd_info.DRBDProcInfo | None = None) -> drbd_cmds.DRBD83Commands:
        return drbd_cmds.GetCommands((proc or self._ProcInfo()).version)

    def _Run(self, argv: list[str], what: str) -> str:
        return base.RunChecked(argv, "%s of %s" % (what, self.dev_path)).stdout

    def Attach(self) -> bool:
        """A DRBD device is attached when its minor is configured in the kernel."""
        self.attached = self._Status().is_configured
        if self.attached:
            self.major, self.minor = drbd_info.DRBD_MAJOR, self._minor
        return self.attached

    def _ShowConfig(self, cmds: drbd_cmds.DRBD83Commands) -> drbd_info.DRBDConfig:
        return drbd_info.ParseShowOutput(self._Run(cmds.ShowCmd(self._minor), "Reading config"))

    def _MatchesLocal(self, config: drbd_info.DRBDConfig) -> bool:
        data, meta = self._children
        return (config.local_dev == data.dev_path and config.meta_dev == meta.dev_path
                and config.meta_index == int(drbd_cmds.META_INDEX))

    def _MatchesNet(self, config: drbd_info.DRBDConfig) -> bool:
        return (config.local_addr == (self._lhost, self._lport)
                and config.remote_addr == (self._rhost, self._rport))

    # --- creation and set-up -------------------------------------------------

    @classmethod
    def Create(cls, unique_id: Sequence[Any], children: Sequence[base.BlockDev], size: int,
               ctx: base.NodeContext) -> DRBD8:
        """Initialise the meta-data on the (attached) meta LV; Assemble brings it up."""
        dev = cls(unique_id, children, size, ctx)
        if len(dev._children) != 2:
            raise errors.BlockDeviceError("Cannot create DRBD8 %s without data and meta devices"
                                          % dev.dev_path)
        proc = dev._ProcInfo()
        if proc.GetMinorStatus(dev._minor).is_configured:
            raise errors.BlockDeviceError("DRBD minor %d is already in use" % dev._minor)
        data, meta = dev._children
        for child in (data, meta):
            child.RequireAttached("use for DRBD8")
        if meta.GetActualSize() < constants.DRBD_META_SIZE:
            raise errors.BlockDeviceError("Meta device %s of %s is %d MiB, at least %d needed"
                                          % (meta.dev_path, dev.dev_path, meta.GetActualSize(),
                                             constants.DRBD_META_SIZE))
        dev._Run(dev._Commands(proc).InitMetaCmd(dev._minor, meta.dev_path), "Creating meta-data")
        return dev

    def Assemble(self) -> None:
        """Bring the minor up with our disks and peer, or check that it already is.

        A minor that is up with other disks or another peer is an error: it
        belongs to something else, and reconfiguring it could corrupt both.
        """
        proc = self._ProcInfo()
        cmds = self._Commands(proc)
        configured = proc.GetMinorStatus(self._minor).is_configured
        config = self._ShowConfig(cmds) if configured else drbd_info.DRBDConfig()
        if self._children:
            if config.has_local and not self._MatchesLocal(config):
                raise errors.BlockDeviceError(
                    "DRBD minor %d is in use with disks %s/%s, not %s/%s"
                    % (self._minor, config.local_dev, config.meta_dev,
                       self._children[0].dev_path, self._children[1].dev_path))
            if not config.has_local:
                self._AttachLocal(cmds, configured)
                configured = True
        if self.has_network:
            if config.has_net and not self._MatchesNet(config):
                raise errors.BlockDeviceError(
                    "DRBD minor %d is connected to %s from %s, not %s:%d from %s:%d"
                    % (self._minor, config.remote_addr, config.local_addr, self._rhost,
                       self._rport, self._lhost, self._lport))
            if not config.has_net:
                self._AttachNet(cmds, configured, False)
        if not self.Attach():
            raise errors.BlockDeviceError("DRBD minor %d is not configured after assembly"
                                          % self._minor)
        self._Run(cmds.SyncSpeedCmd(self._minor, constants.SYNC_SPEED), "Setting sync speed")

    def _AttachLocal(self, cmds: drbd_cmds.DRBD83Commands, configured: bool) -> None:
        data, meta = self._children
        for argv in cmds.LocalInitCmds(self._minor, configured, data.dev_path, meta.dev_path,
                                       self.size, self.ctx.FilledDiskParams()):
            self._Run(argv, "Attaching local disks")

    def _AttachNet(self, cmds: drbd_cmds.DRBD83Commands, configured: bool,
                   dual_primary: bool) -> None:
        for argv in cmds.NetInitCmds(self._minor, configured, self._lhost, self._lport,
                                     self._rhost, self._rport, dual_primary, self._secret):
            self._Run(argv, "Configuring network")
        # drbdsetup returns before the kernel acts on the new config; wait
        # until it does, so that a wrong peer/port shows up as an error here.
        deadline = time.monotonic() + NET_SETUP_TIMEOUT
        while self._Status().is_standalone:
            if time.monotonic() > deadline:
                raise errors.BlockDeviceError("DRBD minor %d stays StandAlone after network"
                                              " setup towards %s:%d" % (self._minor, self._rhost,
                                                                        self._rport))
            time.sleep(0.1)

    def AttachNet(self, multimaster: bool) -> None:
        """Reconnect to the peer, allowing two primaries during live migration."""
        if not self.has_network:
            raise errors.BlockDeviceError("DRBD %s has no network configuration" % self.dev_path)
        self.RequireAttached("connect")
        self._AttachNet(self._Commands(), True, multimaster)

    def DisconnectNet(self) -> None:
        """Go StandAlone (first step of changing the peer or migration mode)."""
        if not self.has_network:
            raise errors.BlockDeviceError("DRBD %s has no network configuration" % self.dev_path)
        self.RequireAttached("disconnect")
        self._Run(self._Commands().DisconnectCmd(self._minor, self._lhost, self._lport,
                                                 self._rhost, self._rport), "Disconnecting")

    def Shutdown(self) -> None:
        if not self.Attach():
            return
        self._Run(self._Commands().DownCmd(self._minor), "Shutting down")
        self.attached = False

    def Remove(self) -> None:
        """The DRBD layer keeps no data of its own: removal is shutdown."""
        self.Shutdown()

    def Open(self, force: bool = False) -> None:
        """Become primary; force overrides the peer's data (initial sync)."""
        self.RequireAttached("open")
        self._Run(self._Commands().PrimaryCmd(self._minor, force), "Making primary")

    def Close(self) -> None:
        self.RequireAttached("close")
        self._Run(self._Commands().SecondaryCmd(self._minor), "Making secondary")

    def Grow(self, amount: int, dryrun: bool = False) -> None:
        """Grow the data LV, then tell DRBD the new size (run on both nodes)."""
        if len(self._children) != 2:
            raise errors.BlockDeviceError("Cannot grow diskless DRBD %s" % self.dev_path)
        self.RequireAttached("grow")
        self._children[0].Grow(amount, dryrun)
        if dryrun:
            return
        self.size += amount
        self._Run(self._Commands().ResizeCmd(self._minor, self.size), "Resizing")

    def GetActualSize(self) -> int:
        self.RequireAttached("size")
        out = self._Run(["blockdev", "--getsize64", self.dev_path], "Reading size")
        try:
            return int(out.strip()) // (1024 * 1024)
        except ValueError as err:
            raise errors.BlockDeviceError("Cannot parse size %r of %s" % (out, self.dev_path)) from err

    def GetSyncStatus(self) -> base.SyncStatus:
        """Degraded unless both disks are up to date (the peer's reads DUnknown when cut off).

        An online verify (VerifyS/VerifyT) keeps both up to date and is not
        degraded. The local disk is okay when up to date, faulty when
        diskless, and of unknown health while it is being resynchronised.
        """
        self.RequireAttached("query")
        status = self._Status()
        degraded = not (status.is_disk_uptodate and status.is_peer_uptodate)
        if status.is_disk_uptodate:
            ldisk = constants.LDS_OKAY
        elif status.is_diskless:
            ldisk = constants.LDS_FAULTY
        else:
            ldisk = constants.LDS_UNKNOWN
        return base.SyncStatus(self.dev_path, self.major, self.minor, status.sync_percent,
                               status.est_time, degraded, ldisk)
