"""The confd wire format: `plj0` datagrams carrying HMAC-signed JSON.

A datagram is the fourcc `plj0` followed by the signed envelope of
ganeti.serializer: {"hmac", "msg", "salt"}, where msg is JSON text and hmac
is HMAC-SHA1 over salt+msg with the cluster's confd key (the whole content of
hmac.key). A query's salt is the client's unix time, which the server checks
against its clock; a reply's salt is the query's rsalt, which is how the
client matches replies to what it asked.

Everything that can be wrong with an incoming datagram raises
ConfdDropError with a `reason` (one of DROP_REASONS), which the server counts
and the client ignores: nothing received is ever trusted before its
signature is checked.
"""

from __future__ import annotations

import time
from typing import Any

from ganeti import constants, errors, pathutils, serializer
from ganeti.utils import io

FOURCC = constants.CONFD_MAGIC_FOURCC
MAX_DATAGRAM = constants.MAX_UDP_DATA_SIZE

# Why a datagram was dropped; the server keeps one counter per reason.
DROP_OVERSIZED = "oversized"        # larger than MAX_DATAGRAM
DROP_BAD_MAGIC = "bad_magic"        # shorter than the fourcc, or another fourcc
DROP_MALFORMED = "malformed"        # not JSON, or msg/salt not a valid query or reply
DROP_BAD_SIGNATURE = "bad_signature"  # wrong key, altered msg or salt, no hmac
DROP_CLOCK_SKEW = "clock_skew"      # query salt outside the accepted time window
DROP_BAD_PROTOCOL = "bad_protocol"  # a protocol version we do not speak
DROP_REASONS = (DROP_OVERSIZED, DROP_BAD_MAGIC, DROP_MALFORMED, DROP_BAD_SIGNATURE,
                DROP_CLOCK_SKEW, DROP_BAD_PROTOCOL)


class ConfdDropError(errors.ConfdRequestError):
    """An incoming datagram that must be dropped; .reason says why."""

    def __init__(self, reason: str, detail: str):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        return "%s: %s" % (self.reason, self.detail)


