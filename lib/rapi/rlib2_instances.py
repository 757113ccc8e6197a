"""RAPI version 2 instance resources: /2/instances and everything below it."""

from __future__ import annotations

from typing import Any

from ganeti import constants, errors, http, hypervisor, opcodes
from ganeti.hypervisor import hv_base
from ganeti.rapi import baserlib, rlib2, rlib2_groups
from ganeti.utils import params as uparams

_COMMON_FIELDS = ["ctime", "mtime", "uuid", "serial_no", "tags"]
#: What bulk listings and /2/instances/<name> show: upstream 2.1's fields and
#: disk.spindles of later releases (rlib2_groups.INSTANCE_FIELDS, not a query field).
I_QUERY_FIELDS = ["name", "admin_state", "os", "pnode", "snodes", "disk_template",
                  "nic.ips", "nic.macs", "nic.modes", "nic.links", "nic.bridges",
                  "network_port", "disk.sizes", "disk_usage", "beparams", "hvparams",
                  "oper_state", "oper_ram", "status"] + _COMMON_FIELDS
I_FIELDS = I_QUERY_FIELDS + rlib2_groups.INSTANCE_FIELDS

_NIC_FIELDS = frozenset([constants.INIC_MAC, constants.INIC_IP, constants.INIC_MODE,
                         constants.INIC_LINK, constants.INIC_BRIDGE])
_REQ_DATA_VERSION = "__version__"
_CREATE_RENAME = {"name": "instance_name", "os": "os_type"}
# Upstream fields of later versions that this cluster's opcodes do not have.
_CREATE_UNSUPPORTED = ["osparams", "no_install", "source_handshake", "source_x509_ca",
                       "source_instance_name", "tags", "identify_defaults"]
_V0_FIELDS = frozenset(["name", "disk_template", "disks", "os", "pnode", "snode",
                        "iallocator", "mac", "ip", "mode", "link", "bridge", "start",
                        "ip_check", "name_check", "hypervisor", "file_storage_dir",
                        "file_driver", "beparams", "hvparams"])


def _QueryInstances(res: baserlib.ResourceBase, names: list[str], fields: list[str],
                    lock: bool) -> list[dict[str, Any]]:
    """Instance objects with the given fields, never showing global hypervisor
    parameters; disk.spindles is computed from disk.sizes."""
    query_fields = [f for f in fields if f in I_QUERY_FIELDS]
    if "disk.spindles" in fields and "disk.sizes" not in query_fields:
        query_fields.append("disk.sizes")
    query_fields = query_fields or ["name"]
    instances = []
    for row in res.Luxi("QueryInstances", names, query_fields, lock):
        data = rlib2_groups.AddInstanceFields(baserlib.MapFields(query_fields, row), fields)
        if isinstance(data.get("hvparams"), dict):
            data["hvparams"] = hv_base.StripGlobalHvParams(data["hvparams"])
        instances.append({f: data[f] for f in fields})
    return instances


def _InstanceOp(opcls: type[opcodes.OpCode], name: str, **values: Any) -> opcodes.OpCode:
    return baserlib.BuildOpcode(opcls, instance_name=name, **values)


# --- request bodies of instance creation ---------------------------------------------
def _ParseDisks(value: Any) -> list[dict[str, Any]]:
    disks = []
    for idx, disk in enumerate(baserlib.CheckType(value, list, "Field 'disks'")):
        what = "disks[%d]" % idx
        baserlib.CheckType(disk, dict, "Field '%s'" % what)
        unknown = sorted(set(disk) - {constants.IDISK_SIZE, constants.IDISK_MODE})
        if unknown:
            raise http.HttpBadRequest("Unknown field '%s.%s'" % (what, unknown[0]))
        if constants.IDISK_SIZE not in disk:
            raise http.HttpBadRequest("Missing required field '%s.size'" % what)
        size = baserlib.CheckType(disk[constants.IDISK_SIZE], int, "Field '%s.size'" % what)
        if size < 0:
            raise http.HttpBadRequest("Field '%s.size' must not be negative" % what)
        parsed = {constants.IDISK_SIZE: size}
        if constants.IDISK_MODE in disk:
            mode = disk[constants.IDISK_MODE]
            if mode not in constants.DISK_ACCESS_SET:
                raise http.HttpBadRequest("Field '%s.mode' must be one of rw, ro" % what)
            parsed[constants.IDISK_MODE] = mode
        disks.append(parsed)
    return disks


