"""Typed errors of the ganeti package.

Every failure a user can see is one of these classes, so that the CLI, luxi,
RPC and RAPI can carry it across process boundaries (see EncodeException) and
turn it into a clear message or HTTP status instead of a traceback.
"""

from __future__ import annotations

from typing import Any

# Error codes carried by OpPrereqError and friends; the strings are upstream's
# and appear in RAPI/luxi error payloads.
ECODE_RESOLVER = "resolver_error"
ECODE_NORES = "insufficient_resources"
ECODE_TEMP_NORES = "temp_insufficient_resources"
ECODE_INVAL = "wrong_input"
ECODE_STATE = "wrong_state"
ECODE_NOENT = "unknown_entity"
ECODE_EXISTS = "already_exists"
ECODE_NOTUNIQUE = "resource_not_unique"
ECODE_FAULT = "internal_error"
ECODE_ENVIRON = "environment_error"
ECODE_ALL = frozenset([
    ECODE_RESOLVER, ECODE_NORES, ECODE_TEMP_NORES, ECODE_INVAL, ECODE_STATE,
    ECODE_NOENT, ECODE_EXISTS, ECODE_NOTUNIQUE, ECODE_FAULT, ECODE_ENVIRON,
])


class GenericError(Exception):
    """Base of every ganeti error."""


class LockError(GenericError):
    """A lock operation failed (deleted lock, wrong owner, level order)."""


class HypervisorError(GenericError):
    """A hypervisor operation failed."""


class HotplugError(HypervisorError):
    """Hotplugging a device failed."""


class ProgrammerError(GenericError):
    """Internal inconsistency: a bug, never a user mistake."""


class BlockDeviceError(GenericError):
    """A block device operation failed."""


class StorageError(GenericError):
    """A storage unit operation failed."""


class FileStoragePathError(StorageError):
    """A file storage path is outside the allowed directories."""


class ConfigurationError(GenericError):
    """The configuration is malformed or inconsistent."""


class ConfigVersionMismatch(ConfigurationError):
    """The configuration was written by an incompatible version."""


class ReservationError(GenericError):
    """A unique resource (MAC, port, minor, IP) could not be reserved."""


class RemoteError(GenericError):
    """A remote call (RPC to a node) failed."""


class SignatureError(GenericError):
    """A signed message failed verification."""


class ParameterError(GenericError):
    """A parameter value is wrong; args[0] names the parameter."""


class ResultValidationError(GenericError):
    """A logical unit's result does not match its declared type."""


class OpPrereqError(GenericError):
    """A prerequisite of an operation is not met.

    args are (message, error code); the code is one of ECODE_*.
    """


class OpExecError(GenericError):
    """An operation failed while it was executing."""


class OpResultError(GenericError):
    """An operation returned an invalid result."""


class OpRetryNotSupportedError(GenericError):
    """An operation cannot be retried."""


class OpCodeUnknown(GenericError):
    """An opcode of an unknown OP_ID was submitted."""


class JobLost(GenericError):
    """A job was referenced that does not exist (any more)."""


class JobFileCorrupted(GenericError):
    """A job file could not be parsed."""


class JobQueueError(GenericError):
    """A job queue operation failed."""


class JobQueueDrainError(JobQueueError):
    """The queue is marked for drain and refuses new jobs."""


class JobQueueFull(JobQueueError):
    """The queue holds the maximum number of jobs."""


class ResolverError(GenericError):
    """A host name could not be resolved: args are (name, errno, message)."""


class HooksFailure(GenericError):
    """A hook could not be run at all."""


class HooksAbort(HooksFailure):
    """A pre-hook returned failure and aborted the operation."""


class UnitParseError(GenericError):
    """A size with a unit (e.g. '10G') could not be parsed."""


class ParseError(GenericError):
    """Generic text parsing failure."""


class TypeEnforcementError(GenericError):
    """A value has the wrong type for its declared kind."""


class X509CertError(GenericError):
    """An X509 certificate is invalid or could not be made."""


class TagError(GenericError):
    """A tag is invalid or too many tags."""


class CommandError(GenericError):
    """A local command failed."""


