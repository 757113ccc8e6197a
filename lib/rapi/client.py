"""Ganeti remote API client, standalone: the standard library only.

Method names, arguments and return values are upstream's (ganeti.rapi.client
of Ganeti 2.x/3.0), so programs written against upstream's client work with
this one: ``GanetiRapiClient(host, port=5080, username=None, password=None,
curl_config_fn=GenericCurlConfig(cafile=...))``. Instead of pycurl it speaks
HTTPS through http.client and ssl, keeping one kept-alive connection per
thread. GenericCurlConfig's TLS and timeout settings are honoured; a
certificate is only verified when a CA file (the cluster's rapi.pem), a CA
path or the system bundle is given, as upstream.

Every failure raises GanetiApiError; its ``code`` is the HTTP status (or
None when no HTTP answer came), CertificateError when TLS verification
failed.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import ssl
import threading
import time
import urllib.parse
from typing import Any, Callable, Iterable

GANETI_RAPI_PORT = 5080
GANETI_RAPI_VERSION = 2

HTTP_DELETE = "DELETE"
HTTP_GET = "GET"
HTTP_PUT = "PUT"
HTTP_POST = "POST"
HTTP_OK = 200
HTTP_NOT_FOUND = 404
HTTP_APP_JSON = "application/json"

REPLACE_DISK_PRI = "replace_on_primary"
REPLACE_DISK_SECONDARY = "replace_on_secondary"
REPLACE_DISK_CHG = "replace_new_secondary"
REPLACE_DISK_AUTO = "replace_auto"

NODE_EVAC_PRI = "primary-only"
NODE_EVAC_SEC = "secondary-only"
NODE_EVAC_ALL = "all"

NODE_ROLE_DRAINED = "drained"
NODE_ROLE_MASTER_CANDIDATE = "master-candidate"
NODE_ROLE_MASTER = "master"
NODE_ROLE_OFFLINE = "offline"
NODE_ROLE_REGULAR = "regular"

JOB_STATUS_QUEUED = "queued"
JOB_STATUS_WAITING = "waiting"
JOB_STATUS_CANCELING = "canceling"
JOB_STATUS_RUNNING = "running"
JOB_STATUS_CANCELED = "canceled"
JOB_STATUS_SUCCESS = "success"
JOB_STATUS_ERROR = "error"
JOB_STATUS_PENDING = frozenset([JOB_STATUS_QUEUED, JOB_STATUS_WAITING, JOB_STATUS_CANCELING])
JOB_STATUS_FINALIZED = frozenset([JOB_STATUS_CANCELED, JOB_STATUS_SUCCESS, JOB_STATUS_ERROR])
JOB_STATUS_ALL = frozenset([JOB_STATUS_RUNNING]) | JOB_STATUS_PENDING | JOB_STATUS_FINALIZED
JOB_STATUS_WAITLOCK = JOB_STATUS_WAITING  # legacy name

INST_CREATE_REQV1 = "instance-create-reqv1"
INST_REINSTALL_REQV1 = "instance-reinstall-reqv1"
NODE_MIGRATE_REQV1 = "node-migrate-reqv1"
NODE_EVAC_RES1 = "node-evac-res1"
_REQ_DATA_VERSION_FIELD = "__version__"
_QPARAM_DRY_RUN = "dry-run"
_QPARAM_FORCE = "force"
_DEFAULT_TIMEOUT = 60.0

Query = list[tuple[str, Any]]


class Error(Exception):
    """Base error class for this module."""


class GanetiApiError(Error):
    """A request failed; code is the HTTP status (None: no HTTP answer)."""

    def __init__(self, msg: str, code: int | None = None):
        Error.__init__(self, msg)
        self.code = code


class CertificateError(GanetiApiError):
    """The server's certificate could not be verified."""


