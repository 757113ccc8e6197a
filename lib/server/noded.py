"""ganeti-noded's main: serve the master's RPC on this node.

HTTPS on the node daemon port; only clients presenting the cluster
certificate (server.pem, which is also ours) are accepted. `POST
/<procedure>` with a JSON list of arguments runs the backend function that
ganeti.rpc.defs names and answers [true, result] or [false, message]. Each
connection has its own thread, so a long procedure never blocks others.

For the 2.1 design's "Node daemon availability" the daemon locks its memory
(mlockall, unless --no-mlock) and logs to /dev/console when its log file
cannot be written, so that a powercycle request still works on a node whose
system disk is failing.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from ganeti import backend, constants, daemon, errors, http, pathutils
from ganeti.http import routing, server, tls
from ganeti.rpc import defs
from ganeti.utils import mlock, x509

MAX_REQUEST_BODY = 256 * 1024 * 1024  # config.data and job files of big clusters
STOP_TIMEOUT = 10.0  # seconds running requests get to finish at shutdown


def ExecuteProcedure(name: str, args: Any) -> list[Any]:
    """Run one procedure with its wire arguments: [True, result] or [False, message]."""
    proc = defs.GetProcedure(name)
    if proc is None:
        raise http.HttpNotFound("Unknown procedure %s" % name)
    try:
        values = proc.DecodeArgs(args)
    except (errors.GenericError, TypeError, ValueError, KeyError) as err:
        logging.warning("Invalid arguments for %s: %s", name, err)
        return [False, "Invalid arguments for %s: %s" % (name, err)]
    try:
        handler = proc.GetHandler()
    except (ImportError, AttributeError) as err:
        logging.exception("Procedure %s cannot be loaded", name)
        return [False, "Procedure %s is not available on this node: %s" % (name, err)]
    try:
        return [True, handler(*values)]
    except backend.RPCFail as err:
        return [False, str(err)]
    except Exception as err:  # noqa: BLE001 - reported to the master, with a traceback here
        logging.exception("Error in procedure %s", name)
        return [False, "Error while executing backend function %s: %s" % (name, err)]


class _Procedures:
    """The /<procedure> resource. Upstream's 2.x clients used PUT, ours POST."""

    def POST(self, req: server.HttpServerRequest, name: str) -> list[Any]:
        logging.debug("RPC %s from %s", name, req.peer[0])
        return ExecuteProcedure(name, req.GetJsonBody())

    PUT = POST


class NodeRequestHandler(server.HttpServerHandler):
    """Routes RPC requests to ExecuteProcedure."""

    def __init__(self) -> None:
        self._router = routing.Router()
        self._router.Add(r"/([A-Za-z0-9_]+)", _Procedures())

    def HandleRequest(self, req: server.HttpServerRequest) -> Any:
        fn, groups = self._router.Resolve(req.method, req.path)
        return fn(req, *groups)


def CheckNoded(options: Any, args: list[str]) -> None:
    """Refuse to start without a usable cluster certificate (before detaching)."""
    if args:
        print("Usage: %s [-f] [-d] [-b ADDRESS] [-p PORT] [--no-mlock]" % constants.NODED,
              file=sys.stderr)
        sys.exit(constants.EXIT_FAILURE)
    try:
        x509.CheckKeyCertFile(pathutils.NODED_CERT_FILE)
    except errors.X509CertError as err:
        print("Cannot start %s: %s" % (constants.NODED, err), file=sys.stderr)
        sys.exit(constants.EXIT_NODESETUP_ERROR)


def PrepareNoded(options: Any, args: list[str]) -> server.HttpServer:
    """Lock memory, load the certificate and listen (failures reach the starter)."""
    if options.mlock:
        mlock.Mlockall()
    else:
        logging.info("Not locking memory (--no-mlock)")
    if os.stat(pathutils.NODED_CERT_FILE).st_mode & 0o077:
        logging.warning("%s is readable by other users than its owner", pathutils.NODED_CERT_FILE)
    ctx, peer_check = tls.ClusterServerContext(pathutils.NODED_CERT_FILE)
    srv = server.HttpServer(NodeRequestHandler(), options.bind_address, options.port,
                            ssl_context=ctx, peer_check=peer_check,
                            max_body=MAX_REQUEST_BODY, server_name=constants.NODED)
    srv.Bind()
    logging.info("Listening on %s port %d", options.bind_address, srv.port)
    return srv


def ExecNoded(options: Any, args: list[str], srv: server.HttpServer) -> None:
    """Serve until SIGTERM/SIGINT, then let running requests finish."""
    srv.Start()
    options.shutdown.Wait()
    if not srv.Stop(STOP_TIMEOUT):
        logging.warning("Requests still running after %s seconds, exiting anyway", STOP_TIMEOUT)


def Main(argv: list[str] | None = None) -> None:
    parser = daemon.BuildOptionParser(constants.NODED, default_port=constants.DEFAULT_NODED_PORT,
                                      default_bind=constants.IP4_ADDRESS_ANY)
    parser.add_option("--no-mlock", dest="mlock", action="store_false", default=True,
                      help="Do not lock the daemon's memory (for tests on small machines)")
    daemon.GenericMain(constants.NODED, parser, CheckNoded, PrepareNoded, ExecNoded,
                       console_logging=True, argv=argv)
