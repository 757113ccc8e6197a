"""RAPI version 2 node resources: /2/nodes and everything below it."""

from __future__ import annotations

from typing import Any

from ganeti import constants, http, opcodes
from ganeti.rapi import baserlib, rlib2, rlib2_groups

_COMMON_FIELDS = ["ctime", "mtime", "uuid", "serial_no", "tags"]
#: What bulk listings and /2/nodes/<name> show: upstream 2.1's fields, cnos, and the
#: group fields of later releases (rlib2_groups.NODE_FIELDS, not node query fields).
N_QUERY_FIELDS = ["name", "offline", "master_candidate", "drained", "dtotal", "dfree",
                  "mtotal", "mnode", "mfree", "pinst_cnt", "sinst_cnt", "ctotal", "cnodes",
                  "csockets", "cnos", "pip", "sip", "role", "pinst_list",
                  "sinst_list"] + _COMMON_FIELDS
N_FIELDS = N_QUERY_FIELDS + rlib2_groups.NODE_FIELDS

NR_DRAINED = "drained"
NR_MASTER_CANDIDATE = "master-candidate"
NR_MASTER = "master"
NR_OFFLINE = "offline"
NR_REGULAR = "regular"
#: The node query's one-letter role -> the name RAPI uses.
NR_MAP = {
    constants.NR_MASTER: NR_MASTER,
    constants.NR_MCANDIDATE: NR_MASTER_CANDIDATE,
    constants.NR_DRAINED: NR_DRAINED,
    constants.NR_OFFLINE: NR_OFFLINE,
    constants.NR_REGULAR: NR_REGULAR,
}
#: Role name -> the OpNodeSetParams flags that give it (None: unchanged).
_ROLE_FLAGS = {
    NR_REGULAR: {"master_candidate": False, "offline": False, "drained": False},
    NR_MASTER_CANDIDATE: {"master_candidate": True},
    NR_DRAINED: {"drained": True},
    NR_OFFLINE: {"offline": True},
}
_EVAC_MODE_SECONDARY = "secondary-only"


def _QueryNodes(res: baserlib.ResourceBase, names: list[str], fields: list[str],
                lock: bool) -> list[dict[str, Any]]:
    """Node objects with the given fields; "role" stays the query's letter (M, C,
    D, O, R) as upstream sends it; only /2/nodes/<name>/role answers its name."""
    query_fields = [f for f in fields if f in N_QUERY_FIELDS] or ["name"]
    extra = rlib2_groups.NodeFields(res, fields)
    nodes = []
    for row in res.Luxi("QueryNodes", names, query_fields, lock):
        node = dict(baserlib.MapFields(query_fields, row), **extra)
        nodes.append({f: node[f] for f in fields})
    return nodes


class R_2_nodes(baserlib.ResourceBase):  # noqa: N801
    """/2/nodes: list (bulk: with details, cached briefly)."""

    def GET(self) -> Any:  # noqa: N802
        if self.useBulk():
            fields = self.GetFields(N_FIELDS)
            lock = self.useLocking()

            def _Query() -> Any:
                return _QueryNodes(self, [], fields, lock)
            if lock:
                return _Query()
            return self.env.cache.Get(("nodes", tuple(fields)), _Query)
        names = [row[0] for row in self.Luxi("QueryNodes", [], ["name"], False)]
        return baserlib.BuildUriList(names, "/2/nodes/%s", uri_fields=("id", "uri"))


class _NodeResource(baserlib.ResourceBase):
    @property
    def name(self) -> str:
        return self.items[0]


class R_2_nodes_name(_NodeResource):  # noqa: N801
    """/2/nodes/<name>: one node's details."""

    def GET(self) -> Any:  # noqa: N802
        rows = _QueryNodes(self, [self.name], self.GetFields(N_FIELDS), self.useLocking())
        if not rows:
            raise http.HttpNotFound("Node %s not found" % self.name)
        return rows[0]


