"""confd-query: ask the cluster's confd daemons from a shell or a script.

  confd-query [--hmac-key FILE] [--peers A,B] [--port P] [--mode best|first|all]
              [--timeout S] [--coverage N] [--link L] [--fields F,...] [--json]
              TYPE [QUERY...]

TYPE is a name (see REQUEST_NAMES) or a number. QUERY is the request's key
(a node, instance or IP); several IPs make the list form of
node-pip-by-instance-ip; a QUERY that is a JSON object or list is sent as it
is. Plain output prints the answer alone (lists one item a line, node roles
by name); --json prints {"status", "answer", "serial", "server"} objects.
Exit status: 0 answered OK, 1 an error answer or no answer, 2 bad usage.
"""

from __future__ import annotations

import optparse
import sys
from typing import Any

from ganeti import constants, errors, netutils, pathutils, serializer
from ganeti.confd import client, protocol

REQUEST_NAMES = {
    "ping": constants.CONFD_REQ_PING,
    "node-role": constants.CONFD_REQ_NODE_ROLE_BYNAME,
    "node-pip-by-instance-ip": constants.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP,
    "cluster-master": constants.CONFD_REQ_CLUSTER_MASTER,
    "node-pip-list": constants.CONFD_REQ_NODE_PIP_LIST,
    "mc-pip-list": constants.CONFD_REQ_MC_PIP_LIST,
    "instances-ips-list": constants.CONFD_REQ_INSTANCES_IPS_LIST,
    "instance-list": constants.CONFD_REQ_INSTANCE_LIST,
    "instance-pnode": constants.CONFD_REQ_INSTANCE_PNODE,
    "node-role-list": constants.CONFD_REQ_NODE_ROLE_LIST,
    "server-stats": constants.CONFD_REQ_SERVER_STATS,
}
ROLE_NAMES = {
    constants.CONFD_NODE_ROLE_MASTER: "master",
    constants.CONFD_NODE_ROLE_CANDIDATE: "candidate",
    constants.CONFD_NODE_ROLE_OFFLINE: "offline",
    constants.CONFD_NODE_ROLE_DRAINED: "drained",
    constants.CONFD_NODE_ROLE_REGULAR: "regular",
}
ERROR_NAMES = {
    constants.CONFD_ERROR_UNKNOWN_ENTRY: "unknown entry",
    constants.CONFD_ERROR_INTERNAL: "internal error",
    constants.CONFD_ERROR_ARGUMENT: "bad argument",
}
FIELD_NAMES = {"name": constants.CONFD_REQFIELD_NAME, "ip": constants.CONFD_REQFIELD_IP,
               "master-pip": constants.CONFD_REQFIELD_MNODE_PIP}
EXIT_USAGE = 2


class UsageError(Exception):
    pass


def BuildParser() -> optparse.OptionParser:
    parser = optparse.OptionParser(
        usage="%prog [options] TYPE [QUERY...]",
        description="Query ganeti-confd. TYPE: %s, or a number." % ", ".join(REQUEST_NAMES))
    parser.add_option("--hmac-key", default=None, metavar="FILE",
                      help="confd key file (default: %s)" % pathutils.CONFD_HMAC_KEY)
    parser.add_option("--peers", default=None, metavar="A,B",
                      help="confd servers (names or IPs; default: ssconf master_candidates_ips)")
    parser.add_option("--port", type="int", default=constants.DEFAULT_CONFD_PORT)
    parser.add_option("--mode", choices=sorted(client.MODES), default=client.MODE_BEST,
                      help="best (highest serial, default), first or all answers")
    parser.add_option("--timeout", type="float", default=client.BLOCKING_TIMEOUT)
    parser.add_option("--coverage", type="int", default=0,
                      help="how many servers to ask (default: up to %d)"
                      % constants.CONFD_DEFAULT_REQ_COVERAGE)
    parser.add_option("--link", default=None, help="NIC link for the instance IP queries")
    parser.add_option("--fields", default=None, metavar="F,...",
                      help="cluster-master fields: %s" % ", ".join(FIELD_NAMES))
    parser.add_option("--json", action="store_true", default=False, help="JSON output")
    return parser


def ParseRequestType(name: str) -> int:
    if name in REQUEST_NAMES:
        return REQUEST_NAMES[name]
    try:
        return int(name)
    except ValueError:
        raise UsageError("Unknown request type %r" % name)