class QuitGanetiException(Exception):
    """Signals a daemon to quit after answering (not an error for callers).

    args are (should_quit, payload).
    """


class UdpDataSizeError(GenericError):
    """A UDP datagram is larger than allowed."""


class ConfdMagicError(GenericError):
    """A confd datagram does not start with a known fourcc."""


class ConfdClientError(GenericError):
    """The confd client was used wrongly or cannot send."""


class ConfdRequestError(GenericError):
    """A confd request is malformed (silently dropped by the server)."""


class IPAddressError(GenericError):
    """An IP address is invalid."""


class NoCtypesError(GenericError):
    """A C call through ctypes is not possible on this system."""


class InotifyError(GenericError):
    """Inotify watching failed."""


class LuxiError(GenericError):
    """A luxi (master socket) protocol error."""


class ProtocolError(LuxiError):
    """Malformed data on the master socket."""


class ConnectionClosedError(ProtocolError):
    """The other side closed the master socket."""


class RequestError(ProtocolError):
    """A luxi request failed on the server side."""


class NoMasterError(ProtocolError):
    """The master daemon cannot be reached."""


class PermissionDeniedError(NoMasterError):
    """The master socket exists but may not be used by this user."""


class LuxiTimeoutError(ProtocolError):
    """A luxi operation timed out (not a job's own timeout)."""


class InvalidOS(GenericError):
    """An OS definition is missing or invalid: args are (name, dir, reason)."""


class HttpError(GenericError):
    """An HTTP-level failure in the server or client layer."""


def GetErrorClass(name: str) -> type[GenericError] | None:
    """Look up one of this module's error classes by name."""
    item = globals().get(name)
    if isinstance(item, type) and issubclass(item, (GenericError, QuitGanetiException)):
        return item
    return None


def EncodeException(err: BaseException) -> tuple[str, list[Any]]:
    """Turn an exception into a (class name, args) pair for the wire."""
    if isinstance(err, GenericError):
        return (err.__class__.__name__, list(err.args))
    return (GenericError.__name__, [str(err)])


def DecodeException(data: Any) -> GenericError | None:
    """Rebuild an exception from EncodeException's output, or None."""
    try:
        name, args = data
    except (TypeError, ValueError):
        return None
    if not isinstance(name, str) or not isinstance(args, (list, tuple)):
        return None
    cls = GetErrorClass(name)
    if cls is None:
        return None
    return cls(*args)


def MaybeRaise(result: Any) -> None:
    """Raise the encoded exception in result, if it is one."""
    err = DecodeException(result)
    if err is not None:
        raise err


def GetErrorCode(err: BaseException) -> str | None:
    """Return the ECODE_* of an OpPrereqError-like error, if any."""
    if len(err.args) >= 2 and err.args[1] in ECODE_ALL:
        return err.args[1]
    return None


def FormatError(err: BaseException) -> str:
    """A one-line human message for any error (used by CLI and daemons)."""
    msg = err.args[0] if err.args else str(err)
    if isinstance(err, OpPrereqError):
        return "Failure: prerequisites not met for this operation:\n%s" % msg
    if isinstance(err, OpExecError):
        return "Failure: command execution error:\n%s" % msg
    if isinstance(err, ResolverError):
        return "Failure: can't resolve hostname '%s'" % msg
    if isinstance(err, JobQueueDrainError):
        return "Failure: the job queue is marked for drain and doesn't accept new requests"
    if isinstance(err, JobQueueFull):
        return "Failure: the job queue is full and doesn't accept new jobs"
    if isinstance(err, NoMasterError):
        return ("Cannot communicate with the master daemon.\nIs it running"
                " and listening for connections?")
    if isinstance(err, HooksAbort):
        lines = ["Failure: hook(s) failed, aborting:"]
        for node, script, output in (err.args[0] if err.args else []):
            lines.append("  node %s, script %s: %s" % (node, script, (output or "").strip()))
        return "\n".join(lines)
    if isinstance(err, TagError):
        return "Failure: invalid tag(s) given:\n%s" % msg
    if isinstance(err, GenericError):
        return "Unhandled Ganeti error: %s" % msg
    return "Unhandled exception: %s" % (msg,)
