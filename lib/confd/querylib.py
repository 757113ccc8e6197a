"""One handler per confd request type, over a ConfigView.

A handler takes the request's query field (None, a string, a dict or a
list, already checked for JSON type by the protocol) and returns (status,
answer). Handlers are pure functions of the view and the query, so the
server may cache their answers until the next configuration load.
"""

from __future__ import annotations

from typing import Any, Callable

from ganeti import constants
from ganeti.confd.view import ConfigView

Result = tuple[int, Any]
Handler = Callable[[ConfigView, Any], Result]

_OK = constants.CONFD_REPL_STATUS_OK
_ERROR = constants.CONFD_REPL_STATUS_ERROR
UNKNOWN_ENTRY: Result = (_ERROR, constants.CONFD_ERROR_UNKNOWN_ENTRY)
INTERNAL_ERROR: Result = (_ERROR, constants.CONFD_ERROR_INTERNAL)
ARGUMENT_ERROR: Result = (_ERROR, constants.CONFD_ERROR_ARGUMENT)
NOT_IMPLEMENTED: Result = (constants.CONFD_REPL_STATUS_NOTIMPLEMENTED, "not implemented")


def _Ping(view: ConfigView, query: Any) -> Result:
    if query is not None:
        return (_ERROR, "non-empty ping query")
    return (_OK, "ok")


def _NodeRoleByName(view: ConfigView, query: Any) -> Result:
    if not isinstance(query, str):
        return ARGUMENT_ERROR
    entry = view.nodes.get(query)
    if entry is None:
        return UNKNOWN_ENTRY
    return (_OK, entry.role)


def _NodePipOfInstanceIp(view: ConfigView, ip: Any, link: str | None) -> Result:
    if not isinstance(ip, str):
        return ARGUMENT_ERROR
    instance = view.GetInstanceByLinkIp(ip, link)
    if instance is None:
        return UNKNOWN_ENTRY
    pip = view.GetNodePrimaryIp(view.instance_pnode[instance])
    if pip is None:
        return INTERNAL_ERROR  # the config names a primary node it does not have
    return (_OK, pip)


def _NodePipByInstanceIp(view: ConfigView, query: Any) -> Result:
    """A string (IP on the default link), or {link?, ip} or {link?, iplist}.

    The iplist form answers [[status, answer], ...], one pair per IP, with
    status OK overall: one unknown IP must not hide the others.
    """
    if isinstance(query, str):
        return _NodePipOfInstanceIp(view, query, None)
    if not isinstance(query, dict):
        return ARGUMENT_ERROR
    link = query.get(constants.CONFD_REQQ_LINK)
    if link is not None and not isinstance(link, str):
        return ARGUMENT_ERROR
    if constants.CONFD_REQQ_IP in query:
        return _NodePipOfInstanceIp(view, query[constants.CONFD_REQQ_IP], link)
    iplist = query.get(constants.CONFD_REQQ_IPLIST)
    if not isinstance(iplist, list) or not all(isinstance(ip, str) for ip in iplist):
        return ARGUMENT_ERROR
    return (_OK, [list(_NodePipOfInstanceIp(view, ip, link)) for ip in iplist])


_MASTER_FIELDS: dict[str, Callable[[ConfigView], Any]] = {
    constants.CONFD_REQFIELD_NAME: lambda v: v.master_node,
    constants.CONFD_REQFIELD_IP: lambda v: v.master_ip,
    constants.CONFD_REQFIELD_MNODE_PIP: lambda v: v.GetNodePrimaryIp(v.master_node),
}


def _ClusterMaster(view: ConfigView, query: Any) -> Result:
    """No query: the master's name; {"3": [field, ...]}: those fields, in order."""
    if query is None:
        return (_OK, view.master_node)
    if not isinstance(query, dict):
        return ARGUMENT_ERROR
    fields = query.get(constants.CONFD_REQQ_FIELDS)
    if not isinstance(fields, list) or not all(f in _MASTER_FIELDS for f in fields):
        return ARGUMENT_ERROR
    return (_OK, [_MASTER_FIELDS[f](view) for f in fields])


def _NoQuery(getter: Callable[[ConfigView], Any]) -> Handler:
    """A handler for a request fully determined by its type."""
    def handler(view: ConfigView, query: Any) -> Result:
        if query is not None:
            return ARGUMENT_ERROR
        return (_OK, getter(view))
    return handler


def _InstancesIpsList(view: ConfigView, query: Any) -> Result:
    """IPs of instance NICs on a link: None (default link), a link name, or {"0": link}."""
    if isinstance(query, dict):
        query = query.get(constants.CONFD_REQQ_LINK)
    if query is not None and not isinstance(query, str):
        return ARGUMENT_ERROR
    return (_OK, list(view.ips_by_link.get(query or view.default_link, [])))


def _InstancePrimaryNode(view: ConfigView, query: Any) -> Result:
    if not isinstance(query, str):
        return ARGUMENT_ERROR
    pnode = view.instance_pnode.get(query)
    if pnode is None:
        return UNKNOWN_ENTRY
    return (_OK, pnode)


HANDLERS: dict[int, Handler] = {
    constants.CONFD_REQ_PING: _Ping,
    constants.CONFD_REQ_NODE_ROLE_BYNAME: _NodeRoleByName,
    constants.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP: _NodePipByInstanceIp,
    constants.CONFD_REQ_CLUSTER_MASTER: _ClusterMaster,
    constants.CONFD_REQ_NODE_PIP_LIST: _NoQuery(lambda v: v.node_pips),
    constants.CONFD_REQ_MC_PIP_LIST: _NoQuery(lambda v: v.mc_pips),
    constants.CONFD_REQ_INSTANCES_IPS_LIST: _InstancesIpsList,
    constants.CONFD_REQ_INSTANCE_LIST: _NoQuery(lambda v: v.instance_names),
    constants.CONFD_REQ_INSTANCE_PNODE: _InstancePrimaryNode,
    constants.CONFD_REQ_NODE_ROLE_LIST: _NoQuery(lambda v: v.node_roles),
}


def ExecQuery(view: ConfigView, request_type: int, query: Any) -> Result:
    """(status, answer) for one request; unknown types are "not implemented"."""
    handler = HANDLERS.get(request_type)
    if handler is None:
        return NOT_IMPLEMENTED
    return handler(view, query)
