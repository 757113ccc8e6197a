"""Parsers of what DRBD 8.3/8.4 tell us: /proc/drbd and `drbdsetup show`.

/proc/drbd gives the module version and, per minor, the connection state,
roles, disk states and resync progress. `drbdsetup show` gives a configured
minor's backing disks and network addresses, which Assemble compares with
what the Disk object asks for before touching a minor that is already up.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pyparsing as pp

from ganeti import errors

DRBD_STATUS_FILE = "/proc/drbd"
DRBD_MAJOR = 147

_VERSION_RE = re.compile(r"^version:\s+(\d+)\.(\d+)\.(\d+)\S*\s+\(api:(\d+)/proto:(\d+)(?:-(\d+))?\)")
_MINOR_RE = re.compile(r"^\s*(\d+):\s+cs:(\w+)"
                       r"(?:\s+(?:ro|st):(\w+)/(\w+)\s+ds:(\w+)/(\w+)(?:\s+([ABC])\b)?)?")
_SYNC_RE = re.compile(r"sync'ed:\s*([0-9.]+)%")
_FINISH_RE = re.compile(r"finish:\s*(\d+):(\d+):(\d+)")

CS_UNCONFIGURED = "Unconfigured"
CS_STANDALONE = "StandAlone"
CS_WFCONNECTION = "WFConnection"
CS_CONNECTED = "Connected"
_CS_RESYNC = frozenset(["SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "StartingSyncS",
                        "StartingSyncT", "WFBitMapS", "WFBitMapT", "WFSyncUUID"])
DS_UPTODATE = "UpToDate"
DS_DISKLESS = "Diskless"


@dataclasses.dataclass(frozen=True)
class DRBDVersion:
    """The loaded module's version, from /proc/drbd's first line."""

    major: int
    minor: int
    point: int
    api: int
    proto: int
    proto_max: int | None

    def __str__(self) -> str:
        return "%d.%d.%d" % (self.major, self.minor, self.point)


@dataclasses.dataclass(frozen=True)
class MinorStatus:
    """One minor's line(s) in /proc/drbd."""

    minor: int
    cstatus: str
    lrole: str | None = None
    rrole: str | None = None
    ldisk: str | None = None
    rdisk: str | None = None
    protocol: str | None = None
    sync_percent: float | None = None
    est_time: int | None = None

    @property
    def is_configured(self) -> bool:
        return self.cstatus != CS_UNCONFIGURED

    @property
    def is_connected(self) -> bool:
        return self.cstatus == CS_CONNECTED

    @property
    def is_standalone(self) -> bool:
        return self.cstatus == CS_STANDALONE

    @property
    def is_in_resync(self) -> bool:
        return self.cstatus in _CS_RESYNC

    @property
    def is_primary(self) -> bool:
        return self.lrole == "Primary"

    @property
    def is_disk_uptodate(self) -> bool:
        return self.ldisk == DS_UPTODATE

    @property
    def is_diskless(self) -> bool:
        return self.ldisk == DS_DISKLESS

    @property
    def is_peer_uptodate(self) -> bool:
        return self.rdisk == DS_UPTODATE


class DRBDProcInfo:
    """A parsed /proc/drbd: version plus every configured minor's status."""

    def __init__(self, version: DRBDVersion, minors: dict[int, MinorStatus]):
        self.version = version
        self.minors = minors

    @classmethod
    def FromText(cls, text: str) -> DRBDProcInfo:
        lines = text.splitlines()
        match = _VERSION_RE.match(lines[0]) if lines else None
        if not match:
            raise errors.BlockDeviceError("Cannot parse the DRBD version from %s: %r"
                                          % (DRBD_STATUS_FILE, lines[0] if lines else text))
        major, minor, point, api, proto, proto_max = match.groups()
        version = DRBDVersion(int(major), int(minor), int(point), int(api), int(proto),
                              int(proto_max) if proto_max else None)
        minors: dict[int, dict[str, Any]] = {}
        current: dict[str, Any] | None = None
        for line in lines[1:]:
            match = _MINOR_RE.match(line)
            if match:
                num, cstatus, lrole, rrole, ldisk, rdisk, protocol = match.groups()
                current = dict(minor=int(num), cstatus=cstatus, lrole=lrole, rrole=rrole,
                               ldisk=ldisk, rdisk=rdisk, protocol=protocol)
                minors[int(num)] = current
                continue
            if current is None or not line[:1].isspace():
                continue  # "srcversion:", "GIT-hash:" and other header lines
            sync = _SYNC_RE.search(line)
            if sync:
                current["sync_percent"] = float(sync.group(1))
            finish = _FINISH_RE.search(line)
            if finish:
                hours, mins, secs = (int(g) for g in finish.groups())
                current["est_time"] = hours * 3600 + mins * 60 + secs
        return cls(version, {num: MinorStatus(**data) for num, data in minors.items()})

    @classmethod
    def FromFile(cls, filename: str | None = None) -> DRBDProcInfo:
        """Read the kernel's status; a missing file means no DRBD module."""
        filename = filename or DRBD_STATUS_FILE
        try:
            with open(filename) as fh:
                text = fh.read()
        except FileNotFoundError as err:
            raise errors.BlockDeviceError("DRBD is not available: %s is missing (is the drbd"
                                          " kernel module loaded?)" % filename) from err
        except OSError as err:
            raise errors.BlockDeviceError("Cannot read %s: %s" % (filename, err)) from err
        return cls.FromText(text)

    def GetMinorStatus(self, minor: int) -> MinorStatus:
        """A minor's status; minors not listed are unconfigured."""
        return self.minors.get(minor) or MinorStatus(minor, CS_UNCONFIGURED)

    def GetUsedMinors(self) -> list[int]:
        return sorted(m for m, st in self.minors.items() if st.is_configured)


