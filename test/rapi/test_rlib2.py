"""RAPI resources: mapping, access, bodies and the opcodes each write builds."""

import pytest
from rapitestutils import INSTANCES, READER, WRITER, Call, FakeLuxi, MakeHandler

from ganeti import constants


@pytest.fixture
def handler(tmp_path):
    return MakeHandler(tmp_path)


def _Submit(handler, method, path, body=None):
    """The opcodes (state dicts) of the one job a write submitted."""
    before = len(FakeLuxi.submitted)
    status, _, result = Call(handler, method, path, body=body, user=WRITER)
    assert status == 200, result
    assert result == str(before + 1)  # job ids are JSON strings
    assert len(FakeLuxi.submitted) == before + 1
    return FakeLuxi.submitted[-1]


def _One(handler, method, path, body=None):
    ops = _Submit(handler, method, path, body)
    assert len(ops) == 1
    return ops[0]


# --- mapping, methods, access --------------------------------------------------
def test_unknown_path_is_404(handler):
    status, _, body = Call(handler, "GET", "/2/nothing-here")
    assert status == 404 and "/2/nothing-here" in body["explain"]


def test_wrong_method_is_405_with_allow(handler):
    status, headers, _ = Call(handler, "DELETE", "/2/info", user=WRITER)
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    status, headers, _ = Call(handler, "PATCH", "/2/instances/x", user=WRITER)
    assert status == 405 and headers["Allow"] == "GET, HEAD, DELETE"


def test_later_upstream_resources_answer_501(handler):
    for path in ("/2/groups/default/modify", "/2/networks",
                 "/2/instances-multi-alloc", "/2/instances/i/prepare-export"):
        assert Call(handler, "GET", path)[0] == 501, path


def test_reads_open_writes_need_write_user(handler):
    assert Call(handler, "GET", "/2/info")[0] == 200
    status, headers, _ = Call(handler, "PUT", "/2/redistribute-config")
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="Ganeti Remote API"'
    assert Call(handler, "PUT", "/2/redistribute-config", user=("writer", "bad"))[0] == 401
    status, _, body = Call(handler, "PUT", "/2/redistribute-config", user=READER)
    assert status == 403 and "reader" in body["explain"]
    assert FakeLuxi.submitted == []
    assert Call(handler, "PUT", "/2/redistribute-config", user=WRITER)[0] == 200


def test_bad_credentials_refused_even_on_open_reads(handler):
    assert Call(handler, "GET", "/2/info", user=("reader", "wrong"))[0] == 401
    assert Call(handler, "GET", "/2/info", user=READER)[0] == 200


def test_require_authentication(tmp_path):
    handler = MakeHandler(tmp_path, require_auth=True)
    assert Call(handler, "GET", "/2/info")[0] == 401
    assert Call(handler, "GET", "/2/info", user=READER)[0] == 200


def test_restricted_reads(handler):
    for path in ("/2/jobs/1/wait", "/2/instances/inst1.example.com/console",
                 "/2/nodes/node1.example.com/storage?storage_type=lvm-pv&output_fields=name"):
        assert Call(handler, "GET", path)[0] == 401, path
        assert Call(handler, "GET", path, user=READER)[0] == 403, path


# --- reads -------------------------------------------------------------------------
def test_listings_and_bulk(handler):
    _, _, plain = Call(handler, "GET", "/2/instances")
    assert plain == [{"id": "inst1.example.com", "uri": "/2/instances/inst1.example.com"}]
    _, _, bulk = Call(handler, "GET", "/2/instances?bulk=1")
    assert bulk[0]["name"] == "inst1.example.com" and bulk[0]["status"] == "running"
    # global hypervisor parameters are never shown per instance
    assert bulk[0]["hvparams"] == {"kernel_path": "/k"}
    _, _, nodes = Call(handler, "GET", "/2/nodes?bulk=1")
    assert nodes[0]["role"] == "M" and nodes[0]["mfree"] == 2048
    _, _, node = Call(handler, "GET", "/2/nodes/node1.example.com")
    assert node["pinst_list"] == ["inst1.example.com"]
    assert Call(handler, "GET", "/2/nodes/node1.example.com/role")[2] == "master"


