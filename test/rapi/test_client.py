"""The standalone RAPI client against a local HTTPS RAPI with a recording luxi."""

import threading

import pytest
import testutils
from rapitestutils import FakeLuxi, MakeHandler

from ganeti.http import server, tls
from ganeti.rapi import client


@pytest.fixture
def rapi_server(tmp_path, certs):
    srv = server.HttpServer(MakeHandler(tmp_path), testutils.RandomLoopbackNet() + ".1", 0,
                            ssl_context=tls.ServerContext(certs[0]))
    srv.Start()
    yield srv
    srv.Stop()


def _Client(srv, certs, user=("writer", "wpass"), cafile=0):
    cfg = client.GenericCurlConfig(cafile=certs[cafile] if cafile is not None else None)
    return client.GanetiRapiClient(srv.bind_address, srv.port, user and user[0],
                                   user and user[1], curl_config_fn=cfg)


def _LastOp():
    return FakeLuxi.submitted[-1][-1]


def test_reads(rapi_server, certs):
    cl = _Client(rapi_server, certs)
    assert cl.GetVersion() == 2
    assert client.INST_CREATE_REQV1 in cl.GetFeatures()
    assert cl.GetInfo()["master"] == "node1.example.com"
    assert cl.GetInstances() == ["inst1.example.com"]
    assert cl.GetInstances(bulk=True)[0]["pnode"] == "node1.example.com"
    assert cl.GetInstance("inst1.example.com")["status"] == "running"
    assert cl.GetNodes() == ["node1.example.com"]
    assert cl.GetNode("node1.example.com")["role"] == "M"
    assert cl.GetNodeRole("node1.example.com") == client.NODE_ROLE_MASTER
    assert cl.GetGroups() == ["default"]
    assert cl.GetGroups(bulk=True)[0]["node_list"] == ["node1.example.com"]
    assert cl.GetGroup("default")["name"] == "default"
    assert cl.GetJobs() == [1]
    assert cl.GetJobs(bulk=True)[0]["status"] == "success"
    assert cl.GetJobStatus(1)["opstatus"] == ["success"]
    assert cl.GetClusterTags() == cl.GetTags() == ["cluster:None"]
    assert cl.GetInstanceTags("i") == ["instance:i"]
    assert cl.GetNodeTags("n") == ["node:n"]
    assert cl.WaitForJobCompletion(1, period=0) is True
    change = cl.WaitForJobChange(1, ["status"], None, None)
    assert change["job_info"] == ["success"]
    assert cl.WaitForJobChange(1, ["status"], ["success"], 1) is None


def test_writes_build_the_right_opcodes(rapi_server, certs):
    cl = _Client(rapi_server, certs)
    job = cl.CreateInstance("create", "new.example.com", "plain", [{"size": 128}], [{}],
                            os="debian", start=False, dry_run=True)
    assert isinstance(job, str) and job.isdigit()
    op = _LastOp()
    assert (op["OP_ID"], op["instance_name"], op["start"], op["dry_run"]) == \
        ("OP_INSTANCE_CREATE", "new.example.com", False, True)
    calls = [
        (lambda: cl.RedistributeConfig(), "OP_CLUSTER_REDIST_CONF", {}),
        (lambda: cl.AddClusterTags(["t1", "t2"]), "OP_TAGS_SET", {"tags": ["t1", "t2"]}),
        (lambda: cl.DeleteTags(["t1"], dry_run=True), "OP_TAGS_DEL", {"dry_run": True}),
        (lambda: cl.DeleteInstance("i1", shutdown_timeout=3), "OP_INSTANCE_REMOVE",
         {"shutdown_timeout": 3}),
        (lambda: cl.ModifyInstance("i1", beparams={"memory": 256}), "OP_INSTANCE_SET_PARAMS",
         {"beparams": {"memory": 256}}),
        (lambda: cl.AddInstanceTags("i1", ["x"]), "OP_TAGS_SET", {"kind": "instance"}),
        (lambda: cl.DeleteInstanceTags("i1", ["x"]), "OP_TAGS_DEL", {"name": "i1"}),
        (lambda: cl.RebootInstance("i1", "soft", True), "OP_INSTANCE_REBOOT",
         {"reboot_type": "soft", "ignore_secondaries": True}),
        (lambda: cl.ShutdownInstance("i1", timeout=7), "OP_INSTANCE_SHUTDOWN", {"timeout": 7}),
        (lambda: cl.StartupInstance("i1"), "OP_INSTANCE_STARTUP", {"force": False}),
        (lambda: cl.ReinstallInstance("i1", os="debian", no_startup=True),
         "OP_INSTANCE_REINSTALL", {"os_type": "debian"}),
        (lambda: cl.ReplaceInstanceDisks("i1", [0], client.REPLACE_DISK_PRI),
         "OP_INSTANCE_REPLACE_DISKS", {"mode": "replace_on_primary", "disks": [0]}),
        (lambda: cl.FailoverInstance("i1", ignore_consistency=True), "OP_INSTANCE_FAILOVER",
         {"ignore_consistency": True}),
        (lambda: cl.MigrateInstance("i1", mode="live", cleanup=True), "OP_INSTANCE_MIGRATE",
         {"live": True, "cleanup": True}),
        (lambda: cl.RenameInstance("i1", "i2.example.com", name_check=False),
         "OP_INSTANCE_RENAME", {"new_name": "i2.example.com", "name_check": False}),
        (lambda: cl.ActivateInstanceDisks("i1", ignore_size=True),
         "OP_INSTANCE_ACTIVATE_DISKS", {"ignore_size": True}),
        (lambda: cl.DeactivateInstanceDisks("i1"), "OP_INSTANCE_DEACTIVATE_DISKS", {}),
        (lambda: cl.GetInstanceInfo("i1", static=True), "OP_INSTANCE_QUERY_DATA",
         {"static": True}),
        (lambda: cl.EvacuateNode("n1", remote_node="n2"), "OP_NODE_EVACUATE",
         {"remote_node": "n2"}),
        (lambda: cl.MigrateNode("n1", mode="non-live"), "OP_NODE_MIGRATE", {"live": False}),
        (lambda: cl.SetNodeRole("n1", client.NODE_ROLE_OFFLINE, force=True),
         "OP_NODE_SET_PARAMS", {"offline": True, "force": True}),
        (lambda: cl.GetNodeStorageUnits("n1", "lvm-vg", "name,free"), "OP_NODE_QUERY_STORAGE",
         {"output_fields": ["name", "free"]}),
        (lambda: cl.ModifyNodeStorageUnits("n1", "lvm-pv", "/dev/x", allocatable=False),
         "OP_NODE_MODIFY_STORAGE", {"changes": {"allocatable": False}}),
        (lambda: cl.RepairNodeStorageUnits("n1", "lvm-vg", "xenvg"), "OP_REPAIR_NODE_STORAGE",
         {"name": "xenvg"}),
        (lambda: cl.AddNodeTags("n1", ["a"]), "OP_TAGS_SET", {"tags": ["a"]}),
        (lambda: cl.DeleteNodeTags("n1", ["a"]), "OP_TAGS_DEL", {"kind": "node"}),
    ]
    for call, op_id, expect in calls:
        count = len(FakeLuxi.submitted)
        assert call().isdigit()
        assert len(FakeLuxi.submitted) == count + 1
        op = _LastOp()
        assert op["OP_ID"] == op_id, (op_id, op)
        for key, value in expect.items():
            assert op[key] == value, (op_id, key, op)
    assert cl.CancelJob(1) == [True, "Job 1 canceled"]


