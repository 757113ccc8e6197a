"""ganeti-rapi's main: the remote API over HTTPS on the master node.

Each request is routed (ganeti.rapi.connector), authenticated against the
users file and checked for access *before* its body is read, then handed to
a resource, which reads through luxi queries or submits a job. Reads are
open to anyone who can connect unless --require-authentication is given
(upstream's default and option); every other method needs a user with the
``write`` option. The users file is re-read whenever it changes.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from ganeti import constants, daemon, errors, http, pathutils, ssconf
from ganeti.http import auth as http_auth
from ganeti.http import routing, server, tls
from ganeti.rapi import auth, baserlib, connector
from ganeti.utils import x509

DEFAULT_CACHE_TTL = 1.0
MAX_REQUEST_BODY = 1024 * 1024  # instance specifications are a few KiB
STOP_TIMEOUT = 10.0
#: Interpreter thread switch interval: requests are short, and with the default
#: 5 ms a thread back from I/O waits behind a busy one far longer than it works.
SWITCH_INTERVAL = 0.0005
_METHODS = frozenset([http.HTTP_GET, http.HTTP_PUT, http.HTTP_POST, http.HTTP_DELETE])


class RapiHandler(server.HttpServerHandler):
    """Routes, authenticates and runs RAPI requests."""

    def __init__(self, users: auth.UsersFile, env: baserlib.RapiEnvironment,
                 require_auth: bool = False):
        self.users = users
        self.env = env
        self.require_auth = require_auth
        self._router = connector.BuildRouter()

    def _Authenticate(self, req: server.HttpServerRequest) -> auth.PasswordFileUser:
        found: list[auth.PasswordFileUser] = []

        def _Check(name: str, password: str) -> bool:
            user = self.users.Authenticate(name, password)
            if user is not None:
                found.append(user)
            return user is not None
        http_auth.RequireBasicAuth(req.headers, auth.REALM, _Check)
        return found[0]

    def PreHandleRequest(self, req: server.HttpServerRequest) -> None:
        """Find the resource and check access; nothing of the body is read yet."""
        try:
            resource, items = self._router.Match(req.path)
        except http.HttpNotFound:
            raise http.HttpNotFound("No resource at %s" % req.path[:200]) from None
        method = http.HTTP_GET if req.method == http.HTTP_HEAD else req.method
        if method not in _METHODS or not callable(getattr(resource, method, None)):
            raise http.HttpMethodNotAllowed(
                "Method %s is not supported by this resource" % req.method[:16],
                headers={http.HTTP_ALLOW: ", ".join(routing.AllowedMethods(resource))})
        access = getattr(resource, method + "_ACCESS")
        user = None
        if access or self.require_auth or http.HTTP_AUTHORIZATION in req.headers:
            user = self._Authenticate(req)
            if constants.RAPI_ACCESS_WRITE in access and not user.can_write:
                raise http.HttpForbidden("User %s has no write access" % user.name)
        req.private = (resource, items, method, user)

    def HandleRequest(self, req: server.HttpServerRequest) -> Any:
        resource, items, method, user = req.private
        try:
            body = req.GetJsonBody()
        except RecursionError:
            raise http.HttpBadRequest("Request body is nested too deeply") from None
        instance = resource(items, req.GetQueryArgs(), body, self.env)
        try:
            result = getattr(instance, method)()
        except http.HttpException:
            raise
        except errors.GenericError as err:
            raise baserlib.MapError(err) from err
        if method != http.HTTP_GET:
            logging.info("%s %s by %s from %s: %s", method, req.path[:200],
                         user.name if user else "-", req.peer[0], str(result)[:100])
        if isinstance(result, bytes):
            req.resp_headers[http.HTTP_CONTENT_TYPE] = http.HTTP_APP_JSON
        return result


def CheckRapi(options: Any, args: list[str]) -> None:
    """Run on the master only, with a usable certificate (before detaching)."""
    if args:
        print("Usage: %s [-f] [-d] [-b ADDRESS] [-p PORT] [--require-authentication]"
              % constants.RAPI, file=sys.stderr)
        sys.exit(constants.EXIT_FAILURE)
    ssconf.CheckMaster(options.debug)
    if options.ssl:
        try:
            x509.CheckKeyCertFile(options.ssl_cert)
        except errors.X509CertError as err:
            print("Cannot start %s: %s" % (constants.RAPI, err), file=sys.stderr)
            sys.exit(constants.EXIT_NODESETUP_ERROR)


def PrepareRapi(options: Any, _args: list[str]) -> tuple[server.HttpServer, auth.UsersFile,
                                                           baserlib.RapiEnvironment]:
    """Read the users file and listen, so that failures reach the starting shell."""
    users = auth.UsersFile(pathutils.RAPI_USERS_FILE)
    users.Load()
    env = baserlib.RapiEnvironment(baserlib.LuxiPool(), baserlib.ResponseCache(options.cache_ttl))
    handler = RapiHandler(users, env, require_auth=options.require_auth)
    ctx = tls.ServerContext(options.ssl_cert) if options.ssl else None
    if ctx is None:
        logging.warning("Serving the remote API without TLS (--no-ssl)")
    srv = server.HttpServer(handler, options.bind_address, options.port, ssl_context=ctx,
                            max_body=MAX_REQUEST_BODY, server_name=constants.RAPI)
    srv.Bind()
    logging.info("Listening on %s port %d (%s, reads %s)", options.bind_address, srv.port,
                 "https" if ctx else "http",
                 "need authentication" if options.require_auth else "open")
    return srv, users, env


def ExecRapi(options: Any, _args: list[str],
             ctx: tuple[server.HttpServer, auth.UsersFile, baserlib.RapiEnvironment]) -> None:
    """Serve until SIGTERM/SIGINT, re-reading the users file as it changes."""
    srv, users, env = ctx
    sys.setswitchinterval(SWITCH_INTERVAL)
    users.StartWatching()
    srv.Start()
    try:
        options.shutdown.Wait()
        if not srv.Stop(STOP_TIMEOUT):
            logging.warning("Requests still running after %ss, exiting anyway", STOP_TIMEOUT)
    finally:
        users.StopWatching()
        env.luxi.CloseAll()


def BuildParser() -> Any:
    parser = daemon.BuildOptionParser(constants.RAPI, default_port=constants.DEFAULT_RAPI_PORT,
                                      default_bind=constants.IP4_ADDRESS_ANY)
    parser.add_option("--require-authentication", dest="require_auth", action="store_true",
                      default=False, help="Require a user for reads too (default: reads open)")
    parser.add_option("--no-ssl", dest="ssl", action="store_false", default=True,
                      help="Serve plain HTTP (only behind a TLS-terminating proxy)")
    parser.add_option("--ssl-cert", dest="ssl_cert", default=pathutils.RAPI_CERT_FILE,
                      metavar="FILE", help="Key and certificate file (default: %default)")
    parser.add_option("--cache-ttl", dest="cache_ttl", type="float", default=DEFAULT_CACHE_TTL,
                      metavar="SECONDS",
                      help="Seconds bulk node/instance listings with live data may be served"
                           " from the cache while config.data is unchanged (0: no cache;"
                           " default: %default)")
    return parser


def Main(argv: list[str] | None = None) -> None:
    daemon.GenericMain(constants.RAPI, BuildParser(), CheckRapi, PrepareRapi, ExecRapi,
                       argv=argv)