def _ParseNics(value: Any) -> list[dict[str, Any]]:
    nics = []
    for idx, nic in enumerate(baserlib.CheckType(value, list, "Field 'nics'")):
        what = "nics[%d]" % idx
        baserlib.CheckType(nic, dict, "Field '%s'" % what)
        for key in sorted(nic):
            if key not in _NIC_FIELDS:
                raise http.HttpBadRequest("Unknown field '%s.%s'" % (what, key))
            if nic[key] is not None:
                baserlib.CheckType(nic[key], str, "Field '%s.%s'" % (what, key))
        mode = nic.get(constants.INIC_MODE)
        if mode is not None and mode not in constants.NIC_VALID_MODES:
            raise http.HttpBadRequest("Field '%s.mode' must be one of %s"
                                      % (what, ", ".join(sorted(constants.NIC_VALID_MODES))))
        nics.append({k: v for k, v in nic.items() if v is not None})
    return nics


def CheckHvParams(value: Any, field: str = "hvparams") -> dict[str, Any]:
    """An instance's own hypervisor parameters: a dict without global ones."""
    value = baserlib.CheckType(value, dict, "Field '%s'" % field)
    try:
        hv_base.CheckGlobalHvParams(value)
    except errors.OpPrereqError as err:
        raise http.HttpBadRequest("Field '%s': %s" % (field, err.args[0])) from err
    return value


def CheckBeParams(value: Any, field: str = "beparams") -> dict[str, Any]:
    """Backend parameters converted to their types ("512M" -> 512)."""
    value = dict(baserlib.CheckType(value, dict, "Field '%s'" % field))
    try:
        uparams.ForceDictType(value, constants.BES_PARAMETER_TYPES)
    except errors.OpPrereqError as err:
        raise http.HttpBadRequest("Field '%s': %s" % (field, err.args[0])) from err
    return {k: v for k, v in value.items() if v is not None}


def ParseCreateV1(body: dict[str, Any], dry_run: bool) -> opcodes.OpCode:
    """OpInstanceCreate from a version 1 body (upstream's field names)."""
    data = dict(body)
    data.pop(_REQ_DATA_VERSION, None)
    for field in ("disks", "nics"):
        if field not in data:
            raise http.HttpBadRequest("Missing required field '%s'" % field)
    data["disks"] = _ParseDisks(data["disks"])
    data["nics"] = _ParseNics(data["nics"])
    if "hvparams" in data:
        data["hvparams"] = CheckHvParams(data["hvparams"])
    if "beparams" in data:
        data["beparams"] = CheckBeParams(data["beparams"])
    return baserlib.FillOpcode(opcodes.OpInstanceCreate, data,
                               {"wait_for_sync": True, "dry_run": dry_run},
                               rename=_CREATE_RENAME, unsupported=_CREATE_UNSUPPORTED)


def ParseCreateV0(body: dict[str, Any], dry_run: bool) -> opcodes.OpCode:
    """OpInstanceCreate from 2.1's body: disk sizes, one NIC, flat be/hv params."""
    hv_names = hypervisor.GetAllParameterNames()
    beparams: dict[str, Any] = {}
    hvparams: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for key, value in body.items():
        if key in constants.BES_PARAMETER_TYPES:
            beparams[key] = value
        elif key in hv_names:
            hvparams[key] = value
        elif key in _V0_FIELDS:
            data[key] = value
        else:
            raise http.HttpBadRequest("Unknown field '%s'" % key)
    beparams.update(baserlib.CheckType(data.pop("beparams", {}), dict, "Field 'beparams'"))
    hvparams.update(baserlib.CheckType(data.pop("hvparams", {}), dict, "Field 'hvparams'"))
    if "disks" not in data:
        raise http.HttpBadRequest("Missing required field 'disks'")
    disks = []
    for idx, size in enumerate(baserlib.CheckType(data.pop("disks"), list, "Field 'disks'")):
        disks.append({constants.IDISK_SIZE: baserlib.CheckType(size, int,
                                                               "Field 'disks[%d]'" % idx)})
    nic = {constants.INIC_MAC: data.pop("mac", constants.VALUE_AUTO)}
    for key in (constants.INIC_IP, constants.INIC_MODE, constants.INIC_LINK,
                constants.INIC_BRIDGE):
        value = data.pop(key, None)
        if value is not None:
            nic[key] = value
    data.update(disks=disks, nics=_ParseNics([nic]), mode=constants.INSTANCE_CREATE,
                hvparams=CheckHvParams(hvparams), beparams=CheckBeParams(beparams))
    return baserlib.FillOpcode(opcodes.OpInstanceCreate, data,
                               {"wait_for_sync": True, "dry_run": dry_run},
                               rename=_CREATE_RENAME)