def test_fields_selection(handler):
    _, _, rows = Call(handler, "GET", "/2/instances?bulk=1&fields=name,status")
    assert rows == [{"name": "inst1.example.com", "status": "running"}]
    assert FakeLuxi.calls[-1] == ("QueryInstances", [], ["name", "status"], False)
    status, _, body = Call(handler, "GET", "/2/nodes/node1.example.com?fields=name,bogus")
    assert status == 400 and "bogus" in body["explain"]


def test_unknown_object_is_404(handler):
    assert Call(handler, "GET", "/2/instances/nope.example.com")[0] == 404
    assert Call(handler, "GET", "/2/nodes/nope.example.com/role")[0] == 404
    assert Call(handler, "GET", "/2/jobs/999")[0] == 404
    assert Call(handler, "GET", "/2/jobs/abc")[0] == 404


def test_jobs(handler):
    assert Call(handler, "GET", "/2/jobs")[2] == [{"id": "1", "uri": "/2/jobs/1"}]
    _, _, job = Call(handler, "GET", "/2/jobs/1")
    assert job["status"] == "success" and job["opresult"] == [[["debian", True, []]]]
    assert set(job) == {"id", "ops", "status", "summary", "opstatus", "opresult", "oplog",
                        "received_ts", "start_ts", "end_ts"}
    assert Call(handler, "DELETE", "/2/jobs/1", user=WRITER)[2] == [True, "Job 1 canceled"]


def test_job_wait(handler):
    body = {"fields": ["status"], "previous_job_info": None, "previous_log_serial": None}
    _, _, change = Call(handler, "GET", "/2/jobs/1/wait", body=body, user=WRITER)
    assert change == {"job_info": ["success"], "log_entries": [[1, [1, 0], "message", "hello"]]}
    assert FakeLuxi.calls[-1][-1] == 10  # upstream's wait of at most 10 s
    body["previous_job_info"] = ["success"]
    assert Call(handler, "GET", "/2/jobs/1/wait", body=body, user=WRITER)[2] is None
    assert Call(handler, "GET", "/2/jobs/404/wait", body=body, user=WRITER)[0] == 404
    for bad in ({}, {"fields": "status"}, {"fields": ["nope"]}, {"fields": [], "x": 1},
                {"fields": [], "previous_log_serial": "1"}):
        assert Call(handler, "GET", "/2/jobs/1/wait", body=bad, user=WRITER)[0] == 400, bad


def test_tags_read(handler):
    assert Call(handler, "GET", "/2/tags")[2] == ["cluster:None"]
    assert Call(handler, "GET", "/2/nodes/n1/tags")[2] == ["node:n1"]
    assert Call(handler, "GET", "/2/instances/i1/tags")[2] == ["instance:i1"]


def test_static_answers(handler):
    assert Call(handler, "GET", "/version")[2] == 2
    assert "instance-create-reqv1" in Call(handler, "GET", "/2/features")[2]
    assert {"name": "info", "uri": "/2/info"} in Call(handler, "GET", "/2")[2]


def test_info_cache_follows_config(tmp_path):
    handler = MakeHandler(tmp_path, cache_ttl=60)
    for _ in range(3):
        assert Call(handler, "GET", "/2/info")[2]["name"] == "cluster.example.com"
    assert FakeLuxi.calls.count("QueryClusterInfo") == 1
    (tmp_path / "config.data").write_text('{"serial_no": 2}')
    Call(handler, "GET", "/2/info")
    assert FakeLuxi.calls.count("QueryClusterInfo") == 2


# --- writes: the opcodes they build --------------------------------------------------------
_CREATE_V1 = {"__version__": 1, "mode": "create", "name": "new.example.com",
              "disk_template": "plain", "disks": [{"size": 1024}, {"size": 512, "mode": "ro"}],
              "nics": [{}, {"ip": "192.0.2.5", "mode": "routed", "link": "rt0"}],
              "os": "debian+minimal", "pnode": "node1.example.com",
              "beparams": {"memory": "512M"}, "hvparams": {"kernel_path": "/boot/k"}}


def test_create_v1(handler):
    op = _One(handler, "POST", "/2/instances?dry-run=1", _CREATE_V1)
    assert op["OP_ID"] == "OP_INSTANCE_CREATE" and op["dry_run"] is True
    assert op["instance_name"] == "new.example.com" and op["os_type"] == "debian+minimal"
    assert op["disks"] == [{"size": 1024}, {"size": 512, "mode": constants.DISK_RDONLY}]
    assert op["nics"][1] == {"ip": "192.0.2.5", "mode": "routed", "link": "rt0"}
    assert op["beparams"] == {"memory": 512} and op["wait_for_sync"] is True


