"""Helpers for RAPI unit tests: a recording luxi double and in-process requests.

FakeLuxi answers luxi calls from canned data and records every submitted
job, so tests can check which opcodes a request built without a master
daemon. Call() runs one request through the real RapiHandler (routing,
authentication, access checks, body parsing, error mapping) without a
socket; the HTTPS path is covered by test_client.py and the daemon tests.
"""

import base64

from ganeti import constants, http, serializer
from ganeti.http import message, server
from ganeti.rapi import auth, baserlib
from ganeti.server import rapi

USERS = ("# test users\n"
         "writer wpass write\n"
         "reader {cleartext}rpass\n")
NODES = {
    "node1.example.com": {"name": "node1.example.com", "role": "M", "offline": False,
                          "master_candidate": True, "drained": False, "pip": "127.0.0.1",
                          "sip": "127.0.0.1", "pinst_cnt": 1, "sinst_cnt": 0,
                          "pinst_list": ["inst1.example.com"], "sinst_list": [], "tags": [],
                          "dtotal": 100, "dfree": 50, "mtotal": 4096, "mnode": 512,
                          "mfree": 2048, "ctotal": 2, "cnodes": 1, "csockets": 1, "cnos": 2,
                          "ctime": None, "mtime": None, "uuid": "u-n1", "serial_no": 1},
}
INSTANCES = {
    "inst1.example.com": {"name": "inst1.example.com", "admin_state": True, "os": "debian",
                          "pnode": "node1.example.com", "snodes": [], "disk_template": "plain",
                          "nic.ips": [None], "nic.macs": ["aa:00:00:00:00:01"],
                          "nic.modes": ["bridged"], "nic.links": ["br0"],
                          "nic.bridges": ["br0"], "network_port": None, "disk.sizes": [1024],
                          "disk_usage": 1024, "beparams": {"memory": 128},
                          "hvparams": {"kernel_path": "/k", "migration_port": 8102},
                          "oper_state": True, "oper_ram": 128, "status": "running",
                          "ctime": 1.0, "mtime": 2.0, "uuid": "u-i1", "serial_no": 3,
                          "tags": ["a"]},
}


class FakeLuxi:
    """A luxi.Client stand-in sharing one record of calls (class attributes)."""

    submitted: list = []
    calls: list = []

    def __init__(self, address=None):
        self.address = address

    @classmethod
    def Reset(cls):
        cls.submitted = []
        cls.calls = []

    def Close(self):
        pass

    def SubmitJob(self, ops):
        FakeLuxi.submitted.append([op.__getstate__() for op in ops])
        return str(len(FakeLuxi.submitted))

    def QueryClusterInfo(self):
        FakeLuxi.calls.append("QueryClusterInfo")
        return {"name": "cluster.example.com", "master": "node1.example.com",
                "software_version": "2.1.0", "protocol_version": 2010000,
                "uuid": "0a5b1c3e-3f5e-4b55-9d3b-4f1a2c3d4e5f",
                "beparams": {"default": {"memory": 512, "vcpus": 2}}}

    @staticmethod
    def _Rows(table, names, fields):
        from ganeti import errors
        for name in names:
            if name not in table:
                raise errors.OpPrereqError("%s not known" % name, errors.ECODE_NOENT)
        return [[table[n][f] for f in fields] for n in (names or sorted(table))]

    def QueryInstances(self, names, fields, use_locking):
        FakeLuxi.calls.append(("QueryInstances", names, fields, use_locking))
        return self._Rows(INSTANCES, names, fields)

    def QueryNodes(self, names, fields, use_locking):
        FakeLuxi.calls.append(("QueryNodes", names, fields, use_locking))
        return self._Rows(NODES, names, fields)

    def QueryTags(self, kind, name):
        return ["%s:%s" % (kind, name)]

    def QueryJobs(self, ids, fields):
        jobs = {"1": {"id": "1", "status": "success", "ops": [{"OP_ID": "OP_TEST_DELAY"}],
                      "summary": ["TEST_DELAY(0)"], "opstatus": ["success"],
                      "opresult": [[["debian", True, []]]], "oplog": [[]],
                      "received_ts": [1, 0], "start_ts": [1, 1], "end_ts": [1, 2]}}
        wanted = sorted(jobs) if ids is None else ids
        return [[jobs[j][f] for f in fields] if j in jobs else None for j in wanted]

    def WaitForJobChangeOnce(self, job_id, fields, prev_info, prev_serial, timeout=10):
        FakeLuxi.calls.append(("Wait", job_id, fields, prev_info, prev_serial, timeout))
        if job_id == "404":
            return None
        if prev_info is not None:
            return constants.JOB_NOTCHANGED
        return (["success" if f == "status" else None for f in fields], [[1, [1, 0], "message",
                                                                          "hello"]])

    def CancelJob(self, job_id):
        return (True, "Job %s canceled" % job_id)


def MakeHandler(tmp_path, require_auth=False, cache_ttl=0.0):
    users_file = tmp_path / "rapi_users"
    users_file.write_text(USERS)
    config = tmp_path / "config.data"
    config.write_text("{}")
    users = auth.UsersFile(str(users_file))
    users.Load()
    FakeLuxi.Reset()
    env = baserlib.RapiEnvironment(baserlib.LuxiPool(client_factory=FakeLuxi),
                                   baserlib.ResponseCache(cache_ttl, str(config)))
    return rapi.RapiHandler(users, env, require_auth=require_auth)


def Call(handler, method, path, body=None, user=None, raw_body=None):
    """(status, response headers, decoded body) of one request through handler."""
    target, _, query = path.partition("?")
    headers = message.Headers()
    if user is not None:
        token = base64.b64encode(("%s:%s" % user).encode()).decode()
        headers[http.HTTP_AUTHORIZATION] = "Basic " + token
    req = server.HttpServerRequest(method, target, query, "HTTP/1.1", headers, ("127.0.0.1", 1))
    try:
        handler.PreHandleRequest(req)
        if raw_body is not None:
            req.body = raw_body
        elif body is not None:
            req.body = serializer.DumpJson(body).encode()
        result = handler.HandleRequest(req)
    except http.HttpException as err:
        return err.code, err.headers, {"code": err.code, "explain": err.message}
    if not isinstance(result, bytes):
        result = serializer.DumpJson(result)  # what the server sends
    return req.resp_status, req.resp_headers, serializer.LoadJson(result)


WRITER = ("writer", "wpass")
READER = ("reader", "rpass")