# --- resources ------------------------------------------------------------------------
class R_2_instances(baserlib.ResourceBase):  # noqa: N801
    """/2/instances: list (bulk: with details) and create (POST, a job)."""

    def GET(self) -> Any:  # noqa: N802
        if self.useBulk():
            fields = self.GetFields(I_FIELDS)
            lock = self.useLocking()

            def _Query() -> Any:
                return _QueryInstances(self, [], fields, lock)
            if lock:
                return _Query()
            return self.env.cache.Get(("instances", tuple(fields)), _Query)
        names = [row[0] for row in self.Luxi("QueryInstances", [], ["name"], False)]
        return baserlib.BuildUriList(names, "/2/instances/%s", uri_fields=("id", "uri"))

    def POST(self) -> Any:  # noqa: N802
        body = self.GetBodyDict()
        version = body.get(_REQ_DATA_VERSION, 0)
        if version == 1:
            op = ParseCreateV1(body, self.dryRun())
        elif version == 0:
            op = ParseCreateV0({k: v for k, v in body.items() if k != _REQ_DATA_VERSION},
                               self.dryRun())
        else:
            raise http.HttpBadRequest("Unsupported request data version %s" % (version,))
        return self.SubmitJob([op])


class _InstanceResource(baserlib.ResourceBase):
    """A resource below /2/instances/<name>."""

    @property
    def name(self) -> str:
        return self.items[0]


class R_2_instances_name(_InstanceResource):  # noqa: N801
    """/2/instances/<name>: details (GET) and removal (DELETE, a job)."""

    def GET(self) -> Any:  # noqa: N802
        rows = _QueryInstances(self, [self.name], self.GetFields(I_FIELDS),
                               self.useLocking())
        if not rows:
            raise http.HttpNotFound("Instance %s not found" % self.name)
        return rows[0]

    def DELETE(self) -> Any:  # noqa: N802
        op = baserlib.FillOpcode(opcodes.OpInstanceRemove, self.request_body,
                                 {"instance_name": self.name})
        return self.SubmitJob([op])