def test_errors_carry_the_http_code(rapi_server, certs):
    reader = _Client(rapi_server, certs, user=("reader", "rpass"))
    with pytest.raises(client.GanetiApiError) as err:
        reader.RedistributeConfig()
    assert err.value.code == 403
    anonymous = _Client(rapi_server, certs, user=None)
    with pytest.raises(client.GanetiApiError) as err:
        anonymous.AddClusterTags(["x"])
    assert err.value.code == 401
    with pytest.raises(client.GanetiApiError) as err:
        anonymous.GetInstance("missing.example.com")
    assert err.value.code == 404 and "404" in str(err.value)
    writer = _Client(rapi_server, certs)
    with pytest.raises(client.GanetiApiError) as err:
        writer.MigrateInstance("i1", target_node="n2")
    assert err.value.code == 400 and "target_node" in str(err.value)
    assert FakeLuxi.submitted == []


def test_certificate_verification(rapi_server, certs):
    assert _Client(rapi_server, certs, cafile=None).GetVersion() == 2  # unverified, as upstream
    with pytest.raises(client.CertificateError):
        _Client(rapi_server, certs, cafile=1).GetVersion()


def test_connection_failure_has_no_code(certs):
    net = testutils.RandomLoopbackNet()
    cl = client.GanetiRapiClient(net + ".9", 1, curl_config_fn=client.GenericCurlConfig(
        cafile=certs[0], connect_timeout=2))
    with pytest.raises(client.GanetiApiError) as err:
        cl.GetVersion()
    assert err.value.code is None


def test_constructor_checks():
    with pytest.raises(client.Error):
        client.GanetiRapiClient("h", username="u")
    with pytest.raises(client.Error):
        client.GanetiRapiClient("h", password="p")
    with pytest.raises(client.Error):
        client.GanetiRapiClient("h", curl_config_fn=lambda curl, logger: None)
    with pytest.raises(client.Error):
        client.GenericCurlConfig(use_curl_cabundle=True, cafile="/x")


def test_keepalive_and_threads(rapi_server, certs):
    cl = _Client(rapi_server, certs)
    cl.GetVersion()
    first = cl._local.conn.sock
    cl.GetVersion()
    assert cl._local.conn.sock is first  # one kept-alive connection per thread
    results = []

    def _Worker():
        results.append(cl.GetInfo()["name"])
    threads = [threading.Thread(target=_Worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["cluster.example.com"] * 4


def test_client_is_standalone():
    with open(client.__file__) as fh:
        source = fh.read()
    assert "from ganeti" not in source and "import ganeti" not in source
