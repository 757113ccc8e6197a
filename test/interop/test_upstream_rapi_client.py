"""Upstream's RAPI client (python3-ganeti-rapi, pycurl) against our ganeti-rapi.

Every call goes through HTTPS with the server verified against the
cluster's rapi.pem (upstream's GenericCurlConfig(cafile=...)) and HTTP Basic
authentication; what upstream's client sends must be accepted and what it
parses must have upstream's names and types.
"""

import pytest
from interoputils import ADMIN, N1, N2, N3, NEEDS_CLUSTER, RAPI_CLIENT, READER, Requires, UpstreamRapi

pytestmark = [pytest.mark.slow, NEEDS_CLUSTER, Requires(RAPI_CLIENT, "python3-ganeti-rapi")]

INST = "web1.example.com"
#: wait(): a successful job's status, with upstream's own helper; follow(): a job's
#: status once final, through upstream's long poll (each call waits up to 10 s).
_WAIT = """
def wait(job):
    assert cl.WaitForJobCompletion(job, period=0.1, retries=600), cl.GetJobStatus(job)
    return cl.GetJobStatus(job)

def follow(job, until=client.JOB_STATUS_FINALIZED):
    info = None
    while info is None or info[0] not in until:
        change = cl.WaitForJobChange(job, ['status'], info, None)
        if change is not None:
            info = change['job_info']
    return info[0]
"""


def test_version_features_and_info(up, tc):
    assert up.Call("GetVersion") == 2
    assert "instance-create-reqv1" in up.Call("GetFeatures")
    info = up.Call("GetInfo")
    assert info["name"] == tc.cluster_name and info["master"] == N1
    assert info["master_ip"] == tc.master_ip and info["default_hypervisor"] == "fake"
    assert isinstance(info["candidate_pool_size"], int) and len(info["uuid"]) == 36
    assert info["ipolicy"]["minmax"][0]["max"]["disk-count"] == 16


def test_nodes(up, tc):
    assert up.Call("GetNodes") == [N1, N2, N3]
    nodes = {n["name"]: n for n in up.Call("GetNodes", bulk=True)}
    assert sorted(nodes) == [N1, N2, N3]
    assert [nodes[n]["role"] for n in (N1, N2, N3)] == ["M", "C", "C"]
    for node in nodes.values():
        assert isinstance(node["mtotal"], int) and node["mfree"] <= node["mtotal"]
        assert node["pip"].startswith(tc.net + ".") and node["offline"] is False
        assert node["cnos"] == node["ctotal"] >= 1
    node = up.Call("GetNode", N2)
    assert set(node) == set(nodes[N2]) and node["uuid"] == nodes[N2]["uuid"]
    assert up.Call("GetNodeRole", N1) == "master"
    assert up.Call("GetNodeRole", N2) == "master-candidate"


def test_set_node_role(up):
    roles = up.Run(_WAIT + """
wait(cl.ModifyCluster(candidate_pool_size=2))
try:
    demoted = wait(cl.SetNodeRole(args['node'], 'regular'))['status']
    result = [demoted, cl.GetNodeRole(args['node'])]
    result.append(wait(cl.SetNodeRole(args['node'], 'master-candidate'))['status'])
    result.append(cl.GetNodeRole(args['node']))
finally:
    wait(cl.ModifyCluster(candidate_pool_size=10))
""", node=N3)
    assert roles == ["success", "regular", "success", "master-candidate"]


def test_instance_lifecycle(up):
    """Create (request version 1), read, stop, start, reboot, modify, remove."""
    steps = up.Run(_WAIT + """
a = args
result = {}
job = cl.CreateInstance('create', a['name'], 'diskless', [], [{'mode': 'routed', 'ip': a['ip']}],
                        os='busybox+marker', pnode=a['pnode'], name_check=False,
                        ip_check=False, start=True, hypervisor='fake',
                        beparams={'memory': 256})
result['create'] = wait(job)
result['list'] = cl.GetInstances()
result['bulk'] = cl.GetInstances(bulk=True)
result['info'] = wait(cl.GetInstanceInfo(a['name']))['opresult']
cl.ShutdownInstance(a['name'])  # returns the job id; the next call waits for it
result['shutdown'] = wait(cl.ShutdownInstance(a['name'], timeout=10))['status']
result['stopped'] = cl.GetInstance(a['name'])['status']
result['startup'] = wait(cl.StartupInstance(a['name']))['status']
result['reboot'] = wait(cl.RebootInstance(a['name'], reboot_type='soft',
                                          ignore_secondaries=True))['status']
result['running'] = cl.GetInstance(a['name'])['status']
result['modify'] = wait(cl.ModifyInstance(a['name'], beparams={'memory': 192}))['opresult']
result['after'] = cl.GetInstance(a['name'])
result['delete'] = wait(cl.DeleteInstance(a['name']))['status']
result['gone'] = cl.GetInstances()
""", name=INST, ip="192.0.2.10", pnode=N2)
    create = steps["create"]
    assert create["status"] == "success" and create["summary"] == ["INSTANCE_CREATE(%s)" % INST]
    assert create["opresult"] == [[N2]]
    assert steps["list"] == [INST]
    (inst,) = steps["bulk"]
    assert (inst["name"], inst["pnode"], inst["status"], inst["os"]) == (
        INST, N2, "running", "busybox+marker")
    assert inst["nic.ips"] == ["192.0.2.10"] and inst["nic.modes"] == ["routed"]
    assert inst["disk_template"] == "diskless" and inst["disk_usage"] == 0
    assert inst["beparams"]["memory"] == 256 and inst["admin_state"] is True
    details = steps["info"][0][INST]
    assert details["run_state"] == "up" and details["hypervisor"] == "fake"
    assert steps["shutdown"] == "success" and steps["stopped"] == "ADMIN_down"
    assert steps["startup"] == steps["reboot"] == "success" and steps["running"] == "running"
    assert steps["modify"] == [[["be/memory", 192]]]
    assert steps["after"]["beparams"]["memory"] == 192
    assert steps["delete"] == "success" and steps["gone"] == []