class R_2_instances_name_info(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/info: a job gathering detailed information (static=1: config only)."""

    def GET(self) -> Any:  # noqa: N802
        op = baserlib.BuildOpcode(opcodes.OpInstanceQueryData, instances=[self.name],
                                  static=bool(self.QueryBool("static")))
        return self.SubmitJob([op])


class R_2_instances_name_reboot(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/reboot: ?type=soft|hard|full, ?ignore_secondaries."""

    def POST(self) -> Any:  # noqa: N802
        reboot_type = self.QueryString("type", constants.INSTANCE_REBOOT_HARD)
        if reboot_type not in constants.REBOOT_TYPES:
            raise http.HttpBadRequest("Invalid value %r for the 'type' parameter: expected"
                                      " one of %s" % (reboot_type[:32],
                                                      ", ".join(sorted(constants.REBOOT_TYPES))))
        op = baserlib.FillOpcode(opcodes.OpInstanceReboot, self.request_body, {
            "instance_name": self.name, "reboot_type": reboot_type,
            "ignore_secondaries": bool(self.QueryBool("ignore_secondaries"))})
        return self.SubmitJob([op])


class R_2_instances_name_startup(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/startup: ?force to start despite degraded disks."""

    def PUT(self) -> Any:  # noqa: N802
        self.RefuseQueryFlag("no_remember")
        op = baserlib.FillOpcode(opcodes.OpInstanceStartup, self.request_body,
                                 {"instance_name": self.name, "force": self.useForce()})
        return self.SubmitJob([op])


class R_2_instances_name_shutdown(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/shutdown: body may give the shutdown timeout."""

    def PUT(self) -> Any:  # noqa: N802
        self.RefuseQueryFlag("no_remember")
        op = baserlib.FillOpcode(opcodes.OpInstanceShutdown, self.request_body,
                                 {"instance_name": self.name})
        return self.SubmitJob([op])


class R_2_instances_name_reinstall(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/reinstall: shutdown, reinstall, start again (one job).

    Version 1 takes a body {os, start}; the 2.1 form ?os=&nostartup=1.
    """

    def POST(self) -> Any:  # noqa: N802
        if self.request_body is not None:
            if any(k for k in self.queryargs if k not in ("dry-run", "reason")):
                raise http.HttpBadRequest("Can't combine query and body parameters")
            body = self.GetBodyDict()
            unknown = sorted(set(body) - {"os", "start", "osparams"})
            if unknown:
                raise http.HttpBadRequest("Unknown field '%s'" % unknown[0])
            if body.get("osparams"):
                raise http.HttpBadRequest("Field 'osparams' is not supported by this cluster")
            os_name = body.get("os")
            if os_name is not None:
                baserlib.CheckType(os_name, str, "Field 'os'")
            start = baserlib.CheckType(body.get("start", True), bool, "Field 'start'")
        else:
            os_name = self.QueryString("os")
            start = not self.QueryBool("nostartup")
        ops = [_InstanceOp(opcodes.OpInstanceShutdown, self.name),
               _InstanceOp(opcodes.OpInstanceReinstall, self.name, os_type=os_name or None)]
        if start:
            ops.append(_InstanceOp(opcodes.OpInstanceStartup, self.name, force=False))
        return self.SubmitJob(ops)


class R_2_instances_name_replace_disks(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/replace-disks: ?mode, ?disks=0,1, ?remote_node, ?iallocator."""

    def POST(self) -> Any:  # noqa: N802
        body = self.GetBodyDict()
        static: dict[str, Any] = {"instance_name": self.name}
        if "mode" not in body:
            static["mode"] = self.QueryString("mode", constants.REPLACE_DISK_AUTO)
        raw_disks = self.QueryString("disks")
        if raw_disks:
            try:
                static["disks"] = [int(part) for part in raw_disks.split(",")]
            except ValueError as err:
                raise http.HttpBadRequest("Invalid disk index passed in 'disks': %s"
                                          % err) from err
        for name in ("remote_node", "iallocator"):
            value = self.QueryString(name)
            if value:
                static[name] = value
        early = self.QueryBool("early_release", None)
        if early is not None:
            static["early_release"] = early
        op = baserlib.FillOpcode(opcodes.OpInstanceReplaceDisks, body, static)
        return self.SubmitJob([op])


class R_2_instances_name_activate_disks(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/activate-disks: ?ignore_size."""

    def PUT(self) -> Any:  # noqa: N802
        op = _InstanceOp(opcodes.OpInstanceActivateDisks, self.name,
                         ignore_size=bool(self.QueryBool("ignore_size")))
        return self.SubmitJob([op])


class R_2_instances_name_deactivate_disks(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/deactivate-disks."""

    def PUT(self) -> Any:  # noqa: N802
        self.RefuseQueryFlag("force")
        return self.SubmitJob([_InstanceOp(opcodes.OpInstanceDeactivateDisks, self.name)])


class R_2_instances_name_migrate(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/migrate: body {mode: live|non-live, cleanup}."""

    def PUT(self) -> Any:  # noqa: N802
        body = dict(self.GetBodyDict())
        if "target_node" in body:
            raise http.HttpBadRequest("Field 'target_node' is not supported by this cluster")
        mode = body.pop("mode", None)
        if mode is not None:
            if mode not in constants.HT_MIGRATION_MODES:
                raise http.HttpBadRequest("Field 'mode' must be one of %s"
                                          % ", ".join(sorted(constants.HT_MIGRATION_MODES)))
            body["live"] = mode == constants.HT_MIGRATION_LIVE
        op = baserlib.FillOpcode(opcodes.OpInstanceMigrate, body, {"instance_name": self.name})
        return self.SubmitJob([op])


class R_2_instances_name_failover(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/failover: body {ignore_consistency, shutdown_timeout}."""

    def PUT(self) -> Any:  # noqa: N802
        op = baserlib.FillOpcode(opcodes.OpInstanceFailover, self.request_body,
                                 {"instance_name": self.name},
                                 unsupported=["iallocator", "target_node"])
        return self.SubmitJob([op])


class R_2_instances_name_rename(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/rename: body {new_name, ip_check, name_check}."""

    def PUT(self) -> Any:  # noqa: N802
        op = baserlib.FillOpcode(opcodes.OpInstanceRename, self.request_body,
                                 {"instance_name": self.name})
        return self.SubmitJob([op])


class R_2_instances_name_modify(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/modify: body {hvparams, beparams, nics, disks, force}."""

    def PUT(self) -> Any:  # noqa: N802
        body = dict(self.GetBodyDict())
        if "hvparams" in body:
            body["hvparams"] = CheckHvParams(body["hvparams"])
        if "beparams" in body:
            body["beparams"] = CheckBeParams(body["beparams"])
        op = baserlib.FillOpcode(opcodes.OpInstanceSetParams, body,
                                 {"instance_name": self.name},
                                 unsupported=["osparams", "disk_template", "remote_node",
                                              "os_name", "force_variant"])
        return self.SubmitJob([op])


class R_2_instances_name_console(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/console: how to reach the console (write access, as upstream)."""

    GET_ACCESS = [constants.RAPI_ACCESS_WRITE]

    def GET(self) -> Any:  # noqa: N802
        job_id = self.SubmitJob([_InstanceOp(opcodes.OpInstanceConsole, self.name)])
        result = self.WaitForJobResult(job_id)[0]
        if not isinstance(result, dict):
            raise baserlib.HttpBadGateway("Unexpected console information for %s" % self.name)
        return result


class R_2_instances_name_tags(rlib2.TagsResource):  # noqa: N801
    """/2/instances/<name>/tags."""

    TAG_LEVEL = constants.TAG_INSTANCE


class R_2_instances_name_recreate_disks(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/recreate-disks: body {disks: [index...]}."""

    def POST(self) -> Any:  # noqa: N802
        op = baserlib.FillOpcode(opcodes.OpInstanceRecreateDisks, self.request_body,
                                 {"instance_name": self.name},
                                 unsupported=["nodes", "iallocator"])
        return self.SubmitJob([op])


class R_2_instances_name_disk_grow(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/disk/<index>/grow: body {amount, wait_for_sync}."""

    def POST(self) -> Any:  # noqa: N802
        if not self.items[1].isdigit():
            raise http.HttpNotFound("Invalid disk index %r" % self.items[1][:16])
        op = baserlib.FillOpcode(opcodes.OpInstanceGrowDisk, self.request_body,
                                 {"instance_name": self.name, "disk": int(self.items[1])},
                                 unsupported=["absolute"])
        return self.SubmitJob([op])


_EXPORT_MODE_LOCAL = "local"


class R_2_instances_name_export(_InstanceResource):  # noqa: N801
    """/2/instances/<name>/export: body {mode: local, destination: node, shutdown}."""

    def PUT(self) -> Any:  # noqa: N802
        body = dict(self.GetBodyDict())
        mode = body.pop("mode", _EXPORT_MODE_LOCAL)
        if mode != _EXPORT_MODE_LOCAL:
            raise http.HttpBadRequest("Field 'mode': only local exports are supported")
        op = baserlib.FillOpcode(opcodes.OpBackupExport, body, {"instance_name": self.name},
                                 rename={"destination": "target_node"},
                                 unsupported=["remove_instance", "x509_key_name",
                                              "destination_x509_ca", "compress"])
        return self.SubmitJob([op])
