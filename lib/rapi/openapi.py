"""The OpenAPI 3.1 description of the RAPI, served at /2/openapi.json.

Written by hand from the resources, and kept true by tests: every path of
ganeti.rapi.connector must be described with exactly the methods its
resource serves, and real answers of a running daemon are validated against
the response schemas (ganeti.rapi.schema).
"""

from __future__ import annotations

import re
from typing import Any

from ganeti import constants, serializer
from ganeti.rapi import rlib2, rlib2_groups
from ganeti.rapi import rlib2_instances as ri
from ganeti.rapi import rlib2_nodes as rn

_REF = "#/components/schemas/"


def Ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _T(*types: str, **extra: Any) -> dict[str, Any]:
    return dict({"type": list(types) if len(types) > 1 else types[0]}, **extra)


def _Obj(props: dict[str, Any], required: list[str] | None = None,
         extra: Any = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props,
                              "additionalProperties": extra}
    if required:
        schema["required"] = required
    return schema


_STR = _T("string")
_INT = _T("integer")
_BOOL = _T("boolean")
_STRS = _T("array", items=_STR)
_ANY_OBJ = _T("object")
_TS = _T("array", "null", items=_T("integer"))  # [seconds, microseconds]
_MAYBE_INT = _T("integer", "null")
_MAYBE_NUM = _T("number", "null")

_INSTANCE_PROPS: dict[str, Any] = {
    "name": _STR, "admin_state": _BOOL, "os": _T("string", "null"), "pnode": _STR,
    "snodes": _STRS, "disk_template": _STR,
    "nic.ips": _T("array", items=_T("string", "null")), "nic.macs": _STRS,
    "nic.modes": _STRS, "nic.links": _T("array", items=_T("string", "null")),
    "nic.bridges": _T("array", items=_T("string", "null")), "network_port": _MAYBE_INT,
    "disk.sizes": _T("array", items=_INT), "disk_usage": _MAYBE_INT,
    "beparams": _ANY_OBJ, "hvparams": _ANY_OBJ, "oper_state": _T("boolean", "null"),
    "oper_ram": _T("integer", "string", "null"), "status": _STR,
    "ctime": _MAYBE_NUM, "mtime": _MAYBE_NUM, "uuid": _STR, "serial_no": _INT, "tags": _STRS,
    "disk.spindles": _T("array", items=_T("integer", "null")),
}
_NDPARAMS = _Obj({"exclusive_storage": _BOOL, "spindle_count": _INT})
_NODE_PROPS: dict[str, Any] = {
    "name": _STR, "offline": _BOOL, "master_candidate": _BOOL, "drained": _BOOL,
    "dtotal": _MAYBE_INT, "dfree": _MAYBE_INT, "mtotal": _MAYBE_INT, "mnode": _MAYBE_INT,
    "mfree": _MAYBE_INT, "pinst_cnt": _INT, "sinst_cnt": _INT, "ctotal": _MAYBE_INT,
    "cnodes": _MAYBE_INT, "csockets": _MAYBE_INT, "cnos": _MAYBE_INT, "pip": _STR, "sip": _STR,
    "role": _T("string", enum=sorted(rn.NR_MAP)), "pinst_list": _STRS,
    "sinst_list": _STRS, "ctime": _MAYBE_NUM, "mtime": _MAYBE_NUM, "uuid": _STR,
    "serial_no": _INT, "tags": _STRS, "group": _STR, "group.uuid": _STR, "vm_capable": _BOOL,
    "master_capable": _BOOL, "ndparams": _NDPARAMS,
}
_ISPEC = _Obj({k: _T("integer", minimum=0) for k in (
    "memory-size", "cpu-count", "disk-size", "disk-count", "nic-count", "spindle-use")})
_IPOLICY = _Obj({"minmax": _T("array", items=_Obj({"min": _ISPEC, "max": _ISPEC})),
                 "std": _ISPEC, "disk-templates": _T("array", items=_T(
                     "string", enum=sorted(constants.DISK_TEMPLATES))),
                 "vcpu-ratio": _T("number"), "spindle-ratio": _T("number")})