class R_2_nodes_name_role(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/role: the role name; PUT a JSON string to change it (a job)."""

    def GET(self) -> Any:  # noqa: N802
        rows = self.Luxi("QueryNodes", [self.name], ["role"], self.useLocking())
        if not rows:
            raise http.HttpNotFound("Node %s not found" % self.name)
        return NR_MAP[rows[0][0]]

    def PUT(self) -> Any:  # noqa: N802
        role = baserlib.CheckType(self.request_body, str, "The request body (a role name)")
        if role not in _ROLE_FLAGS:
            raise http.HttpBadRequest("Can't set role %r: expected one of %s"
                                      % (role[:32], ", ".join(sorted(_ROLE_FLAGS))))
        op = baserlib.BuildOpcode(opcodes.OpNodeSetParams, node_name=self.name,
                                  force=self.useForce(),
                                  auto_promote=bool(self.QueryBool("auto-promote")),
                                  **_ROLE_FLAGS[role])
        return self.SubmitJob([op])


class R_2_nodes_name_evacuate(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/evacuate: move secondary instances away (one job).

    Body {iallocator, remote_node, mode} (upstream's node-evac-res1 form) or
    2.1's query arguments; the job's result lists what it moved.
    """

    def POST(self) -> Any:  # noqa: N802
        if self.request_body is not None:
            body = dict(self.GetBodyDict())
            mode = body.pop("mode", None)
            if mode is not None and mode != _EVAC_MODE_SECONDARY:
                raise http.HttpBadRequest("Field 'mode' %r is not supported by this cluster:"
                                          " only %s" % (str(mode)[:32], _EVAC_MODE_SECONDARY))
            if body.pop("early_release", False):
                raise http.HttpBadRequest("Field 'early_release' is not supported by this"
                                          " cluster")
        else:
            body = {k: self.QueryString(k) for k in ("iallocator", "remote_node")
                    if self.QueryString(k)}
            self.RefuseQueryFlag("early_release")
        if body.get("iallocator") and body.get("remote_node"):
            raise http.HttpBadRequest("Only one of 'iallocator' and 'remote_node' can be given")
        op = baserlib.FillOpcode(opcodes.OpNodeEvacuate, body, {"node_name": self.name})
        return self.SubmitJob([op])


class R_2_nodes_name_migrate(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/migrate: migrate all primary instances (?live or ?mode, or body)."""

    def POST(self) -> Any:  # noqa: N802
        if self.request_body is not None:
            body = dict(self.GetBodyDict())
            for field in ("iallocator", "target_node"):
                if body.get(field) is not None:
                    raise http.HttpBadRequest("Field '%s' is not supported by this cluster"
                                              % field)
                body.pop(field, None)
            mode = body.pop("mode", None)
        else:
            body = {}
            if "live" in self.queryargs and "mode" in self.queryargs:
                raise http.HttpBadRequest("Only one of 'live' and 'mode' should be passed")
            if "live" in self.queryargs:
                mode = (constants.HT_MIGRATION_LIVE if self.QueryBool("live")
                        else constants.HT_MIGRATION_NONLIVE)
            else:
                mode = self.QueryString("mode")
        if mode is not None:
            if mode not in constants.HT_MIGRATION_MODES:
                raise http.HttpBadRequest("Migration mode must be one of %s"
                                          % ", ".join(sorted(constants.HT_MIGRATION_MODES)))
            body["live"] = mode == constants.HT_MIGRATION_LIVE
        op = baserlib.FillOpcode(opcodes.OpNodeMigrate, body, {"node_name": self.name})
        return self.SubmitJob([op])


class R_2_nodes_name_powercycle(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/powercycle: hard-reboot the node (?force)."""

    def POST(self) -> Any:  # noqa: N802
        op = baserlib.BuildOpcode(opcodes.OpNodePowercycle, node_name=self.name,
                                  force=self.useForce())
        return self.SubmitJob([op])


class R_2_nodes_name_modify(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/modify: body {master_candidate, offline, drained, auto_promote}."""

    def POST(self) -> Any:  # noqa: N802
        op = baserlib.FillOpcode(opcodes.OpNodeSetParams, self.request_body,
                                 {"node_name": self.name})
        return self.SubmitJob([op])


def _StorageType(res: baserlib.ResourceBase) -> str:
    storage_type = res.RequireQueryString("storage_type")
    if storage_type not in constants.VALID_STORAGE_TYPES:
        raise http.HttpBadRequest("Invalid value %r for 'storage_type': expected one of %s"
                                  % (storage_type[:32],
                                     ", ".join(sorted(constants.VALID_STORAGE_TYPES))))
    return storage_type


class R_2_nodes_name_storage(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/storage: ?storage_type&output_fields; a job (write access: it locks)."""

    GET_ACCESS = [constants.RAPI_ACCESS_WRITE]

    def GET(self) -> Any:  # noqa: N802
        storage_type = _StorageType(self)
        fields = [f for f in self.RequireQueryString("output_fields").split(",") if f]
        unknown = [f for f in fields if f not in constants.VALID_STORAGE_FIELDS]
        if unknown or not fields:
            raise http.HttpBadRequest("Unknown storage field(s) in 'output_fields': %s"
                                      % (", ".join(unknown) or "(none given)"))
        op = baserlib.BuildOpcode(opcodes.OpNodeQueryStorage, nodes=[self.name],
                                  storage_type=storage_type, output_fields=fields)
        return self.SubmitJob([op])


class R_2_nodes_name_storage_modify(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/storage/modify: ?storage_type&name&allocatable."""

    def PUT(self) -> Any:  # noqa: N802
        changes = {}
        allocatable = self.QueryBool("allocatable", None)
        if allocatable is not None:
            changes[constants.SF_ALLOCATABLE] = allocatable
        op = baserlib.BuildOpcode(opcodes.OpNodeModifyStorage, node_name=self.name,
                                  storage_type=_StorageType(self),
                                  name=self.RequireQueryString("name"), changes=changes)
        return self.SubmitJob([op])


class R_2_nodes_name_storage_repair(_NodeResource):  # noqa: N801
    """/2/nodes/<name>/storage/repair: ?storage_type&name[&ignore_consistency]."""

    def PUT(self) -> Any:  # noqa: N802
        op = baserlib.BuildOpcode(opcodes.OpRepairNodeStorage, node_name=self.name,
                                  storage_type=_StorageType(self),
                                  name=self.RequireQueryString("name"),
                                  ignore_consistency=bool(self.QueryBool("ignore_consistency")))
        return self.SubmitJob([op])


class R_2_nodes_name_tags(rlib2.TagsResource):  # noqa: N801
    """/2/nodes/<name>/tags."""

    TAG_LEVEL = constants.TAG_NODE