def BuildQuery(rtype: int, args: list[str], link: str | None, fields: str | None) -> Any:
    """The query field for rtype from the command line arguments."""
    if len(args) == 1 and args[0][:1] in ("{", "["):
        try:
            return serializer.LoadJson(args[0])
        except errors.ParseError as err:
            raise UsageError("QUERY is not valid JSON: %s" % err)
    if fields is not None:
        try:
            return {constants.CONFD_REQQ_FIELDS: [FIELD_NAMES[f] for f in fields.split(",")]}
        except KeyError as err:
            raise UsageError("Unknown field %s (known: %s)" % (err, ", ".join(FIELD_NAMES)))
    if rtype == constants.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP and (len(args) > 1 or link):
        query: dict[str, Any] = ({constants.CONFD_REQQ_IPLIST: args} if len(args) > 1
                                 else {constants.CONFD_REQQ_IP: args[0] if args else None})
        if link:
            query[constants.CONFD_REQQ_LINK] = link
        return query
    if len(args) > 1:
        raise UsageError("This request type takes at most one QUERY")
    if rtype == constants.CONFD_REQ_INSTANCES_IPS_LIST and link:
        return link
    return args[0] if args else None


def _Peers(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    return [netutils.Hostname.Resolve(name)[1] for name in spec.split(",") if name]


def FormatPlain(rtype: int, answer: Any) -> list[str]:
    """Lines for a human or a shell loop."""
    if rtype == constants.CONFD_REQ_NODE_ROLE_BYNAME and answer in ROLE_NAMES:
        return [ROLE_NAMES[answer]]
    if rtype == constants.CONFD_REQ_NODE_ROLE_LIST:
        return ["%s %s" % (name, ROLE_NAMES.get(role, role)) for name, role in answer]
    if rtype == constants.CONFD_REQ_SERVER_STATS:
        return ["%s %s" % kv for kv in sorted(answer.items()) if kv[0] != "counters"] + \
               ["%s %s" % kv for kv in sorted(answer.get("counters", {}).items())]
    if isinstance(answer, list):
        return [" ".join(str(v) for v in item) if isinstance(item, list) else str(item)
                for item in answer]
    return [str(answer)]


def Main(argv: list[str] | None = None) -> int:
    parser = BuildParser()
    opts, args = parser.parse_args(argv)
    try:
        if not args:
            raise UsageError("Missing TYPE")
        rtype = ParseRequestType(args[0])
        query = BuildQuery(rtype, args[1:], opts.link, opts.fields)
        peers = _Peers(opts.peers)
        key = protocol.ReadHmacKey(opts.hmac_key) if opts.hmac_key else None
        with client.GetConfdClient(peers=peers, hmac_key=key, port=opts.port) as cl:
            result = cl.Query(rtype, query, mode=opts.mode, timeout=opts.timeout,
                              coverage=opts.coverage)
    except UsageError as err:
        parser.print_usage(sys.stderr)
        print("confd-query: %s" % err, file=sys.stderr)
        return EXIT_USAGE
    except errors.GenericError as err:
        print("confd-query: %s" % err, file=sys.stderr)
        return constants.EXIT_FAILURE
    replies = result if isinstance(result, list) else [result]
    if opts.json:
        objs = [{"status": up.server_reply.status, "answer": up.server_reply.answer,
                 "serial": up.server_reply.serial, "server": up.server_ip} for up in replies]
        sys.stdout.write(serializer.DumpJson(objs if isinstance(result, list) else objs[0]))
    failed = False
    for up in replies:
        reply = up.server_reply
        if reply.status != constants.CONFD_REPL_STATUS_OK:
            failed = True
            detail = reply.answer
            if reply.status == constants.CONFD_REPL_STATUS_ERROR and isinstance(detail, int):
                detail = ERROR_NAMES.get(detail, detail)
            print("confd-query: %s answered status %d: %s" % (up.server_ip, reply.status,
                                                             detail), file=sys.stderr)
        elif not opts.json:
            prefix = "%s: " % up.server_ip if len(replies) > 1 else ""
            for line in FormatPlain(rtype, reply.answer):
                print(prefix + line)
    return constants.EXIT_FAILURE if failed else constants.EXIT_SUCCESS