_GROUP_PROPS: dict[str, Any] = {
    "name": _STR, "uuid": _STR, "alloc_policy": _STR, "node_cnt": _INT, "node_list": _STRS,
    "ipolicy": _IPOLICY, "ndparams": _NDPARAMS, "tags": _STRS,
}
_JOB_PROPS: dict[str, Any] = {
    "id": _T("string", pattern="^[0-9]+$"), "ops": _T("array", items=_ANY_OBJ),
    "status": _T("string", enum=sorted(constants.JOB_STATUS_ALL)), "summary": _STRS,
    "opstatus": _STRS, "received_ts": _TS, "start_ts": _TS, "end_ts": _TS,
    "oplog": _T("array", items=_T("array")), "opresult": _T("array"),
}
assert set(_INSTANCE_PROPS) == set(ri.I_FIELDS)
assert set(_NODE_PROPS) == set(rn.N_FIELDS)
assert set(_JOB_PROPS) == set(rlib2.J_FIELDS)
assert set(_GROUP_PROPS) == set(rlib2_groups.G_FIELDS)


def _ListEntry(props: dict[str, Any], id_field: str) -> dict[str, Any]:
    """A listing entry: {id, uri} or, in bulk mode, the object's fields."""
    return _Obj(dict(props, **{id_field: props.get(id_field, _STR), "uri": _STR}))


_DISK_SPEC = _Obj({"size": _T("integer", minimum=0), "mode": _T("string", enum=["rw", "ro"])},
                  ["size"])
_NIC_SPEC = _Obj({k: _T("string", "null") for k in ("mac", "ip", "mode", "link", "bridge")})
_DEVICE_CHANGE = _T("array", prefixItems=[_T("string", "integer"), _ANY_OBJ])

SCHEMAS: dict[str, Any] = {
    "Error": _Obj({"code": _INT, "message": _STR, "explain": _STR},
                  ["code", "message", "explain"]),
    "JobId": _T("string", pattern="^[0-9]+$", description="A job id (a JSON string)"),
    "RootList": _T("array", items=_Obj({"name": _STR, "uri": _STR}, ["name", "uri"])),
    "Tags": _STRS,
    "ClusterInfo": _Obj({"name": _STR, "master": _STR, "software_version": _STR,
                         "protocol_version": _INT, "ipolicy": _IPOLICY},
                        ["name", "master", "ipolicy"], extra=True),
    "Instance": _Obj(_INSTANCE_PROPS),
    "InstanceList": _T("array", items=_ListEntry(_INSTANCE_PROPS, "id")),
    "Group": _Obj(_GROUP_PROPS),
    "GroupList": _T("array", items=_ListEntry(_GROUP_PROPS, "name")),
    "Node": _Obj(_NODE_PROPS),
    "NodeList": _T("array", items=_ListEntry(_NODE_PROPS, "id")),
    "Job": _Obj(_JOB_PROPS),
    "JobList": _T("array", items=_ListEntry(_JOB_PROPS, "id")),
    "JobChange": _T("object", "null", properties={
        "job_info": _T("array"), "log_entries": _T("array", items=_T("array"))},
        required=["job_info", "log_entries"], additionalProperties=False),
    "CancelResult": _T("array", prefixItems=[_BOOL, _STR]),
    "NodeRole": _T("string", enum=sorted(rn.NR_MAP.values())),
    "Console": _T("object", required=["instance", "kind"]),
    "InstanceCreate": _Obj({
        "__version__": _T("integer", enum=[0, 1]), "mode": _T("string", enum=sorted(
            constants.INSTANCE_CREATE_MODES)),
        "name": _STR, "disk_template": _T("string", enum=sorted(constants.DISK_TEMPLATES)),
        "disks": _T("array", items=_DISK_SPEC), "nics": _T("array", items=_NIC_SPEC),
        "os": _STR, "force_variant": _BOOL, "pnode": _STR, "snode": _STR, "src_node": _STR,
        "src_path": _STR, "start": _BOOL, "ip_check": _BOOL, "name_check": _BOOL,
        "file_storage_dir": _STR, "file_driver": _T("string", enum=sorted(
            constants.FILE_DRIVER)), "iallocator": _STR, "hypervisor": _STR,
        "hvparams": _ANY_OBJ, "beparams": _ANY_OBJ},
        ["__version__", "mode", "name", "disk_template", "disks", "nics"]),
    "ClusterModify": _T("object", description="Fields of OP_CLUSTER_SET_PARAMS"),
}