# --- drbdsetup show ----------------------------------------------------------

@dataclasses.dataclass
class _Stmt:
    name: str
    args: list[str]
    block: list[_Stmt] | None


def _Grammar() -> pp.ParserElement:
    """`drbdsetup show`: statements `name arg... ;` and blocks `name arg... { ... }`."""
    word = pp.Regex(r'[^\s{};"#]+')
    string = pp.QuotedString('"', esc_char="\\")
    stmt = pp.Forward()
    block = pp.Suppress("{") + pp.Group(pp.ZeroOrMore(stmt | pp.Suppress(";"))) + \
        pp.Suppress("}")
    args = pp.Group(pp.ZeroOrMore(string | ~pp.Literal("}") + word))
    stmt <<= pp.Group(word + args + pp.Optional(block))
    grammar = pp.ZeroOrMore(stmt | pp.Suppress(";")) + pp.StringEnd()
    grammar.ignore(pp.python_style_comment)
    return grammar


_GRAMMAR = _Grammar()


def _ToStmts(groups: Any) -> list[_Stmt]:
    return [_Stmt(g[0], list(g[1]), _ToStmts(g[2]) if len(g) > 2 else None) for g in groups]


def _ParseStatements(text: str) -> list[_Stmt]:
    try:
        return _ToStmts(_GRAMMAR.parse_string(text, parse_all=True))
    except pp.ParseBaseException as err:
        raise errors.BlockDeviceError("Cannot parse drbdsetup show output (line %d, column"
                                      " %d): %s" % (err.lineno, err.column, err.msg)) from err


def _Find(stmts: list[_Stmt], name: str, block: bool) -> _Stmt | None:
    """Depth-first search for the first statement (or block) of that name."""
    for stmt in stmts:
        if stmt.name == name and (stmt.block is not None) == block:
            return stmt
        if stmt.block:
            found = _Find(stmt.block, name, block)
            if found:
                return found
    return None


def _ParseAddress(stmt: _Stmt | None) -> tuple[str, int] | None:
    if stmt is None or not stmt.args:
        return None
    addr = stmt.args[-1]  # "ipv4 192.0.2.1:11000" or "ipv6 [2001:db8::1]:11000"
    host, _, port = addr.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError as err:
        raise errors.BlockDeviceError("Cannot parse DRBD address %r" % addr) from err


@dataclasses.dataclass(frozen=True)
class DRBDConfig:
    """What a configured minor is attached to, from `drbdsetup show`."""

    local_dev: str | None = None
    meta_dev: str | None = None
    meta_index: int | None = None
    local_addr: tuple[str, int] | None = None
    remote_addr: tuple[str, int] | None = None

    @property
    def has_local(self) -> bool:
        return self.local_dev is not None

    @property
    def has_net(self) -> bool:
        return self.local_addr is not None and self.remote_addr is not None


def ParseShowOutput(text: str) -> DRBDConfig:
    """Extract disks and addresses from 8.3 or 8.4 `drbdsetup show` output."""
    stmts = _ParseStatements(text)
    this = _Find(stmts, "_this_host", True)
    remote = _Find(stmts, "_remote_host", True)
    scope = this.block if this and this.block is not None else stmts
    disk = _Find(scope, "disk", False)
    meta = _Find(scope, "meta-disk", False)
    meta_dev = meta_index = None
    if meta and meta.args:
        meta_dev = meta.args[0]
        index = "".join(meta.args[1:]).strip("[]")
        if meta_dev in ("internal", "flexible"):
            meta_index = -1
        elif index:
            try:
                meta_index = int(index)
            except ValueError as err:
                raise errors.BlockDeviceError("Cannot parse DRBD meta-disk index %r" % index) from err
    address = None
    if this and this.block is not None:
        address = next((s for s in this.block if s.name == "address" and s.block is None), None)
    return DRBDConfig(local_dev=disk.args[0] if disk and disk.args else None,
                      meta_dev=meta_dev, meta_index=meta_index,
                      local_addr=_ParseAddress(address),
                      remote_addr=_ParseAddress(_Find(remote.block, "address", False)
                                                if remote and remote.block else None))
