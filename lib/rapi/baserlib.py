"""What every RAPI resource shares: arguments, bodies, opcodes, luxi, errors.

A resource is a class with methods named after HTTP methods; the daemon
makes one instance per request (items from the path, query arguments, the
parsed body, the environment) and calls the method. Access rules are class
attributes (GET_ACCESS, PUT_ACCESS, ...) so that the daemon can refuse a
request before reading its body.

Request bodies are checked field by field against the opcode's declared
parameters (FillOpcode), so that a wrong field is a 400 naming it, in the
body's own terms ("os", not "os_type"), instead of a failed job later.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable, ClassVar, Iterable, Mapping, Sequence

from ganeti import constants, errors, http, luxi, opcodes, pathutils, serializer
from ganeti.opcodes import base as opbase
from ganeti.utils import filewatch

#: How long a resource that needs a job's result (os list, console) waits for it.
SYNC_JOB_TIMEOUT = 60.0
#: Longest single wait of /2/jobs/<id>/wait (upstream's value).
WFJC_TIMEOUT = 10.0
_GENERIC_PARAMS = frozenset(["dry_run", "debug_level", "priority"])
_TRUE_VALUES = frozenset(["1", "true", "yes"])
_FALSE_VALUES = frozenset(["0", "false", "no"])
_REPR_LIMIT = 80


class HttpBadGateway(http.HttpException):
    """The master daemon could not be reached or answered nonsense."""

    code = 502


class HttpGatewayTimeout(http.HttpException):
    """The master daemon did not answer in time."""

    code = 504


def _Short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "..."


def MapError(err: errors.GenericError) -> http.HttpException:
    """The HTTP error for a ganeti error raised by luxi or a job."""
    msg = err.args[0] if err.args and isinstance(err.args[0], str) else str(err)
    if isinstance(err, errors.NoMasterError):
        return HttpBadGateway("Master daemon unreachable: %s" % msg)
    if isinstance(err, errors.LuxiTimeoutError):
        return HttpGatewayTimeout("Master daemon timed out: %s" % msg)
    if isinstance(err, errors.ProtocolError):
        return HttpBadGateway("Master daemon connection failed: %s" % msg)
    if isinstance(err, (errors.JobQueueFull, errors.JobQueueDrainError)):
        return http.HttpServiceUnavailable(errors.FormatError(err).replace("Failure: ", ""))
    if isinstance(err, errors.OpCodeUnknown):
        return http.HttpNotImplemented("Operation not implemented yet: %s" % msg)
    if isinstance(err, errors.OpPrereqError):
        code = errors.GetErrorCode(err)
        if code == errors.ECODE_NOENT:
            return http.HttpNotFound(msg)
        if code in (errors.ECODE_EXISTS, errors.ECODE_NOTUNIQUE, errors.ECODE_STATE):
            return http.HttpConflict(msg)
        if code in (errors.ECODE_NORES, errors.ECODE_TEMP_NORES):
            return http.HttpServiceUnavailable(msg)
        return http.HttpBadRequest(msg)
    if isinstance(err, (errors.TagError, errors.ParameterError)):
        return http.HttpBadRequest(msg)
    return http.HttpInternalServerError("%s: %s" % (err.__class__.__name__, msg))


class LuxiPool:
    """Kept-open luxi connections shared by the request threads.

    A luxi.Client is one connection and not thread-safe, so each call takes
    a client out of the pool for its duration; a connection that failed is
    closed by the client itself and reopened on its next use.
    """

    def __init__(self, address: str | None = None, max_idle: int = 32,
                 client_factory: Callable[[str | None], Any] | None = None):
        self.address = address
        self._factory = client_factory or luxi.Client
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._max_idle = max_idle

    def Call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """luxi.Client.<method>(*args); ganeti errors become HTTP errors."""
        try:
            client = self._idle.get_nowait()
        except queue.Empty:
            client = self._factory(self.address)
        try:
            return getattr(client, method)(*args, **kwargs)
        except http.HttpException:
            raise
        except errors.GenericError as err:
            raise MapError(err) from err
        finally:
            if self._idle.qsize() < self._max_idle:
                self._idle.put(client)
            else:
                client.Close()

    def CloseAll(self) -> None:
        while True:
            try:
                self._idle.get_nowait().Close()
            except queue.Empty:
                return


class ResponseCache:
    """Encoded answers of frequent reads, valid while config.data is unchanged.

    Every change of the cluster configuration rewrites config.data (on the
    master, where this daemon runs), so its os.stat() signature is a cheap
    and exact serial: an entry made under another signature is never served.
    Entries with live data from the nodes (free memory, instance state)
    also expire after ttl seconds. ttl 0 disables the cache. One thread
    per key recomputes a missing entry; the others wait for its result
    instead of all asking the master at once.
    """

    def __init__(self, ttl: float, config_file: str | None = None, max_entries: int = 64):
        self.ttl = ttl
        self._config_file = config_file or pathutils.CLUSTER_CONF_FILE
        self._max_entries = max_entries
        self._entries: dict[Any, tuple[Any, float, bytes]] = {}
        self._key_locks: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _Lookup(self, key: Any, sig: Any, live: bool) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != sig:
            return None
        if live and time.monotonic() - entry[1] >= self.ttl:
            return None
        return entry[2]

    def Get(self, key: Any, compute_fn: Callable[[], Any], live: bool = True) -> bytes:
        """The JSON encoding of compute_fn(), from the cache when still valid.

        live entries expire after ttl; others only when config.data changes.
        """
        if self.ttl <= 0:
            return _EncodeJson(compute_fn())
        sig = filewatch.FileSignature(self._config_file)
        with self._lock:
            body = self._Lookup(key, sig, live)
            if body is not None:
                self.hits += 1
                return body
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                body = self._Lookup(key, sig, live)  # computed while we waited
                if body is not None:
                    self.hits += 1
                    return body
                self.misses += 1
            now = time.monotonic()
            body = _EncodeJson(compute_fn())
            if sig is not None and sig == filewatch.FileSignature(self._config_file):
                with self._lock:
                    if len(self._entries) >= self._max_entries:
                        self._entries.clear()
                    self._entries[key] = (sig, now, body)
        return body


def _EncodeJson(value: Any) -> bytes:
    return serializer.DumpJson(value).encode("utf-8")


class RapiEnvironment:
    """What resources need from the daemon: the luxi pool and the response cache."""

    def __init__(self, luxi_pool: LuxiPool, cache: ResponseCache):
        self.luxi = luxi_pool
        self.cache = cache


def CheckType(value: Any, exptype: type | tuple[type, ...], what: str) -> Any:
    """value if it has the expected JSON type; 400 naming what otherwise."""
    if not isinstance(value, exptype) or (exptype is int and isinstance(value, bool)):
        names = exptype if isinstance(exptype, tuple) else (exptype,)
        raise http.HttpBadRequest("%s must be %s, got %s" % (
            what, " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in names), _Short(value)))
    return value


_TYPE_NAMES = {dict: "a JSON object", list: "a list", str: "a string", int: "an integer",
               bool: "a boolean"}


def FillOpcode(opcls: type[opcodes.OpCode], body: Any, static: Mapping[str, Any],
               rename: Mapping[str, str] | None = None,
               unsupported: Iterable[str] = ()) -> opcodes.OpCode:
    """An opcode from a request body (field -> value) and fixed parameters.

    rename maps body field names to opcode parameter names ("os" ->
    "os_type"); unsupported names upstream fields this cluster does not
    implement, refused with their own message. Unknown fields, fields
    that repeat a fixed parameter and values of the wrong type are 400s
    naming the body field.
    """
    rename = rename or {}
    reverse = {v: k for k, v in rename.items()}
    body = {} if body is None else CheckType(body, dict, "The request body")
    params = {p[0]: p for p in opcls.GetParams()}
    unsupported = frozenset(unsupported)
    values: dict[str, Any] = {}
    for field in sorted(body):
        value = body[field]
        name = rename.get(field, field)
        if field in unsupported:
            raise http.HttpBadRequest("Field '%s' is not supported by this cluster" % field)
        if name in static:
            raise http.HttpBadRequest("Field '%s' cannot be given in the request body" % field)
        if name not in params or name in _GENERIC_PARAMS or field in reverse:
            raise http.HttpBadRequest("Unknown field '%s'" % field)
        _, default, check, _ = params[name]
        if value is None and default is None:
            continue
        if not check(value):
            raise http.HttpBadRequest("Invalid value for field '%s': must be %s, got %s"
                                      % (field, check.description, _Short(value)))
        values[name] = value
    values.update(static)
    for name, default, _, _ in params.values():
        if default is opbase.REQUIRED and values.get(name) is None:
            raise http.HttpBadRequest("Missing required field '%s'" % reverse.get(name, name))
    return BuildOpcode(opcls, **values)


def BuildOpcode(opcls: type[opcodes.OpCode], **values: Any) -> opcodes.OpCode:
    """opcls(**values), validated; a refused parameter is a 400."""
    try:
        op = opcls(**values)
        op.Validate()
    except errors.OpPrereqError as err:
        raise http.HttpBadRequest(str(err.args[0])) from err
    return op


def BuildUriList(ids: Iterable[Any], uri_format: str,
                 uri_fields: tuple[str, str] = ("name", "uri")) -> list[dict[str, Any]]:
    """[{id_field: id, uri_field: uri}] for non-bulk listings (upstream's shape)."""
    id_field, uri_field = uri_fields
    return [{id_field: i, uri_field: uri_format % i} for i in ids]


def MapFields(names: Sequence[str], data: Sequence[Any]) -> dict[str, Any]:
    """One query row as {field: value}."""
    if len(names) != len(data):
        raise HttpBadGateway("Master daemon returned %d values for %d fields"
                             % (len(data), len(names)))
    return dict(zip(names, data))


def MapBulkFields(rows: Iterable[Sequence[Any]], names: Sequence[str]) -> list[dict[str, Any]]:
    return [MapFields(names, row) for row in rows]


class ResourceBase:
    """Base of all resources: request data and the helpers they use."""

    #: Access a user needs per method; an empty list: anyone (if reads are open).
    GET_ACCESS: ClassVar[list[str]] = []
    PUT_ACCESS: ClassVar[list[str]] = [constants.RAPI_ACCESS_WRITE]
    POST_ACCESS: ClassVar[list[str]] = [constants.RAPI_ACCESS_WRITE]
    DELETE_ACCESS: ClassVar[list[str]] = [constants.RAPI_ACCESS_WRITE]

    def __init__(self, items: Sequence[str], queryargs: Mapping[str, list[str]],
                 body: Any, env: RapiEnvironment):
        self.items = items
        self.queryargs = queryargs
        self.request_body = body
        self.env = env

    # --- query arguments ---------------------------------------------------------
    def QueryString(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query argument, or default."""
        values = self.queryargs.get(name)
        return values[0] if values else default

    def RequireQueryString(self, name: str) -> str:
        value = self.QueryString(name)
        if not value:
            raise http.HttpBadRequest("Missing the required '%s' parameter" % name)
        return value

    def QueryBool(self, name: str, default: bool | None = False) -> bool | None:
        """A 0/1 (or true/false) query argument; 400 naming it for anything else."""
        value = self.QueryString(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE_VALUES:
            return True
        if lowered in _FALSE_VALUES:
            return False
        raise http.HttpBadRequest("Invalid value %s for the '%s' parameter: expected 0 or 1"
                                  % (_Short(value), name))

    def useBulk(self) -> bool:  # noqa: N802 - upstream's name
        return bool(self.QueryBool("bulk"))

    def dryRun(self) -> bool:  # noqa: N802
        return bool(self.QueryBool("dry-run"))

    def useForce(self) -> bool:  # noqa: N802
        return bool(self.QueryBool("force"))

    def useLocking(self) -> bool:  # noqa: N802
        return bool(self.QueryBool("lock"))

    def RefuseQueryFlag(self, name: str) -> None:
        """400 if an upstream flag this cluster cannot honour is set."""
        if self.QueryBool(name):
            raise http.HttpBadRequest("Parameter '%s' is not supported by this cluster" % name)

    def GetFields(self, all_fields: Sequence[str]) -> list[str]:
        """The fields= selection (comma-separated) or all_fields; 400 for unknown ones."""
        raw = self.QueryString("fields")
        if raw is None:
            return list(all_fields)
        fields = [f for f in raw.split(",") if f]
        unknown = [f for f in fields if f not in all_fields]
        if unknown or not fields:
            raise http.HttpBadRequest("Unknown field(s) in 'fields': %s"
                                      % (", ".join(unknown) or "(none given)"))
        return fields

    # --- body ----------------------------------------------------------------------
    def GetBodyDict(self) -> dict[str, Any]:
        """The body as a JSON object ({} when there is none)."""
        if self.request_body is None:
            return {}
        return CheckType(self.request_body, dict, "The request body")

    # --- luxi and jobs -----------------------------------------------------------------
    def Luxi(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.env.luxi.Call(method, *args, **kwargs)

    def SubmitJob(self, ops: Sequence[opcodes.OpCode]) -> str:
        """Submit one job (dry-run applied to every opcode); its id, a string."""
        if self.dryRun():
            for op in ops:
                op.dry_run = True
        return str(self.Luxi("SubmitJob", list(ops)))

    def WaitForJobResult(self, job_id: str, timeout: float = SYNC_JOB_TIMEOUT) -> list[Any]:
        """The opcode results of a job once it succeeded; its error as HTTP otherwise."""
        deadline = time.monotonic() + timeout
        prev_info = None
        serial = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HttpGatewayTimeout("Job %s did not finish within %ds" % (job_id, timeout))
            change = self.Luxi("WaitForJobChangeOnce", job_id, ["status"], prev_info, serial,
                               timeout=min(remaining, WFJC_TIMEOUT))
            if change is None:
                raise HttpBadGateway("Job %s disappeared" % job_id)
            if change == constants.JOB_NOTCHANGED:
                continue
            prev_info, log_entries = change
            if log_entries:
                serial = log_entries[-1][0]
            if prev_info[0] in constants.JOBS_FINALIZED:
                break
        status, opresult = self.Luxi("QueryJobs", [job_id], ["status", "opresult"])[0]
        if status == constants.JOB_STATUS_SUCCESS:
            return opresult
        for result in opresult:
            err = errors.DecodeException(result)
            if err is not None:
                raise MapError(err)
        raise http.HttpInternalServerError("Job %s ended with status %s" % (job_id, status))
