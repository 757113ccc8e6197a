"""RAPI version 2: cluster-wide resources, jobs and the tag resources' base.

Instances and nodes live in rlib2_instances and rlib2_nodes. Names, query
arguments, bodies and answers follow upstream's RAPI 2 so that its client
library and scripts work unchanged; where this cluster cannot honour an
upstream argument it says so with a 400 instead of ignoring it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ganeti import constants, http, opcodes
from ganeti.rapi import baserlib, rlib2_groups

#: Optional features clients test for (upstream's feature strings).
INST_CREATE_REQV1 = "instance-create-reqv1"
INST_REINSTALL_REQV1 = "instance-reinstall-reqv1"
NODE_MIGRATE_REQV1 = "node-migrate-reqv1"
NODE_EVAC_RES1 = "node-evac-res1"
ALL_FEATURES = frozenset([INST_CREATE_REQV1, INST_REINSTALL_REQV1, NODE_MIGRATE_REQV1,
                          NODE_EVAC_RES1])

J_FIELDS_BULK = ["id", "ops", "status", "summary", "opstatus", "received_ts", "start_ts",
                 "end_ts"]
J_FIELDS = J_FIELDS_BULK + ["oplog", "opresult"]
#: Fields /2/jobs/<id>/wait may watch.
J_WAIT_FIELDS = frozenset(J_FIELDS + ["priority", "opstart", "opexec", "opend", "oppriority"])


def RootListing(prefix: str, names: list[str]) -> list[dict[str, str]]:
    """The {name, uri} list the root resources show."""
    return [{"name": n, "uri": "%s/%s" % (prefix, n)} for n in names]


class R_root(baserlib.ResourceBase):  # noqa: N801 - upstream's resource names
    """/: the API versions this server offers."""

    def GET(self) -> Any:  # noqa: N802
        return RootListing("", ["2", "version"])


class R_version(baserlib.ResourceBase):  # noqa: N801
    """/version: the remote API version (2), for clients to adapt to."""

    def GET(self) -> Any:  # noqa: N802
        return constants.RAPI_VERSION


class R_2(baserlib.ResourceBase):  # noqa: N801
    """/2: the top-level resources of version 2."""

    def GET(self) -> Any:  # noqa: N802
        return RootListing("/2", ["features", "groups", "info", "instances", "jobs", "nodes",
                                  "os", "redistribute-config", "tags", "openapi.json"])


class R_2_info(baserlib.ResourceBase):  # noqa: N801
    """/2/info: cluster information (luxi QueryClusterInfo and upstream's "ipolicy"),
    cached by config serial."""

    def GET(self) -> Any:  # noqa: N802
        return rlib2_groups.CachedClusterInfo(self)


class R_2_features(baserlib.ResourceBase):  # noqa: N801
    """/2/features: the optional request and result formats we implement."""

    def GET(self) -> Any:  # noqa: N802
        return sorted(ALL_FEATURES)


class R_2_os(baserlib.ResourceBase):  # noqa: N801
    """/2/os: the valid OS names (with variants), from an OS diagnose job."""

    def GET(self) -> Any:  # noqa: N802
        op = baserlib.BuildOpcode(opcodes.OpOsDiagnose,
                                  output_fields=["name", "valid", "variants"], names=[])
        result = self.WaitForJobResult(self.SubmitJob([op]))[0]
        if not isinstance(result, list):
            raise baserlib.HttpBadGateway("Can't get the OS list")
        names: list[str] = []
        for row in result:
            name, valid, variants = row
            if not valid:
                continue
            if variants:
                names.extend("%s%s%s" % (name, constants.OS_VARIANT_SEP, v) for v in variants)
            else:
                names.append(name)
        return names


class R_2_redist_config(baserlib.ResourceBase):  # noqa: N801
    """/2/redistribute-config: push the configuration files to all nodes again."""

    def PUT(self) -> Any:  # noqa: N802
        return self.SubmitJob([baserlib.BuildOpcode(opcodes.OpClusterRedistConf)])


class R_2_cluster_modify(baserlib.ResourceBase):  # noqa: N801
    """/2/modify: change cluster parameters (body: OpClusterSetParams' fields)."""

    def PUT(self) -> Any:  # noqa: N802
        return self.SubmitJob([baserlib.FillOpcode(opcodes.OpClusterSetParams,
                                                   self.request_body, {})])


class R_2_openapi(baserlib.ResourceBase):  # noqa: N801
    """/2/openapi.json: the OpenAPI 3 description of this API."""

    def GET(self) -> Any:  # noqa: N802
        from ganeti.rapi import openapi
        return openapi.GetDocumentJson()


# --- tags --------------------------------------------------------------------------
class TagsResource(baserlib.ResourceBase):
    """Tags of one object: GET lists, PUT adds, DELETE removes (jobs).

    The tags come as repeated ``tag`` query arguments (what upstream's
    client sends); a JSON list body is accepted as well, as upstream's
    documentation describes.
    """

    TAG_LEVEL: ClassVar[str] = constants.TAG_CLUSTER

    def _Name(self) -> str | None:
        return self.items[0] if self.TAG_LEVEL != constants.TAG_CLUSTER else None

    def GET(self) -> Any:  # noqa: N802
        return self.Luxi("QueryTags", self.TAG_LEVEL, self._Name())

    def _Tags(self, verb: str) -> list[str]:
        tags = list(self.queryargs.get("tag", []))
        if self.request_body is not None:
            body = baserlib.CheckType(self.request_body, list, "The request body")
            for idx, tag in enumerate(body):
                baserlib.CheckType(tag, str, "Tag %d of the request body" % idx)
            tags.extend(t for t in body if t not in tags)
        if not tags:
            raise http.HttpBadRequest("Please specify tag(s) to %s using the 'tag' parameter"
                                      % verb)
        return tags

    def _Submit(self, opcls: type[opcodes.OpCode], verb: str) -> str:
        op = baserlib.BuildOpcode(opcls, kind=self.TAG_LEVEL, name=self._Name(),
                                  tags=self._Tags(verb))
        return self.SubmitJob([op])

    def PUT(self) -> Any:  # noqa: N802
        return self._Submit(opcodes.OpTagsSet, "add")

    def DELETE(self) -> Any:  # noqa: N802
        return self._Submit(opcodes.OpTagsDel, "delete")


class R_2_tags(TagsResource):  # noqa: N801
    """/2/tags: cluster tags."""

    TAG_LEVEL = constants.TAG_CLUSTER


# --- jobs --------------------------------------------------------------------------------
class R_2_jobs(baserlib.ResourceBase):  # noqa: N801
    """/2/jobs: all jobs, as {id, uri} or (bulk) their main fields."""

    def GET(self) -> Any:  # noqa: N802
        if self.useBulk():
            fields = self.GetFields(J_FIELDS)
            return baserlib.MapBulkFields(self.Luxi("QueryJobs", None, fields), fields)
        ids = [row[0] for row in self.Luxi("QueryJobs", None, ["id"])]
        return baserlib.BuildUriList(ids, "/2/jobs/%s", uri_fields=("id", "uri"))


class _JobResource(baserlib.ResourceBase):
    def JobId(self) -> str:
        job_id = self.items[0]
        if not job_id.isdigit():
            raise http.HttpNotFound("Invalid job id %r" % job_id[:32])
        return job_id


class R_2_jobs_id(_JobResource):  # noqa: N801
    """/2/jobs/<id>: a job's status and results; DELETE cancels it."""

    def GET(self) -> Any:  # noqa: N802
        fields = self.GetFields(J_FIELDS)
        row = self.Luxi("QueryJobs", [self.JobId()], fields)[0]
        if row is None:
            raise http.HttpNotFound("Job %s not found" % self.items[0])
        return baserlib.MapFields(fields, row)

    def DELETE(self) -> Any:  # noqa: N802
        return self.Luxi("CancelJob", self.JobId())


class R_2_jobs_id_wait(_JobResource):  # noqa: N801
    """/2/jobs/<id>/wait: long-poll for a change of a job (at most 10 s a call).

    It blocks a thread and shows job details, hence write access, as upstream.
    """

    GET_ACCESS = [constants.RAPI_ACCESS_WRITE]

    def GET(self) -> Any:  # noqa: N802
        body = self.GetBodyDict()
        unknown = sorted(set(body) - {"fields", "previous_job_info", "previous_log_serial"})
        if unknown:
            raise http.HttpBadRequest("Unknown field '%s'" % unknown[0])
        if "fields" not in body:
            raise http.HttpBadRequest("Missing required field 'fields'")
        fields = baserlib.CheckType(body["fields"], list, "Field 'fields'")
        bad = [f for f in fields if not isinstance(f, str) or f not in J_WAIT_FIELDS]
        if bad:
            raise http.HttpBadRequest("Field 'fields' names unknown job field(s): %s"
                                      % ", ".join(map(str, bad[:5])))
        prev_info = body.get("previous_job_info")
        if prev_info is not None:
            baserlib.CheckType(prev_info, list, "Field 'previous_job_info'")
        prev_serial = body.get("previous_log_serial")
        if prev_serial is not None:
            baserlib.CheckType(prev_serial, int, "Field 'previous_log_serial'")
        result = self.Luxi("WaitForJobChangeOnce", self.JobId(), fields, prev_info,
                           prev_serial, timeout=baserlib.WFJC_TIMEOUT)
        if result is None:
            raise http.HttpNotFound("Job %s not found" % self.items[0])
        if result == constants.JOB_NOTCHANGED:
            return None
        job_info, log_entries = result
        return {"job_info": job_info, "log_entries": log_entries}
