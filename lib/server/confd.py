"""ganeti-confd's main: serve confd queries on a master candidate.

The daemon refuses to start unless config.data names this node a master
candidate (exit code EXIT_NOTCANDIDATE), and stops answering, without
exiting, if a later configuration demotes it. It binds by default to this
node's primary IP from config.data, so that the nodes of a virtual cluster
can share a machine; `-b 0.0.0.0` listens everywhere.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from ganeti import constants, daemon, errors, netutils, pathutils
from ganeti.confd import protocol
from ganeti.confd.server import ConfdProcessor, ConfdServer, ConfigReloader
from ganeti.confd.view import ConfigView


def CheckConfd(options: Any, args: list[str]) -> None:
    """Exit early (before detaching) on a node that must not run confd."""
    if args:
        print("Usage: %s [-f] [-d] [-b ADDRESS] [-p PORT]" % constants.CONFD, file=sys.stderr)
        sys.exit(constants.EXIT_FAILURE)
    node = netutils.GetHostname()
    try:
        view = ConfigView.LoadFile(pathutils.CLUSTER_CONF_FILE)
        protocol.ReadHmacKey(pathutils.CONFD_HMAC_KEY)
    except errors.ConfigurationError as err:
        print("Cannot start %s: %s" % (constants.CONFD, err), file=sys.stderr)
        sys.exit(constants.EXIT_NODESETUP_ERROR)
    if not view.IsMasterCandidate(node):
        if options.debug:
            print("Node %s is not a master candidate, exiting" % node, file=sys.stderr)
        sys.exit(constants.EXIT_NOTCANDIDATE)
    if options.bind_address is None:
        options.bind_address = view.GetNodePrimaryIp(node)


def PrepareConfd(options: Any, _args: list[str]) -> tuple[ConfdProcessor, ConfigReloader,
                                                          ConfdServer]:
    """Watch and load the configuration and key, and bind, before reporting ready.

    The watchers start before the first load, so that a change made at any
    moment after the daemon reports ready (or even during startup) is seen.
    """
    processor = ConfdProcessor(b"", netutils.GetHostname())
    reloader = ConfigReloader(processor, pathutils.CLUSTER_CONF_FILE, pathutils.CONFD_HMAC_KEY)
    reloader.Start()
    try:
        reloader.LoadInitial()
        server = ConfdServer(processor, options.bind_address, options.port)
    except Exception:
        reloader.Stop()
        raise
    return processor, reloader, server


def ExecConfd(options: Any, _args: list[str],
              ctx: tuple[ConfdProcessor, ConfigReloader, ConfdServer]) -> None:
    """Serve until SIGTERM/SIGINT; SIGUSR1 logs the counters."""
    processor, reloader, server = ctx
    signal.signal(signal.SIGUSR1, lambda _sig, _frame: processor.LogStats())
    options.shutdown.OnShutdown(server.Wake)
    try:
        server.Serve(options.shutdown.event)
    finally:
        reloader.Stop()
        processor.LogStats()
        server.Close()


def BuildParser() -> Any:
    parser = daemon.BuildOptionParser(constants.CONFD, default_port=constants.DEFAULT_CONFD_PORT)
    parser.add_option("-b", "--bind", dest="bind_address", default=None, metavar="ADDRESS",
                      help="Bind address (default: this node's primary IP from config.data)")
    return parser


def Main() -> None:
    daemon.GenericMain(constants.CONFD, BuildParser(), CheckConfd, PrepareConfd, ExecConfd)