def _Param(name: str, schema: dict[str, Any], descr: str, required: bool = False,
           where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema,
            "description": descr}


_FLAG = _T("integer", enum=[0, 1])
_DRY_RUN = _Param("dry-run", _FLAG, "Only check the prerequisites, change nothing")
_BULK = _Param("bulk", _FLAG, "Full objects instead of {id, uri} entries")
_FIELDS = _Param("fields", _STR, "Comma-separated fields to return (bulk and single objects)")
_FORCE = _Param("force", _FLAG, "Force the operation")
_LOCK = _Param("lock", _FLAG, "Take locks for a consistent answer (slower)")
_TAG = _Param("tag", _STR, "A tag (repeat the argument for several)")
_STORAGE_TYPE = _Param("storage_type", _T("string", enum=sorted(constants.VALID_STORAGE_TYPES)),
                       "Storage type", required=True)
_UNIT = _Param("name", _STR, "Storage unit name", required=True)


def _Op(summary: str, response: str | dict[str, Any] = "JobId",
        params: list[dict[str, Any]] | None = None, body: str | dict[str, Any] | None = None,
        write: bool = True) -> dict[str, Any]:
    """One operation: a summary, query parameters, a JSON body, the 200 answer."""
    schema = Ref(response) if isinstance(response, str) else response
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": params or [],
        "responses": {"200": {"description": "Success",
                              "content": {"application/json": {"schema": schema}}},
                      "default": {"description": "Error",
                                  "content": {"application/json": {"schema": Ref("Error")}}}},
    }
    if body is not None:
        op["requestBody"] = {"required": False, "content": {"application/json": {
            "schema": Ref(body) if isinstance(body, str) else body}}}
    if write:
        op["security"] = [{"basic": []}]
        op["x-ganeti-access"] = constants.RAPI_ACCESS_WRITE
    return op