class _TlsConfig:
    """What GenericCurlConfig asks for, applied to ssl and http.client here."""

    def __init__(self, use_curl_cabundle: bool, cafile: str | None, capath: str | None,
                 verify_hostname: bool, connect_timeout: float | None, timeout: float | None):
        self.use_system_bundle = use_curl_cabundle
        self.cafile = cafile
        self.capath = capath
        self.verify_hostname = verify_hostname
        self.connect_timeout = connect_timeout
        self.timeout = timeout

    def __call__(self, *_args: Any) -> None:
        raise Error("This client does not use pycurl; pass the configuration as"
                    " curl_config_fn instead of calling it")

    def MakeContext(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.cafile or self.capath or self.use_system_bundle:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.check_hostname = self.verify_hostname
            if self.use_system_bundle:
                ctx.load_default_certs()
            else:
                ctx.load_verify_locations(cafile=self.cafile, capath=self.capath)
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


def GenericCurlConfig(verbose: bool = False, use_signal: bool = False,
                      use_curl_cabundle: bool = False, cafile: str | None = None,
                      capath: str | None = None, proxy: str | None = None,
                      verify_hostname: bool = False, connect_timeout: float | None = None,
                      timeout: float | None = None) -> _TlsConfig:
    """Upstream's configuration helper: TLS verification and timeouts.

    verbose and use_signal are accepted and ignored (they only concern
    pycurl); proxies are not supported.
    """
    if use_curl_cabundle and (cafile or capath):
        raise Error("Can not use default CA bundle when CA file or path is set")
    if proxy:
        raise Error("Proxies are not supported by this client")
    return _TlsConfig(use_curl_cabundle, cafile, capath, verify_hostname, connect_timeout,
                      timeout)


def _AppendIf(container: list, condition: Any, value: Any) -> Any:
    if condition:
        container.append(value)
    return condition


def _AppendDryRunIf(container: Query, condition: Any) -> Any:
    return _AppendIf(container, condition, (_QPARAM_DRY_RUN, 1))


def _AppendForceIf(container: Query, condition: Any) -> Any:
    return _AppendIf(container, condition, (_QPARAM_FORCE, 1))


def _AppendReason(container: Query, reason: str | None) -> Any:
    return _AppendIf(container, reason, ("reason", reason))


def _SetItemIf(container: dict, condition: Any, item: str, value: Any) -> Any:
    if condition:
        container[item] = value
    return condition


def _EncodeQuery(query: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Query values as upstream encodes them (booleans as 0/1, None as "")."""
    result = []
    for name, value in query:
        if value is None:
            result.append((name, ""))
        elif isinstance(value, bool):
            result.append((name, int(value)))
        elif isinstance(value, (list, tuple, dict)):
            raise ValueError("Invalid query data type %r" % type(value).__name__)
        else:
            result.append((name, value))
    return result


class GanetiRapiClient:
    """Ganeti RAPI client; thread-safe (one connection per thread)."""

    USER_AGENT = "Ganeti RAPI Client"

    def __init__(self, host: str, port: int = GANETI_RAPI_PORT, username: str | None = None,
                 password: str | None = None, logger: Any = logging,
                 curl_config_fn: _TlsConfig | None = None,
                 curl_factory: Callable[[], Any] | None = None):
        if username is not None:
            if password is None:
                raise Error("Password not specified")
        elif password:
            raise Error("Specified password without username")
        if curl_factory is not None:
            raise Error("curl_factory is not supported: this client does not use pycurl")
        if curl_config_fn is None:
            curl_config_fn = GenericCurlConfig()
        if not isinstance(curl_config_fn, _TlsConfig):
            raise Error("curl_config_fn must be made by GenericCurlConfig()")
        self._host = host
        self._port = port
        self._logger = logger
        self._config = curl_config_fn
        self._ssl_context = curl_config_fn.MakeContext()
        self._headers = {"Accept": HTTP_APP_JSON, "Content-type": HTTP_APP_JSON,
                         "User-Agent": self.USER_AGENT}
        if username is not None:
            token = base64.b64encode(("%s:%s" % (username, password)).encode("utf-8"))
            self._headers["Authorization"] = "Basic " + token.decode("ascii")
        self._local = threading.local()

    # --- transport ------------------------------------------------------------
    def _Connection(self) -> tuple[http.client.HTTPSConnection, bool]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, True
        conn = http.client.HTTPSConnection(self._host, self._port,
                                           timeout=self._config.timeout or _DEFAULT_TIMEOUT,
                                           context=self._ssl_context)
        self._local.conn = conn
        return conn, False

    def _Connect(self, conn: http.client.HTTPSConnection) -> None:
        """Connect with the connect timeout, then use the transfer timeout."""
        transfer_timeout = conn.timeout
        conn.timeout = self._config.connect_timeout
        conn.connect()
        conn.timeout = transfer_timeout
        conn.sock.settimeout(transfer_timeout)

    def Close(self) -> None:
        """Close this thread's connection (the next request opens a new one)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def _Exchange(self, method: str, url: str, body: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            conn, reused = self._Connection()
            try:
                if not reused and self._config.connect_timeout:
                    self._Connect(conn)
                conn.request(method, url, body=body, headers=self._headers)
                resp = conn.getresponse()
                data = resp.read()
            except ssl.SSLCertVerificationError as err:
                self.Close()
                raise CertificateError("SSL certificate error %s" % err) from err
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as err:
                self.Close()
                if reused and attempt == 0:
                    continue  # an idle kept-alive connection the server had closed
                raise GanetiApiError("Connection to %s:%s failed: %s"
                                     % (self._host, self._port, err)) from err
            except (OSError, http.client.HTTPException) as err:
                self.Close()
                raise GanetiApiError("Request to %s:%s failed: %s"
                                     % (self._host, self._port, err)) from err
            if resp.will_close:
                self.Close()
            return resp.status, data
        raise AssertionError("unreachable")

    def _SendRequest(self, method: str, path: str, query: Query | None, content: Any) -> Any:
        """Send one request; the decoded JSON answer, or GanetiApiError."""
        assert path.startswith("/")
        body = b"" if content is None else json.dumps(content, sort_keys=True).encode("utf-8")
        url = path
        if query:
            url += "?" + urllib.parse.urlencode(_EncodeQuery(query))
        self._logger.debug("Sending request %s %s (content=%r)", method, url, body)
        status, data = self._Exchange(method, url, body)
        try:
            response = json.loads(data) if data else None
        except ValueError as err:
            raise GanetiApiError("Invalid JSON in the answer to %s %s: %s" % (method, path, err),
                                 code=status) from err
        if status != HTTP_OK:
            if isinstance(response, dict) and {"code", "message", "explain"} <= set(response):
                msg = "%s %s: %s" % (response["code"], response["message"], response["explain"])
            else:
                msg = str(response)
            raise GanetiApiError(msg, code=status)
        return response

    def _Get(self, path: str, query: Query | None = None, reason: str | None = None) -> Any:
        query = list(query or [])
        _AppendReason(query, reason)
        return self._SendRequest(HTTP_GET, "/%s%s" % (GANETI_RAPI_VERSION, path), query, None)

    def _Write(self, method: str, path: str, query: Query | None = None, body: Any = None,
               reason: str | None = None, dry_run: bool = False) -> Any:
        query = list(query or [])
        _AppendDryRunIf(query, dry_run)
        _AppendReason(query, reason)
        return self._SendRequest(method, "/%s%s" % (GANETI_RAPI_VERSION, path), query, body)

    # --- cluster ----------------------------------------------------------------
    def GetVersion(self) -> int:
        """The remote API version (2)."""
        return self._SendRequest(HTTP_GET, "/version", None, None)

    def GetFeatures(self) -> list[str]:
        """Optional features of the server ([] for servers without the resource)."""
        try:
            return self._Get("/features")
        except GanetiApiError as err:
            if err.code == HTTP_NOT_FOUND:
                return []
            raise

    def GetOperatingSystems(self, reason: str | None = None) -> list[str]:
        return self._Get("/os", reason=reason)

    def GetInfo(self, reason: str | None = None) -> dict[str, Any]:
        return self._Get("/info", reason=reason)

    def RedistributeConfig(self, reason: str | None = None) -> str:
        return self._Write(HTTP_PUT, "/redistribute-config", reason=reason)

    def ModifyCluster(self, reason: str | None = None, **kwargs: Any) -> str:
        return self._Write(HTTP_PUT, "/modify", body=kwargs, reason=reason)

    def GetClusterTags(self, reason: str | None = None) -> list[str]:
        return self._Get("/tags", reason=reason)

    def AddClusterTags(self, tags: list[str], dry_run: bool = False,
                       reason: str | None = None) -> str:
        return self._Write(HTTP_PUT, "/tags", [("tag", t) for t in tags], reason=reason,
                           dry_run=dry_run)

    def DeleteClusterTags(self, tags: list[str], dry_run: bool = False,
                          reason: str | None = None) -> str:
        return self._Write(HTTP_DELETE, "/tags", [("tag", t) for t in tags], reason=reason,
                           dry_run=dry_run)

    # Short names for the cluster's tags.
    GetTags = GetClusterTags
    AddTags = AddClusterTags
    DeleteTags = DeleteClusterTags

    # --- instances -----------------------------------------------------------------
    def GetInstances(self, bulk: bool = False, reason: str | None = None) -> list[Any]:
        """Instance names, or (bulk) a dict of details per instance."""
        query: Query = []
        _AppendIf(query, bulk, ("bulk", 1))
        instances = self._Get("/instances", query, reason)
        return instances if bulk else [i["id"] for i in instances]

    def GetInstance(self, instance: str, reason: str | None = None) -> dict[str, Any]:
        return self._Get("/instances/%s" % instance, reason=reason)

    def GetInstanceInfo(self, instance: str, static: bool | None = None,
                        reason: str | None = None) -> str:
        """A job id; the job's result is the detailed information."""
        query: Query = []
        if static is not None:
            query.append(("static", static))
        return self._Get("/instances/%s/info" % instance, query, reason)

    @staticmethod
    def _UpdateWithKwargs(base: dict[str, Any], **kwargs: Any) -> None:
        conflicts = set(kwargs) & set(base)
        if conflicts:
            raise GanetiApiError("Required fields can not be specified as keywords: %s"
                                 % ", ".join(sorted(conflicts)))
        base.update((k, v) for k, v in kwargs.items() if k != "dry_run")

    def InstanceAllocation(self, mode: str, name: str, disk_template: str,
                           disks: list[dict], nics: list[dict], **kwargs: Any) -> dict:
        """The body of an instance creation request (version 1)."""
        alloc = {"mode": mode, "name": name, "disk_template": disk_template, "disks": disks,
                 "nics": nics}
        self._UpdateWithKwargs(alloc, **kwargs)
        return alloc

    def CreateInstance(self, mode: str, name: str, disk_template: str, disks: list[dict],
                       nics: list[dict], reason: str | None = None, **kwargs: Any) -> str:
        """Create an instance (request version 1); a job id."""
        if INST_CREATE_REQV1 not in self.GetFeatures():
            raise GanetiApiError("Server does not support new-style (version 1)"
                                 " instance creation requests")
        body = self.InstanceAllocation(mode, name, disk_template, disks, nics, **kwargs)
        body[_REQ_DATA_VERSION_FIELD] = 1
        return self._Write(HTTP_POST, "/instances", body=body, reason=reason,
                           dry_run=kwargs.get("dry_run", False))

    def DeleteInstance(self, instance: str, dry_run: bool = False, reason: str | None = None,
                       **kwargs: Any) -> str:
        return self._Write(HTTP_DELETE, "/instances/%s" % instance, body=kwargs or None,
                           reason=reason, dry_run=dry_run)

    def ModifyInstance(self, instance: str, reason: str | None = None, **kwargs: Any) -> str:
        return self._Write(HTTP_PUT, "/instances/%s/modify" % instance, body=kwargs,
                           reason=reason)

    def ActivateInstanceDisks(self, instance: str, ignore_size: bool | None = None,
                              reason: str | None = None) -> str:
        query: Query = []
        _AppendIf(query, ignore_size, ("ignore_size", 1))
        return self._Write(HTTP_PUT, "/instances/%s/activate-disks" % instance, query,
                           reason=reason)

    def DeactivateInstanceDisks(self, instance: str, reason: str | None = None,
                                force: bool = False) -> str:
        query: Query = []
        _AppendForceIf(query, force)
        return self._Write(HTTP_PUT, "/instances/%s/deactivate-disks" % instance, query,
                           reason=reason)

    def RecreateInstanceDisks(self, instance: str, disks: list[int] | None = None,
                              nodes: list[str] | None = None, reason: str | None = None,
                              iallocator: str | None = None) -> str:
        body: dict[str, Any] = {}
        _SetItemIf(body, disks is not None, "disks", disks)
        _SetItemIf(body, nodes is not None, "nodes", nodes)
        _SetItemIf(body, iallocator is not None, "iallocator", iallocator)
        return self._Write(HTTP_POST, "/instances/%s/recreate-disks" % instance, body=body,
                           reason=reason)

    def GrowInstanceDisk(self, instance: str, disk: int, amount: int,
                         wait_for_sync: bool | None = None, reason: str | None = None) -> str:
        body: dict[str, Any] = {"amount": amount}
        _SetItemIf(body, wait_for_sync is not None, "wait_for_sync", wait_for_sync)
        return self._Write(HTTP_POST, "/instances/%s/disk/%s/grow" % (instance, disk),
                           body=body, reason=reason)

    def GetInstanceTags(self, instance: str, reason: str | None = None) -> list[str]:
        return self._Get("/instances/%s/tags" % instance, reason=reason)

    def AddInstanceTags(self, instance: str, tags: list[str], dry_run: bool = False,
                        reason: str | None = None) -> str:
        return self._Write(HTTP_PUT, "/instances/%s/tags" % instance,
                           [("tag", t) for t in tags], reason=reason, dry_run=dry_run)

    def DeleteInstanceTags(self, instance: str, tags: list[str], dry_run: bool = False,
                           reason: str | None = None) -> str:
        return self._Write(HTTP_DELETE, "/instances/%s/tags" % instance,
                           [("tag", t) for t in tags], reason=reason, dry_run=dry_run)

    def RebootInstance(self, instance: str, reboot_type: str | None = None,
                       ignore_secondaries: bool | None = None, dry_run: bool = False,
                       reason: str | None = None, **kwargs: Any) -> str:
        query: Query = []
        _AppendIf(query, reboot_type, ("type", reboot_type))
        _AppendIf(query, ignore_secondaries is not None,
                  ("ignore_secondaries", ignore_secondaries))
        return self._Write(HTTP_POST, "/instances/%s/reboot" % instance, query,
                           body=kwargs or None, reason=reason, dry_run=dry_run)

    def ShutdownInstance(self, instance: str, dry_run: bool = False, no_remember: bool = False,
                         reason: str | None = None, **kwargs: Any) -> str:
        query: Query = []
        _AppendIf(query, no_remember, ("no_remember", 1))
        return self._Write(HTTP_PUT, "/instances/%s/shutdown" % instance, query,
                           body=kwargs or None, reason=reason, dry_run=dry_run)

    def StartupInstance(self, instance: str, dry_run: bool = False, no_remember: bool = False,
                        reason: str | None = None) -> str:
        query: Query = []
        _AppendIf(query, no_remember, ("no_remember", 1))
        return self._Write(HTTP_PUT, "/instances/%s/startup" % instance, query,
                           reason=reason, dry_run=dry_run)

    def ReinstallInstance(self, instance: str, os: str | None = None, no_startup: bool = False,
                          osparams: dict | None = None, reason: str | None = None) -> str:
        path = "/instances/%s/reinstall" % instance
        if INST_REINSTALL_REQV1 in self.GetFeatures():
            body: dict[str, Any] = {"start": not no_startup}
            _SetItemIf(body, os is not None, "os", os)
            _SetItemIf(body, osparams is not None, "osparams", osparams)
            return self._Write(HTTP_POST, path, body=body, reason=reason)
        if osparams:
            raise GanetiApiError("Server does not support specifying OS parameters"
                                 " for instance reinstallation")
        query: Query = []
        _AppendIf(query, os, ("os", os))
        _AppendIf(query, no_startup, ("nostartup", 1))
        return self._Write(HTTP_POST, path, query)

    def ReplaceInstanceDisks(self, instance: str, disks: list[int] | None = None,
                             mode: str = REPLACE_DISK_AUTO, remote_node: str | None = None,
                             iallocator: str | None = None, reason: str | None = None,
                             early_release: bool | None = None) -> str:
        query: Query = [("mode", mode)]
        if disks is not None:
            query.append(("disks", ",".join(str(idx) for idx in disks)))
        _AppendIf(query, remote_node is not None, ("remote_node", remote_node))
        _AppendIf(query, iallocator is not None, ("iallocator", iallocator))
        _AppendIf(query, early_release is not None, ("early_release", early_release))
        return self._Write(HTTP_POST, "/instances/%s/replace-disks" % instance, query,
                           reason=reason)

    def ExportInstance(self, instance: str, mode: str, destination: str,
                       shutdown: bool | None = None, remove_instance: bool | None = None,
                       x509_key_name: str | None = None, destination_x509_ca: str | None = None,
                       compress: str | None = None, reason: str | None = None) -> str:
        body: dict[str, Any] = {"destination": destination, "mode": mode}
        _SetItemIf(body, shutdown is not None, "shutdown", shutdown)
        _SetItemIf(body, remove_instance is not None, "remove_instance", remove_instance)
        _SetItemIf(body, x509_key_name is not None, "x509_key_name", x509_key_name)
        _SetItemIf(body, destination_x509_ca is not None, "destination_x509_ca",
                   destination_x509_ca)
        _SetItemIf(body, compress is not None, "compress", compress)
        return self._Write(HTTP_PUT, "/instances/%s/export" % instance, body=body,
                           reason=reason)

    def MigrateInstance(self, instance: str, mode: str | None = None,
                        cleanup: bool | None = None, target_node: str | None = None,
                        reason: str | None = None) -> str:
        body: dict[str, Any] = {}
        _SetItemIf(body, mode is not None, "mode", mode)
        _SetItemIf(body, cleanup is not None, "cleanup", cleanup)
        _SetItemIf(body, target_node is not None, "target_node", target_node)
        return self._Write(HTTP_PUT, "/instances/%s/migrate" % instance, body=body,
                           reason=reason)

    def FailoverInstance(self, instance: str, iallocator: str | None = None,
                         ignore_consistency: bool | None = None,
                         target_node: str | None = None, reason: str | None = None) -> str:
        body: dict[str, Any] = {}
        _SetItemIf(body, iallocator is not None, "iallocator", iallocator)
        _SetItemIf(body, ignore_consistency is not None, "ignore_consistency",
                   ignore_consistency)
        _SetItemIf(body, target_node is not None, "target_node", target_node)
        return self._Write(HTTP_PUT, "/instances/%s/failover" % instance, body=body,
                           reason=reason)

    def RenameInstance(self, instance: str, new_name: str, ip_check: bool | None = None,
                       name_check: bool | None = None, reason: str | None = None) -> str:
        body: dict[str, Any] = {"new_name": new_name}
        _SetItemIf(body, ip_check is not None, "ip_check", ip_check)
        _SetItemIf(body, name_check is not None, "name_check", name_check)
        return self._Write(HTTP_PUT, "/instances/%s/rename" % instance, body=body,
                           reason=reason)

    def GetInstanceConsole(self, instance: str, reason: str | None = None) -> dict[str, Any]:
        return self._Get("/instances/%s/console" % instance, reason=reason)

    # --- jobs ---------------------------------------------------------------------
    def GetJobs(self, bulk: bool = False) -> list[Any]:
        """Job ids (ints), or (bulk) a dict per job."""
        if bulk:
            return self._Get("/jobs", [("bulk", 1)])
        return [int(j["id"]) for j in self._Get("/jobs")]

    def GetJobStatus(self, job_id: Any) -> dict[str, Any]:
        return self._Get("/jobs/%s" % job_id)

    def WaitForJobCompletion(self, job_id: Any, period: float = 5, retries: int = -1) -> bool:
        """Poll until the job finished: True if it succeeded (deprecated upstream too)."""
        while retries != 0:
            job_result = self.GetJobStatus(job_id)
            if job_result and job_result["status"] == JOB_STATUS_SUCCESS:
                return True
            if not job_result or job_result["status"] in JOB_STATUS_FINALIZED:
                return False
            if period:
                time.sleep(period)
            if retries > 0:
                retries -= 1
        return False

    def WaitForJobChange(self, job_id: Any, fields: list[str], prev_job_info: Any,
                         prev_log_serial: Any) -> dict[str, Any] | None:
        """None if nothing changed within the server's wait, else {job_info, log_entries}."""
        body = {"fields": fields, "previous_job_info": prev_job_info,
                "previous_log_serial": prev_log_serial}
        return self._SendRequest(HTTP_GET, "/%s/jobs/%s/wait" % (GANETI_RAPI_VERSION, job_id),
                                 None, body)

    def CancelJob(self, job_id: Any, dry_run: bool = False) -> list[Any]:
        """(success, message)."""
        return self._Write(HTTP_DELETE, "/jobs/%s" % job_id, dry_run=dry_run)

    # --- nodes ----------------------------------------------------------------------
    def GetNodes(self, bulk: bool = False, reason: str | None = None) -> list[Any]:
        query: Query = []
        _AppendIf(query, bulk, ("bulk", 1))
        nodes = self._Get("/nodes", query, reason)
        return nodes if bulk else [n["id"] for n in nodes]

    def GetNode(self, node: str, reason: str | None = None) -> dict[str, Any]:
        return self._Get("/nodes/%s" % node, reason=reason)

    def GetGroups(self, bulk: bool = False, reason: str | None = None) -> list[Any]:
        query: Query = []
        _AppendIf(query, bulk, ("bulk", 1))
        groups = self._Get("/groups", query, reason)
        return groups if bulk else [g["name"] for g in groups]

    def GetGroup(self, group: str, reason: str | None = None) -> dict[str, Any]:
        return self._Get("/groups/%s" % group, reason=reason)

    def EvacuateNode(self, node: str, iallocator: str | None = None,
                     remote_node: str | None = None, dry_run: bool = False,
                     early_release: bool | None = None, mode: str | None = None,
                     accept_old: bool = False, reason: str | None = None) -> Any:
        """A job id (servers with node-evac-res1) or, with accept_old, 2.4's list."""
        if iallocator and remote_node:
            raise GanetiApiError("Only one of iallocator or remote_node can be used")
        query: Query = []
        path = "/nodes/%s/evacuate" % node
        if NODE_EVAC_RES1 in self.GetFeatures():
            body: dict[str, Any] = {}
            _SetItemIf(body, iallocator is not None, "iallocator", iallocator)
            _SetItemIf(body, remote_node is not None, "remote_node", remote_node)
            _SetItemIf(body, early_release is not None, "early_release", early_release)
            _SetItemIf(body, mode is not None, "mode", mode)
            return self._Write(HTTP_POST, path, body=body, reason=reason, dry_run=dry_run)
        if not accept_old:
            raise GanetiApiError("Server is version 2.4 or earlier and caller does not"
                                 " accept old-style results (parameter accept_old)")
        if mode is not None and mode != NODE_EVAC_SEC:
            raise GanetiApiError("Server can only evacuate secondary instances")
        _AppendIf(query, iallocator, ("iallocator", iallocator))
        _AppendIf(query, remote_node, ("remote_node", remote_node))
        _AppendIf(query, early_release, ("early_release", 1))
        return self._Write(HTTP_POST, path, query, reason=reason, dry_run=dry_run)

    def MigrateNode(self, node: str, mode: str | None = None, dry_run: bool = False,
                    iallocator: str | None = None, target_node: str | None = None,
                    reason: str | None = None) -> str:
        path = "/nodes/%s/migrate" % node
        if NODE_MIGRATE_REQV1 in self.GetFeatures():
            body: dict[str, Any] = {}
            _SetItemIf(body, mode is not None, "mode", mode)
            _SetItemIf(body, iallocator is not None, "iallocator", iallocator)
            _SetItemIf(body, target_node is not None, "target_node", target_node)
            return self._Write(HTTP_POST, path, body=body, reason=reason, dry_run=dry_run)
        if target_node is not None:
            raise GanetiApiError("Server does not support specifying target node"
                                 " for node migration")
        query: Query = []
        _AppendIf(query, mode is not None, ("mode", mode))
        return self._Write(HTTP_POST, path, query, reason=reason, dry_run=dry_run)

    def GetNodeRole(self, node: str, reason: str | None = None) -> str:
        return self._Get("/nodes/%s/role" % node, reason=reason)

    def SetNodeRole(self, node: str, role: str, force: bool = False,
                    auto_promote: bool | None = None, reason: str | None = None) -> str:
        query: Query = []
        _AppendForceIf(query, force)
        _AppendIf(query, auto_promote is not None, ("auto-promote", auto_promote))
        return self._Write(HTTP_PUT, "/nodes/%s/role" % node, query, body=role, reason=reason)

    def PowercycleNode(self, node: str, force: bool = False, reason: str | None = None) -> str:
        query: Query = []
        _AppendForceIf(query, force)
        return self._Write(HTTP_POST, "/nodes/%s/powercycle" % node, query, reason=reason)

    def ModifyNode(self, node: str, reason: str | None = None, **kwargs: Any) -> str:
        return self._Write(HTTP_POST, "/nodes/%s/modify" % node, body=kwargs, reason=reason)

    def GetNodeStorageUnits(self, node: str, storage_type: str, output_fields: str,
                            reason: str | None = None) -> str:
        """A job id; the job's result lists the storage units."""
        query: Query = [("storage_type", storage_type), ("output_fields", output_fields)]
        return self._Get("/nodes/%s/storage" % node, query, reason)

    def ModifyNodeStorageUnits(self, node: str, storage_type: str, name: str,
                               allocatable: bool | None = None,
                               reason: str | None = None) -> str:
        query: Query = [("storage_type", storage_type), ("name", name)]
        _AppendIf(query, allocatable is not None, ("allocatable", allocatable))
        return self._Write(HTTP_PUT, "/nodes/%s/storage/modify" % node, query, reason=reason)

    def RepairNodeStorageUnits(self, node: str, storage_type: str, name: str,
                               reason: str | None = None) -> str:
        query: Query = [("storage_type", storage_type), ("name", name)]
        return self._Write(HTTP_PUT, "/nodes/%s/storage/repair" % node, query, reason=reason)

    def GetNodeTags(self, node: str, reason: str | None = None) -> list[str]:
        return self._Get("/nodes/%s/tags" % node, reason=reason)

    def AddNodeTags(self, node: str, tags: list[str], dry_run: bool = False,
                    reason: str | None = None) -> str:
        return self._Write(HTTP_PUT, "/nodes/%s/tags" % node, [("tag", t) for t in tags],
                           body=tags, reason=reason, dry_run=dry_run)

    def DeleteNodeTags(self, node: str, tags: list[str], dry_run: bool = False,
                       reason: str | None = None) -> str:
        return self._Write(HTTP_DELETE, "/nodes/%s/tags" % node, [("tag", t) for t in tags],
                           reason=reason, dry_run=dry_run)