def _IsInt(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class ConfdRequest:
    """A query: protocol, type, query (optional: None, a string, a dict or a list), rsalt."""

    __slots__ = ("protocol", "type", "query", "rsalt")

    def __init__(self, type: int, query: Any = None, rsalt: str = "",
                 protocol: int = constants.CONFD_PROTOCOL_VERSION):
        self.protocol = protocol
        self.type = type
        self.query = query
        self.rsalt = rsalt

    def ToDict(self) -> dict[str, Any]:
        """The msg dict; a None query is left out, as the design allows."""
        result = {"protocol": self.protocol, "type": self.type, "rsalt": self.rsalt}
        if self.query is not None:
            result["query"] = self.query
        return result

    @classmethod
    def FromDict(cls, data: Any) -> "ConfdRequest":
        """Check a decoded msg; ConfdDropError unless it is a well-formed query."""
        if not isinstance(data, dict):
            raise ConfdDropError(DROP_MALFORMED, "query is not a JSON object")
        protocol = data.get("protocol")
        if not _IsInt(protocol):
            raise ConfdDropError(DROP_MALFORMED, "query protocol missing or not an integer")
        if protocol != constants.CONFD_PROTOCOL_VERSION:
            raise ConfdDropError(DROP_BAD_PROTOCOL, "unsupported protocol %d" % protocol)
        rtype = data.get("type")
        rsalt = data.get("rsalt")
        query = data.get("query")
        if not _IsInt(rtype):
            raise ConfdDropError(DROP_MALFORMED, "query type missing or not an integer")
        if not isinstance(rsalt, str) or not rsalt:
            raise ConfdDropError(DROP_MALFORMED, "rsalt missing or not a string")
        if query is not None and not isinstance(query, (str, dict, list)):
            raise ConfdDropError(DROP_MALFORMED, "query of type %s" % type(query).__name__)
        return cls(rtype, query=query, rsalt=rsalt, protocol=protocol)

    def __repr__(self) -> str:
        return "<ConfdRequest type=%r query=%r rsalt=%r>" % (self.type, self.query, self.rsalt)


class ConfdReply:
    """An answer: protocol, status (CONFD_REPL_STATUS_*), answer, serial of the config."""

    __slots__ = ("protocol", "status", "answer", "serial")

    def __init__(self, status: int, answer: Any, serial: int,
                 protocol: int = constants.CONFD_PROTOCOL_VERSION):
        self.protocol = protocol
        self.status = status
        self.answer = answer
        self.serial = serial

    def ToDict(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "status": self.status, "answer": self.answer,
                "serial": self.serial}

    @classmethod
    def FromDict(cls, data: Any) -> "ConfdReply":
        """Check a decoded reply msg; ConfdDropError unless it is well formed."""
        if not isinstance(data, dict):
            raise ConfdDropError(DROP_MALFORMED, "reply is not a JSON object")
        for name in ("protocol", "status", "serial"):
            if not _IsInt(data.get(name)):
                raise ConfdDropError(DROP_MALFORMED, "reply %s missing or not an integer" % name)
        if "answer" not in data:
            raise ConfdDropError(DROP_MALFORMED, "reply without answer")
        if data["protocol"] != constants.CONFD_PROTOCOL_VERSION:
            raise ConfdDropError(DROP_BAD_PROTOCOL, "unsupported protocol %d" % data["protocol"])
        return cls(data["status"], data["answer"], data["serial"], protocol=data["protocol"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfdReply) and self.ToDict() == other.ToDict()

    def __repr__(self) -> str:
        return "<ConfdReply status=%r serial=%r answer=%r>" % (self.status, self.serial,
                                                               self.answer)


def PackMagic(payload: bytes) -> bytes:
    """Prefix a payload with the fourcc; UdpDataSizeError if it cannot travel."""
    datagram = FOURCC + payload
    if len(datagram) > MAX_DATAGRAM:
        raise errors.UdpDataSizeError("confd datagram of %d bytes exceeds %d"
                                      % (len(datagram), MAX_DATAGRAM))
    return datagram


def UnpackMagic(datagram: bytes) -> bytes:
    """The payload after the fourcc; ConfdDropError for anything else."""
    if len(datagram) > MAX_DATAGRAM:
        raise ConfdDropError(DROP_OVERSIZED, "datagram of %d bytes" % len(datagram))
    if datagram[:len(FOURCC)] != FOURCC:
        raise ConfdDropError(DROP_BAD_MAGIC, "datagram does not start with %r" % FOURCC)
    return datagram[len(FOURCC):]


def UnpackSigned(datagram: bytes, key: bytes) -> tuple[Any, str]:
    """Verify a datagram's signature; (decoded msg, salt), nothing else checked."""
    payload = UnpackMagic(datagram)
    try:
        return serializer.LoadSignedJson(payload, key)
    except errors.ParseError as err:
        raise ConfdDropError(DROP_MALFORMED, str(err))
    except errors.SignatureError as err:
        raise ConfdDropError(DROP_BAD_SIGNATURE, str(err))


def PackSignedMessage(msg: str, salt: str, key: bytes) -> bytes:
    """A datagram for already serialised msg text (the server caches reply msgs)."""
    return PackMagic(serializer.SignMessage(msg, key, salt=salt).encode("utf-8"))


def PackRequest(request: ConfdRequest, key: bytes, now: float | None = None) -> bytes:
    """Sign a query with the current unix time as its salt."""
    salt = "%d" % (time.time() if now is None else now)
    return PackSignedMessage(serializer.DumpJson(request.ToDict()), salt, key)


def CheckTimestamp(salt: str, now: float | None = None,
                   max_skew: int = constants.CONFD_MAX_CLOCK_SKEW) -> None:
    """ConfdDropError unless salt is a unix time within max_skew seconds of now."""
    if not (salt.isascii() and salt.isdigit()):
        raise ConfdDropError(DROP_MALFORMED, "query salt %r is not a unix time" % salt[:32])
    skew = int(salt) - (time.time() if now is None else now)
    if abs(skew) > max_skew:
        raise ConfdDropError(DROP_CLOCK_SKEW, "query salt is %+d s off our clock" % skew)


def UnpackRequest(datagram: bytes, key: bytes, now: float | None = None) -> ConfdRequest:
    """Verify and decode a query datagram (signature, clock window, fields)."""
    data, salt = UnpackSigned(datagram, key)
    CheckTimestamp(salt, now)
    return ConfdRequest.FromDict(data)


def PackReply(reply: ConfdReply, rsalt: str, key: bytes) -> bytes:
    """Sign a reply with the query's rsalt as its salt."""
    return PackSignedMessage(serializer.DumpJson(reply.ToDict()), rsalt, key)


def UnpackReply(datagram: bytes, key: bytes) -> tuple[ConfdReply, str]:
    """Verify and decode a reply datagram; returns (reply, salt)."""
    data, salt = UnpackSigned(datagram, key)
    return ConfdReply.FromDict(data), salt


def ReadHmacKey(path: str | None = None) -> bytes:
    """The confd key: the whole content of hmac.key, newline included (as upstream)."""
    path = path or pathutils.CONFD_HMAC_KEY
    try:
        key = io.ReadFile(path, binary=True)
    except OSError as err:
        raise errors.ConfigurationError("Cannot read the confd HMAC key %s: %s"
                                        % (path, err)) from err
    if not key.strip():
        raise errors.ConfigurationError("The confd HMAC key %s is empty" % path)
    return key