def test_create_v0(handler):
    body = {"name": "old.example.com", "disk_template": "plain", "disks": [2048],
            "os": "debian", "mac": "aa:00:00:00:00:09", "bridge": "br1", "memory": 256,
            "kernel_path": "/boot/v"}
    op = _One(handler, "POST", "/2/instances", body)
    assert op["mode"] == "create" and op["disks"] == [{"size": 2048}]
    assert op["nics"] == [{"mac": "aa:00:00:00:00:09", "bridge": "br1"}]
    assert op["beparams"] == {"memory": 256} and op["hvparams"] == {"kernel_path": "/boot/v"}


@pytest.mark.parametrize("change, field", [
    ({"bogus": 1}, "bogus"),
    ({"os": 5}, "os"),
    ({"start": "yes"}, "start"),
    ({"disks": [{"size": "big"}]}, "disks[0].size"),
    ({"disks": [{"size": 1, "vg": "x"}]}, "disks[0].vg"),
    ({"disks": "1024"}, "disks"),
    ({"nics": [{"speed": 1}]}, "nics[0].speed"),
    ({"nics": [{"mode": "teleport"}]}, "nics[0].mode"),
    ({"disk_template": "raid9"}, "disk_template"),
    ({"hvparams": {"migration_port": 1}}, "hvparams"),
    ({"beparams": {"memory": "lots"}}, "beparams"),
    ({"osparams": {"a": 1}}, "osparams"),
    ({"os_type": "debian"}, "os_type"),
    ({"name": None}, "name"),
])
def test_create_bad_bodies_name_the_field(handler, change, field):
    body = dict(_CREATE_V1, **change)
    body = {k: v for k, v in body.items() if v is not None}
    status, _, err = Call(handler, "POST", "/2/instances", body=body, user=WRITER)
    assert status == 400, err
    assert "'%s'" % field in err["explain"] or field in err["explain"], err
    assert FakeLuxi.submitted == []


def test_bad_json_and_non_object_bodies(handler):
    status, _, err = Call(handler, "POST", "/2/instances", raw_body=b"{not json", user=WRITER)
    assert status == 400 and "JSON" in err["explain"]
    assert Call(handler, "POST", "/2/instances", body=[1, 2], user=WRITER)[0] == 400
    assert Call(handler, "POST", "/2/instances", body={"__version__": 7}, user=WRITER)[0] == 400
    deep = b"[" * 100000 + b"]" * 100000
    assert Call(handler, "POST", "/2/instances", raw_body=deep, user=WRITER)[0] == 400
    assert FakeLuxi.submitted == []


_INST = "/2/instances/inst1.example.com"