def _Read(summary: str, response: str | dict[str, Any],
          params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return _Op(summary, response, params, write=False)


def _Tags(what: str) -> dict[str, Any]:
    return {"get": _Read("The tags of %s" % what, "Tags"),
            "put": _Op("Add tags to %s" % what, params=[_TAG, _DRY_RUN], body="Tags"),
            "delete": _Op("Remove tags from %s" % what, params=[_TAG, _DRY_RUN])}


_I = "/2/instances/{instance_name}"
_N = "/2/nodes/{node_name}"

PATHS: dict[str, dict[str, Any]] = {
    "/": {"get": _Read("The API versions", "RootList")},
    "/version": {"get": _Read("The remote API version (2)", _INT)},
    "/2": {"get": _Read("The version 2 resources", "RootList")},
    "/2/info": {"get": _Read("Cluster information", "ClusterInfo")},
    "/2/features": {"get": _Read("Optional features", _T(
        "array", items=_T("string", enum=sorted(rlib2.ALL_FEATURES))))},
    "/2/os": {"get": _Read("Valid OS names, with variants", _STRS)},
    "/2/redistribute-config": {"put": _Op("Push the configuration to all nodes again")},
    "/2/modify": {"put": _Op("Change cluster parameters", body="ClusterModify")},
    "/2/tags": _Tags("the cluster"),
    "/2/openapi.json": {"get": _Read("This description", _ANY_OBJ)},
    "/2/jobs": {"get": _Read("All jobs", "JobList", [_BULK, _FIELDS])},
    "/2/jobs/{job_id}": {"get": _Read("A job's status and results", "Job", [_FIELDS]),
                         "delete": _Op("Cancel a job", "CancelResult")},
    "/2/jobs/{job_id}/wait": {"get": _Op(
        "Wait up to 10 s for a change of a job", "JobChange",
        body=_Obj({"fields": _STRS, "previous_job_info": _T("array", "null"),
                   "previous_log_serial": _T("integer", "null")}, ["fields"]))},
    "/2/instances": {"get": _Read("All instances", "InstanceList", [_BULK, _FIELDS, _LOCK]),
                     "post": _Op("Create an instance", params=[_DRY_RUN],
                                 body="InstanceCreate")},
    _I: {"get": _Read("An instance's details", "Instance", [_FIELDS, _LOCK]),
         "delete": _Op("Remove an instance", params=[_DRY_RUN], body=_Obj({
             "ignore_failures": _BOOL, "shutdown_timeout": _INT}))},
    _I + "/info": {"get": _Read("Start a job gathering detailed information", "JobId", [
        _Param("static", _FLAG, "Only configuration data")])},
    _I + "/reboot": {"post": _Op("Reboot an instance", params=[
        _Param("type", _T("string", enum=sorted(constants.REBOOT_TYPES)), "Reboot type"),
        _Param("ignore_secondaries", _FLAG, "Ignore secondary node errors"), _DRY_RUN],
        body=_Obj({"shutdown_timeout": _INT}))},
    _I + "/shutdown": {"put": _Op("Stop an instance", params=[_DRY_RUN],
                                  body=_Obj({"timeout": _INT}))},
    _I + "/startup": {"put": _Op("Start an instance", params=[_FORCE, _DRY_RUN],
                                 body=_Obj({"hvparams": _ANY_OBJ, "beparams": _ANY_OBJ}))},
    _I + "/reinstall": {"post": _Op("Reinstall an instance's OS", params=[
        _Param("os", _STR, "OS to install"), _Param("nostartup", _FLAG, "Do not start it"),
        _DRY_RUN], body=_Obj({"os": _STR, "start": _BOOL}))},
    _I + "/replace-disks": {"post": _Op("Replace an instance's disks", params=[
        _Param("mode", _T("string", enum=sorted(constants.REPLACE_MODES)), "Mode"),
        _Param("disks", _STR, "Comma-separated disk indices"),
        _Param("remote_node", _STR, "New secondary node"),
        _Param("iallocator", _STR, "Allocator choosing the new secondary"),
        _Param("early_release", _FLAG, "Release locks early"), _DRY_RUN])},
    _I + "/activate-disks": {"put": _Op("Activate an instance's disks", params=[
        _Param("ignore_size", _FLAG, "Ignore the recorded sizes"), _DRY_RUN])},
    _I + "/deactivate-disks": {"put": _Op("Deactivate an instance's disks",
                                          params=[_DRY_RUN])},
    _I + "/migrate": {"put": _Op("Migrate an instance", params=[_DRY_RUN], body=_Obj({
        "mode": _T("string", enum=sorted(constants.HT_MIGRATION_MODES)), "cleanup": _BOOL}))},
    _I + "/failover": {"put": _Op("Fail an instance over", params=[_DRY_RUN], body=_Obj({
        "ignore_consistency": _BOOL, "shutdown_timeout": _INT}))},
    _I + "/rename": {"put": _Op("Rename an instance", params=[_DRY_RUN], body=_Obj({
        "new_name": _STR, "ip_check": _BOOL, "name_check": _BOOL}, ["new_name"]))},
    _I + "/modify": {"put": _Op("Change an instance's parameters", params=[_DRY_RUN],
                                body=_Obj({"hvparams": _ANY_OBJ, "beparams": _ANY_OBJ,
                                           "nics": _T("array", items=_DEVICE_CHANGE),
                                           "disks": _T("array", items=_DEVICE_CHANGE),
                                           "force": _BOOL}))},
    _I + "/console": {"get": _Op("How to reach an instance's console", "Console")},
    _I + "/tags": _Tags("an instance"),
    _I + "/recreate-disks": {"post": _Op("Recreate an instance's disks", params=[_DRY_RUN],
                                         body=_Obj({"disks": _T("array", items=_INT)}))},
    _I + "/disk/{disk_index}/grow": {"post": _Op("Grow a disk", params=[_DRY_RUN], body=_Obj(
        {"amount": _INT, "wait_for_sync": _BOOL}, ["amount"]))},
    _I + "/export": {"put": _Op("Export an instance to a node", params=[_DRY_RUN], body=_Obj({
        "mode": _T("string", enum=["local"]), "destination": _STR, "shutdown": _BOOL,
        "shutdown_timeout": _INT}, ["destination"]))},
    "/2/groups": {"get": _Read("The node group (one: every node)", "GroupList",
                               [_BULK, _FIELDS])},
    "/2/groups/{group_name}": {"get": _Read("The node group, by name or uuid", "Group",
                                            [_FIELDS])},
    "/2/nodes": {"get": _Read("All nodes", "NodeList", [_BULK, _FIELDS, _LOCK])},
    _N: {"get": _Read("A node's details", "Node", [_FIELDS, _LOCK])},
    _N + "/role": {"get": _Read("A node's role", "NodeRole"),
                   "put": _Op("Change a node's role", params=[
                       _FORCE, _Param("auto-promote", _FLAG, "Refill the candidate pool"),
                       _DRY_RUN], body="NodeRole")},
    _N + "/evacuate": {"post": _Op("Move secondary instances off a node", params=[
        _Param("iallocator", _STR, "Allocator choosing new secondaries"),
        _Param("remote_node", _STR, "New secondary node"), _DRY_RUN], body=_Obj({
            "iallocator": _STR, "remote_node": _STR, "mode": _T(
                "string", enum=["secondary-only"])}))},
    _N + "/migrate": {"post": _Op("Migrate all primary instances off a node", params=[
        _Param("live", _FLAG, "Live migration"),
        _Param("mode", _T("string", enum=sorted(constants.HT_MIGRATION_MODES)), "Mode"),
        _DRY_RUN], body=_Obj({"mode": _T("string", enum=sorted(
            constants.HT_MIGRATION_MODES))}))},
    _N + "/powercycle": {"post": _Op("Hard-reboot a node", params=[_FORCE, _DRY_RUN])},
    _N + "/modify": {"post": _Op("Change a node's flags", params=[_DRY_RUN], body=_Obj({
        "master_candidate": _BOOL, "offline": _BOOL, "drained": _BOOL, "auto_promote": _BOOL,
        "force": _BOOL}))},
    _N + "/storage": {"get": _Op("Start a job listing storage units", params=[
        _STORAGE_TYPE, _Param("output_fields", _STR, "Comma-separated fields", True)])},
    _N + "/storage/modify": {"put": _Op("Change a storage unit", params=[
        _STORAGE_TYPE, _UNIT, _Param("allocatable", _FLAG, "Allocatable flag"), _DRY_RUN])},
    _N + "/storage/repair": {"put": _Op("Repair a storage unit", params=[
        _STORAGE_TYPE, _UNIT, _Param("ignore_consistency", _FLAG, "Ignore consistency"),
        _DRY_RUN])},
    _N + "/tags": _Tags("a node"),
}

_PATH_PARAMS = {"instance_name": "Instance name", "node_name": "Node name",
                "job_id": "Job id", "disk_index": "Disk index", "group_name": "Group name"}


def _AddPathParams(paths: dict[str, dict[str, Any]]) -> None:
    for template, ops in paths.items():
        names = re.findall(r"{(\w+)}", template)
        for op in ops.values():
            op["parameters"] = [_Param(n, _STR, _PATH_PARAMS[n], True, "path")
                                for n in names] + op["parameters"]


_AddPathParams(PATHS)


def TemplateOf(pattern: str) -> str:
    """The OpenAPI path template of a connector pattern ("/2/nodes/([^/]+)" -> {node_name})."""
    names = iter(_NamesFor(pattern))
    return re.sub(r"\(\[\^/\]\+\)", lambda _m: "{%s}" % next(names), pattern)


def _NamesFor(pattern: str) -> list[str]:
    if pattern.startswith("/2/instances/"):
        return ["instance_name", "disk_index"]
    if pattern.startswith("/2/nodes/"):
        return ["node_name"]
    if pattern.startswith("/2/groups/"):
        return ["group_name"]
    return ["job_id"]


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Ganeti remote API", "version": "2",
             "description": "Ganeti's RAPI version 2. Reads may be open; every other method"
                            " needs HTTP Basic authentication of a user with write access."
                            " Writes answer a job id; see /2/jobs/{job_id}."},
    "servers": [{"url": "https://{cluster}:%d" % constants.DEFAULT_RAPI_PORT,
                 "variables": {"cluster": {"default": "cluster.example.com"}}}],
    "components": {"schemas": SCHEMAS,
                   "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    "paths": PATHS,
}
_ENCODED = serializer.DumpJson(DOCUMENT).encode("utf-8")


def GetDocumentJson() -> bytes:
    """The description, JSON-encoded once."""
    return _ENCODED
