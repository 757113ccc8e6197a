"""ganeti-rapi as a daemon: HTTPS, a real ganeti-masterd behind it, real clients.

A single-node cluster (test/server/rapicluster.py) serves every test of
this module; answers are validated against the OpenAPI description. Read
resources whose logical unit does not exist yet must answer a proper JSON
501; once the LU lands the same test validates its real answers.
"""

import base64
import os
import random
import socket
import ssl
import sys
import time

import pytest
import testutils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rapicluster  # noqa: E402

from ganeti import serializer  # noqa: E402
from ganeti.http import client as http_client  # noqa: E402
from ganeti.http import tls  # noqa: E402
from ganeti.rapi import client, openapi, schema  # noqa: E402
from ganeti.utils import x509  # noqa: E402

WRITER = ("writer", "wpass")
READER = ("reader", "rpass")
FUZZ_SECONDS = float(os.environ.get("RAPI_FUZZ_SECONDS", "10"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reaper = testutils.Reaper()
    try:
        yield rapicluster.RapiCluster(tmp_path_factory.mktemp("rapi"), reaper)
    finally:
        reaper.KillAll()


def _Client(cluster, user=WRITER):
    return client.GanetiRapiClient(cluster.ip, cluster.port, *(user or (None, None)),
                                   curl_config_fn=client.GenericCurlConfig(
                                       cafile=cluster.cert_file))


@pytest.fixture(scope="module")
def raw(cluster):
    pool = http_client.HttpClientPool(tls.ClientContext(
        x509.ReadCertificateFile(cluster.cert_file)))

    def _Request(method, path, body=None, user=None, headers=None):
        hdrs = dict(headers or {})
        if user:
            hdrs["Authorization"] = "Basic " + base64.b64encode(
                ("%s:%s" % user).encode()).decode()
        data = body if isinstance(body, bytes) else (
            b"" if body is None else serializer.DumpJson(body).encode())
        resp = pool.Request(cluster.ip, cluster.port, method, path, data, hdrs, timeout=30)
        return resp.status, resp.headers, (resp.GetJson() if resp.body else None)
    yield _Request
    pool.CloseAll()


def _Check(template, method, status, body):
    """Validate an answer against the OpenAPI description of its operation."""
    op = openapi.PATHS[template][method.lower()]
    key = "200" if status == 200 else "default"
    sch = op["responses"][key]["content"]["application/json"]["schema"]
    schema.Validate(body, sch, openapi.DOCUMENT)


def _ReadOrNotImplemented(raw, template, path, user=None):
    status, _, body = raw("GET", path, user=user)
    _Check(template, "GET", status, body)
    if status == 501:
        assert "not implemented" in body["explain"].lower(), body
        return None
    assert status == 200, body
    return body


def _WaitJob(cl, job_id, timeout=60):
    info, serial = None, None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        change = cl.WaitForJobChange(job_id, ["status"], info, serial)
        if change is None:
            continue
        info = change["job_info"]
        if change["log_entries"]:
            serial = change["log_entries"][-1][0]
        if info[0] in client.JOB_STATUS_FINALIZED:
            return info[0]
    raise AssertionError("job %s did not finish" % job_id)


# --- every resource we serve ------------------------------------------------------
def test_static_resources(cluster, raw):
    for template, path in (("/", "/"), ("/version", "/version"), ("/2", "/2"),
                           ("/2/features", "/2/features"), ("/2/openapi.json",
                                                            "/2/openapi.json")):
        status, headers, body = raw("GET", path)
        assert status == 200 and headers["content-type"] == "application/json"
        _Check(template, "GET", status, body)
    assert raw("GET", "/version")[2] == 2


def test_cluster_info_and_tags(cluster, raw):
    info = _ReadOrNotImplemented(raw, "/2/info", "/2/info")
    if info is not None:
        assert info["master"] == rapicluster.NODE and info["name"] == "cluster.example.com"
    _ReadOrNotImplemented(raw, "/2/tags", "/2/tags")
    _ReadOrNotImplemented(raw, "/2/os", "/2/os")


def test_groups(cluster, raw):
    (group,) = _ReadOrNotImplemented(raw, "/2/groups", "/2/groups?bulk=1")
    assert group["name"] == "default" and group["node_list"] == [rapicluster.NODE]
    (node,) = _ReadOrNotImplemented(raw, "/2/nodes", "/2/nodes?bulk=1")
    assert node["group.uuid"] == group["uuid"] and "cnos" in node
    assert _ReadOrNotImplemented(raw, "/2/groups/{group_name}",
                                 "/2/groups/" + group["uuid"]) == group


def test_nodes(cluster, raw):
    listing = _ReadOrNotImplemented(raw, "/2/nodes", "/2/nodes")
    if listing is None:
        return
    assert listing == [{"id": rapicluster.NODE, "uri": "/2/nodes/" + rapicluster.NODE}]
    bulk = _ReadOrNotImplemented(raw, "/2/nodes", "/2/nodes?bulk=1")
    assert bulk[0]["name"] == rapicluster.NODE and bulk[0]["pip"] == cluster.ip
    node = _ReadOrNotImplemented(raw, "/2/nodes/{node_name}", "/2/nodes/" + rapicluster.NODE)
    assert node["role"] == "M"
    assert _ReadOrNotImplemented(raw, "/2/nodes/{node_name}/role",
                                 "/2/nodes/%s/role" % rapicluster.NODE) == "master"
    _ReadOrNotImplemented(raw, "/2/nodes/{node_name}/tags",
                          "/2/nodes/%s/tags" % rapicluster.NODE)
    status, _, body = raw("GET", "/2/nodes/nosuchnode.example.com")
    assert status == 404, body


def test_instances(cluster, raw):
    listing = _ReadOrNotImplemented(raw, "/2/instances", "/2/instances")
    if listing is not None:
        assert listing == []
        assert _ReadOrNotImplemented(raw, "/2/instances", "/2/instances?bulk=1") == []


def test_jobs_submit_wait_status_cancel(cluster, raw):
    cl = _Client(cluster)
    job_id = cl.RedistributeConfig()
    assert isinstance(job_id, str) and job_id.isdigit()
    assert _WaitJob(cl, job_id) in client.JOB_STATUS_FINALIZED
    status, _, job = raw("GET", "/2/jobs/" + job_id)
    _Check("/2/jobs/{job_id}", "GET", status, job)
    assert job["id"] == job_id and job["ops"][0]["OP_ID"] == "OP_CLUSTER_REDIST_CONF"
    assert int(job_id) in cl.GetJobs()
    status, _, jobs = raw("GET", "/2/jobs?bulk=1")
    _Check("/2/jobs", "GET", status, jobs)
    assert any(j["id"] == job_id for j in jobs)
    success, msg = cl.CancelJob(job_id)  # finished: nothing to cancel
    assert success is False and job_id in msg
    dry = cl.AddClusterTags(["rapi-test"], dry_run=True)
    status, _, job = raw("GET", "/2/jobs/" + dry)
    assert job["ops"][0]["dry_run"] is True and job["ops"][0]["tags"] == ["rapi-test"]
    assert _WaitJob(cl, dry) in client.JOB_STATUS_FINALIZED


def test_job_wait_long_poll(cluster, raw):
    cl = _Client(cluster)
    job_id = cl.RedistributeConfig()
    final = _WaitJob(cl, job_id)
    body = {"fields": ["status"], "previous_job_info": [final], "previous_log_serial": 10**6}
    status, _, change = raw("GET", "/2/jobs/%s/wait" % job_id, body=body, user=WRITER)
    _Check("/2/jobs/{job_id}/wait", "GET", status, change)
    assert change["job_info"] == [final]  # a finished job answers at once
    assert raw("GET", "/2/jobs/999999/wait", body=body, user=WRITER)[0] == 404


# --- auth, errors, bodies ------------------------------------------------------------
def test_auth(cluster, raw):
    status, headers, body = raw("PUT", "/2/redistribute-config")
    assert status == 401 and headers["www-authenticate"] == 'Basic realm="Ganeti Remote API"'
    _Check("/2/redistribute-config", "PUT", status, body)
    assert raw("PUT", "/2/redistribute-config", user=("writer", "nope"))[0] == 401
    status, _, body = raw("PUT", "/2/redistribute-config", user=READER)
    assert status == 403 and body["code"] == 403
    assert raw("GET", "/2/jobs/1/wait", body={"fields": []}, user=READER)[0] == 403
    assert raw("GET", "/version", user=READER)[0] == 200


def test_errors(cluster, raw):
    status, _, body = raw("GET", "/2/nope")
    assert status == 404 and set(body) == {"code", "message", "explain"}
    status, headers, _ = raw("POST", "/2/info", user=WRITER)
    assert status == 405 and "GET" in headers["allow"]
    assert raw("GET", "/2/groups/default/modify")[0] == 501
    status, _, body = raw("POST", "/2/instances", body={
        "__version__": 1, "mode": "create", "name": "x.example.com", "disk_template": "plain",
        "disks": [{"size": "huge"}], "nics": []}, user=WRITER)
    assert status == 400 and "disks[0].size" in body["explain"]
    status, _, body = raw("PUT", "/2/instances/x/rename", body={"new_name": "y", "zzz": 1},
                          user=WRITER)
    assert status == 400 and "zzz" in body["explain"]
    status, _, body = raw("PUT", "/2/modify", body={"candidate_pool_size": "ten"}, user=WRITER)
    assert status == 400 and "candidate_pool_size" in body["explain"]
    status, _, body = raw("POST", "/2/instances", body=b"{broken", user=WRITER)
    assert status == 400 and "JSON" in body["explain"]


def test_users_file_reload(cluster):
    newbie = _Client(cluster, ("newbie", "n3w"))
    with pytest.raises(client.GanetiApiError) as err:
        newbie.AddClusterTags(["x"], dry_run=True)
    assert err.value.code == 401
    tmp = cluster.users_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(rapicluster.USERS + "newbie {cleartext}n3w write\n")
    os.rename(tmp, cluster.users_file)
    try:
        job = testutils.WaitFor(lambda: _TryWrite(newbie), timeout=15, what="users reload")
        assert job.isdigit()
    finally:
        with open(tmp, "w") as fh:
            fh.write(rapicluster.USERS)
        os.rename(tmp, cluster.users_file)
    testutils.WaitFor(lambda: _TryWrite(newbie) is None, timeout=15, what="user removal")


def _TryWrite(cl):
    try:
        return cl.AddClusterTags(["reload"], dry_run=True)
    except client.GanetiApiError as err:
        assert err.code == 401
        return None


# --- fuzzing ----------------------------------------------------------------------------
_PATHS = [openapi.TemplateOf(p) for p in ("/", "/2/info", "/2/instances", "/2/nodes", "/2/jobs")]
_PATHS += ["/2/instances/x", "/2/instances/x/reboot", "/2/nodes/n/role", "/2/jobs/1/wait",
           "/2/instances/%2e%2e/tags", "/2/nodes/\u00e9", "//2//info", "/2/jobs/-1",
           "/2/instances/" + "a" * 5000, "/2/tags?tag=" + "%" * 100]
_METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS", "get", "G\x00T"]


def _RandomBody(rng):
    choice = rng.randrange(8)
    if choice == 0:
        return b""
    if choice == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
    if choice == 2:
        return b"[" * rng.randrange(1, 50000)
    if choice == 3:
        return serializer.DumpJson({"__version__": rng.choice([0, 1, "1", None, 2**70]),
                                    "disks": rng.choice([[], [{"size": -1}], "x", None]),
                                    "nics": [{}] * rng.randrange(3)}).encode()
    if choice == 4:
        return b'"' + b"\\u0000" * rng.randrange(100) + b'"'
    if choice == 5:
        return b"x" * (2 * 1024 * 1024)  # over the 1 MiB limit
    if choice == 6:
        return serializer.DumpJson(rng.choice([1e308, -1, True, "drained", [None]])).encode()
    return b"{" + b'"a":' * rng.randrange(100) + b"1}"


def _RandomRequest(rng):
    """Raw bytes of a (mostly malformed) request; never valid write credentials with JSON."""
    method = rng.choice(_METHODS)
    path = rng.choice(_PATHS)
    body = _RandomBody(rng)
    creds = rng.choice([None, READER, ("writer", "bad"), ("\x00", ":"), WRITER])
    if creds == WRITER:
        body = b"{not json" + body
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: x"]
    if creds is not None:
        lines.append("Authorization: Basic " + base64.b64encode(
            ("%s:%s" % creds).encode()).decode())
    style = rng.randrange(6)
    if style == 0:
        lines.append("Content-Length: %d" % len(body))
    elif style == 1:
        lines.append("Content-Length: %d" % rng.choice([-1, 10**12, len(body) + 10]))
    elif style == 2:
        lines.append("Transfer-Encoding: chunked")
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if rng.random() < 0.5 else body
    elif style == 3:
        lines.append("X-Junk: " + "y" * rng.randrange(100000))
    elif style == 4:
        lines.append("Authorization: Digest nonsense")
    else:
        lines = [rng.choice(["GARBAGE", "GET /2/info HTTP/9.9", "\x16\x03\x01", ""])]
    head = "\r\n".join(lines).encode("utf-8", "replace") + b"\r\n\r\n"
    if rng.random() < 0.2:
        return head[:rng.randrange(1, len(head))]  # truncated request
    return head + body


def _SendRaw(cluster, ctx, data):
    with socket.create_connection((cluster.ip, cluster.port), timeout=5) as sock:
        with ctx.wrap_socket(sock) as tsock:
            try:
                tsock.sendall(data)
                tsock.shutdown(socket.SHUT_WR)
                while tsock.recv(65536):
                    pass
            except (OSError, ssl.SSLError):
                pass  # the server may close on us mid-way: that is its right


def test_fuzz_keeps_serving_and_leaves_config_untouched(cluster, raw):
    config_before = cluster.ReadConfig()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    seed = int(os.environ.get("RAPI_FUZZ_SEED", "20100"))
    rng = random.Random(seed)
    deadline = time.monotonic() + FUZZ_SECONDS
    count = 0
    while time.monotonic() < deadline:
        _SendRaw(cluster, ctx, _RandomRequest(rng))
        count += 1
        if count % 50 == 0:
            assert raw("GET", "/version")[2] == 2, "seed %d, request %d" % (seed, count)
    # plain TCP without TLS, and a client that goes away in the handshake
    with socket.create_connection((cluster.ip, cluster.port), timeout=5) as sock:
        sock.sendall(b"GET /version HTTP/1.1\r\n\r\n")
    assert count > 20
    assert raw("GET", "/version")[2] == 2
    assert testutils._Alive(cluster.Pid("ganeti-rapi"))
    assert testutils._Alive(cluster.Pid("ganeti-masterd"))
    assert cluster.ReadConfig() == config_before
    with open(cluster.log_file) as fh:
        log = fh.read()
    assert "Traceback" not in log, log[-3000:]


# --- the master going away -----------------------------------------------------------------
def test_master_unreachable_is_502(tmp_path, reaper):
    own = rapicluster.RapiCluster(tmp_path, reaper)
    cl = _Client(own)
    assert cl.GetVersion() == 2
    os.kill(own.Pid("ganeti-masterd"), 15)
    testutils.WaitFor(lambda: not os.path.exists(os.path.join(
        own.root, "var/run/ganeti/socket/ganeti-master")), what="masterd exit")
    with pytest.raises(client.GanetiApiError) as err:
        cl.RedistributeConfig()
    assert err.value.code == 502 and "Master" in str(err.value)
    with pytest.raises(client.GanetiApiError) as err:
        cl.GetNodes()
    assert err.value.code == 502
    assert cl.GetVersion() == 2  # still serving what needs no master