@pytest.mark.parametrize("method, path, body, op_id, expect", [
    ("PUT", "/2/redistribute-config", None, "OP_CLUSTER_REDIST_CONF", {}),
    ("PUT", "/2/modify", {"candidate_pool_size": 5}, "OP_CLUSTER_SET_PARAMS",
     {"candidate_pool_size": 5}),
    ("PUT", "/2/tags?tag=a&tag=b&dry-run=1", None, "OP_TAGS_SET",
     {"kind": "cluster", "name": None, "tags": ["a", "b"], "dry_run": True}),
    ("DELETE", "/2/tags?tag=a", None, "OP_TAGS_DEL", {"kind": "cluster", "tags": ["a"]}),
    ("DELETE", _INST, {"shutdown_timeout": 5}, "OP_INSTANCE_REMOVE",
     {"instance_name": "inst1.example.com", "shutdown_timeout": 5}),
    ("GET", _INST + "/info?static=1", None, "OP_INSTANCE_QUERY_DATA",
     {"instances": ["inst1.example.com"], "static": True}),
    ("POST", _INST + "/reboot?type=soft&ignore_secondaries=1", None, "OP_INSTANCE_REBOOT",
     {"reboot_type": "soft", "ignore_secondaries": True}),
    ("POST", _INST + "/reboot", None, "OP_INSTANCE_REBOOT", {"reboot_type": "hard"}),
    ("PUT", _INST + "/shutdown", {"timeout": 30}, "OP_INSTANCE_SHUTDOWN", {"timeout": 30}),
    ("PUT", _INST + "/startup?force=1", None, "OP_INSTANCE_STARTUP", {"force": True}),
    ("POST", _INST + "/replace-disks?mode=replace_new_secondary&disks=0,1&remote_node=n3",
     None, "OP_INSTANCE_REPLACE_DISKS",
     {"mode": "replace_new_secondary", "disks": [0, 1], "remote_node": "n3"}),
    ("POST", _INST + "/replace-disks", None, "OP_INSTANCE_REPLACE_DISKS",
     {"mode": "replace_auto", "disks": []}),
    ("PUT", _INST + "/activate-disks?ignore_size=1", None, "OP_INSTANCE_ACTIVATE_DISKS",
     {"ignore_size": True}),
    ("PUT", _INST + "/deactivate-disks", None, "OP_INSTANCE_DEACTIVATE_DISKS", {}),
    ("PUT", _INST + "/migrate", {"mode": "non-live", "cleanup": True}, "OP_INSTANCE_MIGRATE",
     {"live": False, "cleanup": True}),
    ("PUT", _INST + "/failover", {"ignore_consistency": True}, "OP_INSTANCE_FAILOVER",
     {"ignore_consistency": True}),
    ("PUT", _INST + "/rename", {"new_name": "b.example.com", "ip_check": False},
     "OP_INSTANCE_RENAME", {"new_name": "b.example.com", "ip_check": False}),
    ("PUT", _INST + "/modify", {"beparams": {"vcpus": "2"}, "nics": [["add", {}]]},
     "OP_INSTANCE_SET_PARAMS", {"beparams": {"vcpus": 2}, "nics": [["add", {}]]}),
    ("PUT", _INST + "/tags?tag=x", None, "OP_TAGS_SET",
     {"kind": "instance", "name": "inst1.example.com", "tags": ["x"]}),
    ("POST", _INST + "/recreate-disks", {"disks": [0]}, "OP_INSTANCE_RECREATE_DISKS",
     {"disks": [0]}),
    ("POST", _INST + "/disk/1/grow", {"amount": 1024}, "OP_INSTANCE_GROW_DISK",
     {"disk": 1, "amount": 1024}),
    ("PUT", _INST + "/export", {"mode": "local", "destination": "n2", "shutdown": False},
     "OP_BACKUP_EXPORT", {"target_node": "n2", "shutdown": False}),
    ("POST", "/2/nodes/n1/evacuate?iallocator=hail", None, "OP_NODE_EVACUATE",
     {"node_name": "n1", "iallocator": "hail", "remote_node": None}),
    ("POST", "/2/nodes/n1/evacuate", {"remote_node": "n2", "mode": "secondary-only"},
     "OP_NODE_EVACUATE", {"remote_node": "n2"}),
    ("POST", "/2/nodes/n1/migrate?live=0", None, "OP_NODE_MIGRATE", {"live": False}),
    ("POST", "/2/nodes/n1/migrate?mode=live", None, "OP_NODE_MIGRATE", {"live": True}),
    ("POST", "/2/nodes/n1/migrate", {"mode": "non-live"}, "OP_NODE_MIGRATE", {"live": False}),
    ("PUT", "/2/nodes/n1/role?force=1", "drained", "OP_NODE_SET_PARAMS",
     {"drained": True, "offline": None, "master_candidate": None, "force": True}),
    ("PUT", "/2/nodes/n1/role?auto-promote=1", "regular", "OP_NODE_SET_PARAMS",
     {"drained": False, "offline": False, "master_candidate": False, "auto_promote": True}),
    ("POST", "/2/nodes/n1/powercycle?force=1", None, "OP_NODE_POWERCYCLE", {"force": True}),
    ("POST", "/2/nodes/n1/modify", {"offline": True}, "OP_NODE_SET_PARAMS", {"offline": True}),
    ("GET", "/2/nodes/n1/storage?storage_type=lvm-pv&output_fields=name,size",
     None, "OP_NODE_QUERY_STORAGE",
     {"nodes": ["n1"], "storage_type": "lvm-pv", "output_fields": ["name", "size"]}),
    ("PUT", "/2/nodes/n1/storage/modify?storage_type=lvm-pv&name=/dev/sda&allocatable=0",
     None, "OP_NODE_MODIFY_STORAGE",
     {"name": "/dev/sda", "changes": {"allocatable": False}}),
    ("PUT", "/2/nodes/n1/storage/repair?storage_type=lvm-vg&name=xenvg", None,
     "OP_REPAIR_NODE_STORAGE", {"storage_type": "lvm-vg", "name": "xenvg"}),
    ("DELETE", "/2/nodes/n1/tags?tag=x", ["y"], "OP_TAGS_DEL",
     {"kind": "node", "name": "n1", "tags": ["x", "y"]}),
])
def test_write_opcodes(handler, method, path, body, op_id, expect):
    op = _One(handler, method, path, body)
    assert op["OP_ID"] == op_id
    for key, value in expect.items():
        assert op[key] == value, (key, op)
    if "dry_run" not in expect:
        assert op["dry_run"] is False