def test_tags(up):
    tags = up.Run(_WAIT + """
result = []
for add, get, delete, name in [
        (cl.AddClusterTags, cl.GetClusterTags, cl.DeleteClusterTags, None),
        (cl.AddNodeTags, cl.GetNodeTags, cl.DeleteNodeTags, args['node'])]:
    named = (name,) if name else ()
    wait(add(*named, ['rack:a', 'owner:x']))
    result.append(get(*named))
    wait(delete(*named, ['owner:x']))
    result.append(get(*named))
    wait(delete(*named, ['rack:a']))
""", node=N2)
    assert tags == [["owner:x", "rack:a"], ["rack:a"]] * 2


def test_instance_tags(up):
    tags = up.Run(_WAIT + """
wait(cl.CreateInstance('create', args['name'], 'diskless', [], [], os='busybox',
                       pnode=args['node'], name_check=False, ip_check=False, start=False))
wait(cl.AddInstanceTags(args['name'], ['web', 'prod']))
result = [cl.GetInstanceTags(args['name'])]
wait(cl.DeleteInstanceTags(args['name'], ['prod']))
result.append(cl.GetInstance(args['name'])['tags'])
wait(cl.DeleteInstance(args['name']))
""", name="tagged.example.com", node=N3)
    assert tags == [["prod", "web"], ["web"]]


def test_jobs_wait_and_cancel(up, tc):
    """A job waiting for a node lock is cancelled; the lock holder's progress is
    followed with WaitForJobChange."""
    delay = tc.Python(N1, "from ganeti import luxi, opcodes; print(luxi.Client().SubmitJob("
                          "[opcodes.OpTestDelay(duration=4, on_master=False, on_nodes=[%r])]))"
                      % N3).stdout.strip()
    result = up.Run(_WAIT + """
job = args['delay']
result = {'holder': follow(job, until=('running',) + tuple(client.JOB_STATUS_FINALIZED))}
blocked = cl.AddNodeTags(args['node'], ['never'])
result['cancel'] = cl.CancelJob(blocked)
result['blocked'] = follow(blocked)
result['delay'] = wait(job)['status']
result['jobs'] = cl.GetJobs()
result['tags'] = cl.GetNodeTags(args['node'])
""", delay=delay, node=N3)
    assert result["holder"] == "running"
    success, message = result["cancel"]
    assert success is True and isinstance(message, str)
    assert result["blocked"] == "canceled"
    assert result["delay"] == "success" and result["tags"] == []
    assert int(delay) in result["jobs"] and all(isinstance(j, int) for j in result["jobs"])


def test_os_redist_and_storage(up, tc):
    assert {"busybox+marker", "busybox+ext2", "noop"} <= set(up.Call("GetOperatingSystems"))
    result = up.Run(_WAIT + """
result = [wait(cl.RedistributeConfig())['status'],
          wait(cl.GetNodeStorageUnits(args['node'], 'file', 'name,size,used,free'))]
""", node=N1)
    assert result[0] == "success"
    storage = result[1]
    assert storage["status"] == "success"
    ((name, size, used, free),) = storage["opresult"][0]
    assert name.endswith("/srv/ganeti/file-storage") and 0 <= used <= size and free <= size


def test_groups(up):
    (group,) = up.Call("GetGroups", bulk=True)
    assert group["name"] == "default" and group["node_list"] == [N1, N2, N3]
    assert up.Call("GetGroups") == ["default"]
    assert up.Call("GetGroup", "default")["uuid"] == group["uuid"]


def test_errors(tc):
    def _Error(user, method, *args):
        return UpstreamRapi(tc, user=user).Call(method, *args)["error"]
    err = _Error((ADMIN[0], "wrong"), "GetInfo")
    assert (err["class"], err["code"]) == ("GanetiApiError", 401)
    assert _Error(None, "AddClusterTags", ["x"])["code"] == 401
    assert _Error(READER, "AddClusterTags", ["x"])["code"] == 403
    err = _Error(ADMIN, "GetInstance", "nosuch.example.com")
    assert (err["code"], "nosuch.example.com" in err["message"]) == (404, True)
    assert _Error(ADMIN, "GetNode", "nosuch.example.com")["code"] == 404
    assert _Error(ADMIN, "GetJobStatus", 999999)["code"] == 404