def test_reinstall_builds_shutdown_reinstall_startup(handler):
    ops = _Submit(handler, "POST", _INST + "/reinstall", {"os": "centos"})
    assert [o["OP_ID"] for o in ops] == ["OP_INSTANCE_SHUTDOWN", "OP_INSTANCE_REINSTALL",
                                         "OP_INSTANCE_STARTUP"]
    assert ops[1]["os_type"] == "centos"
    ops = _Submit(handler, "POST", _INST + "/reinstall?os=debian&nostartup=1&dry-run=1")
    assert [o["OP_ID"] for o in ops] == ["OP_INSTANCE_SHUTDOWN", "OP_INSTANCE_REINSTALL"]
    assert all(o["dry_run"] for o in ops)
    assert Call(handler, "POST", _INST + "/reinstall?os=x", body={"os": "y"},
                user=WRITER)[0] == 400


@pytest.mark.parametrize("method, path, body, field", [
    ("POST", _INST + "/reboot?type=gentle", None, "type"),
    ("POST", _INST + "/reboot?ignore_secondaries=maybe", None, "ignore_secondaries"),
    ("POST", _INST + "/reboot", {"instance_name": "other"}, "instance_name"),
    ("PUT", _INST + "/shutdown", {"timeout": -1}, "timeout"),
    ("PUT", _INST + "/shutdown", ["timeout"], "request body"),
    ("PUT", _INST + "/startup?no_remember=1", None, "no_remember"),
    ("POST", _INST + "/replace-disks?disks=a,b", None, "disks"),
    ("POST", _INST + "/replace-disks?mode=sideways", None, "mode"),
    ("PUT", _INST + "/migrate", {"mode": "fast"}, "mode"),
    ("PUT", _INST + "/migrate", {"target_node": "n2"}, "target_node"),
    ("PUT", _INST + "/failover", {"target_node": "n2"}, "target_node"),
    ("PUT", _INST + "/rename", {}, "new_name"),
    ("PUT", _INST + "/modify", {"hvparams": {"migration_bandwidth": 5}}, "hvparams"),
    ("PUT", _INST + "/modify", {"os_name": "x"}, "os_name"),
    ("PUT", _INST + "/tags", None, "tag"),
    ("PUT", _INST + "/tags", [1], "Tag 0"),
    ("POST", _INST + "/disk/x/grow", {"amount": 1}, "disk index"),
    ("POST", _INST + "/disk/0/grow", {"amount": "1G"}, "amount"),
    ("PUT", _INST + "/export", {"mode": "remote", "destination": "x"}, "mode"),
    ("POST", "/2/nodes/n1/evacuate", {"mode": "all"}, "mode"),
    ("POST", "/2/nodes/n1/evacuate", {"iallocator": "h", "remote_node": "n2"}, "remote_node"),
    ("POST", "/2/nodes/n1/migrate?live=1&mode=live", None, "live"),
    ("PUT", "/2/nodes/n1/role", "king", "role"),
    ("PUT", "/2/nodes/n1/role", {"role": "drained"}, "request body"),
    ("GET", "/2/nodes/n1/storage?storage_type=lvm-pv", None, "output_fields"),
    ("GET", "/2/nodes/n1/storage?storage_type=tape&output_fields=name", None, "storage_type"),
    ("GET", "/2/nodes/n1/storage?storage_type=file&output_fields=colour", None, "colour"),
    ("PUT", "/2/nodes/n1/storage/modify?storage_type=lvm-pv", None, "name"),
])
def test_bad_writes_are_400_naming_the_problem(handler, method, path, body, field):
    status, _, err = Call(handler, method, path, body=body, user=WRITER)
    assert status in (400, 404), err
    assert field.lower() in err["explain"].lower(), err
    assert FakeLuxi.submitted == []


def test_instance_fixture_untouched_by_queries():
    assert INSTANCES["inst1.example.com"]["hvparams"]["migration_port"] == 8102
