"""RAPI on a real 3-node virtual cluster, through HTTPS with the Python client:
reached by the cluster name (the master IP) before and after a master
failover, auth, bulk listings, creating and listing an instance, jobs."""

import os
import shutil

import pytest
import vclusterutils

from ganeti.rapi import client

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not vclusterutils.TestCluster.Available(),
                                 reason="needs root, sshd and ssh")]

N1, N2, N3 = ("node%d.example.com" % i for i in (1, 2, 3))
OS_SRC = os.path.join(vclusterutils.TOP, "tools", "os", "ganeti-os-busybox")
ADMIN = ("admin", "s3cret")
READER = ("viewer", "look")


@pytest.fixture(scope="module")
def tc():
    with vclusterutils.TestCluster(nodes=3) as cluster:
        cluster.Init()
        cluster.AddNodes()
        for node in cluster.names:
            shutil.copytree(OS_SRC, cluster.Root(node) + "/srv/ganeti/os/busybox")
        with open(cluster.Root(N1) + "/var/lib/ganeti/rapi_users", "w") as fh:
            fh.write("%s %s write\n%s {cleartext}%s\n" % (ADMIN + READER))
        cluster.Gnt(N1, "gnt-cluster", "redist-conf")
        yield cluster


def _Client(tc, user=ADMIN, cert_node=N1):
    return client.GanetiRapiClient(
        tc.master_ip, 5080, *(user or (None, None)),
        curl_config_fn=client.GenericCurlConfig(
            cafile=tc.Root(cert_node) + "/var/lib/ganeti/rapi.pem"))


def test_info_and_nodes(tc):
    cl = _Client(tc, user=None)
    assert cl.GetVersion() == 2
    info = cl.GetInfo()
    assert info["name"] == tc.cluster_name and info["master"] == N1
    nodes = cl.GetNodes(bulk=True)
    assert sorted(n["name"] for n in nodes) == [N1, N2, N3]
    assert {n["name"]: n["role"] for n in nodes}[N1] == "M", "the letter, as upstream"
    assert all(len(n["uuid"]) == 36 for n in nodes)
    assert cl.GetNodes() == sorted([N1, N2, N3]), "names only, as upstream's client returns"


def test_auth(tc):
    with pytest.raises(client.GanetiApiError) as err:
        _Client(tc, user=None).AddClusterTags(["x"])
    assert err.value.code == 401
    with pytest.raises(client.GanetiApiError) as err:
        _Client(tc, user=READER).AddClusterTags(["x"])
    assert err.value.code == 403
    with pytest.raises(client.GanetiApiError) as err:
        _Client(tc, user=("admin", "wrong")).GetInfo()
    assert err.value.code == 401


def test_create_list_and_remove_an_instance(tc):
    cl = _Client(tc)
    job = cl.CreateInstance("create", "web1.example.com", "diskless", [],
                            [{"mode": "routed", "ip": "192.0.2.10"}], os="busybox+marker",
                            pnode=N2, name_check=False, ip_check=False, start=True,
                            hypervisor="fake")
    assert cl.WaitForJobCompletion(job, period=0.1, retries=300)
    status = cl.GetJobStatus(job)
    assert status["status"] == "success" and status["summary"] == [
        "INSTANCE_CREATE(web1.example.com)"]
    instances = cl.GetInstances(bulk=True)
    assert [(i["name"], i["pnode"], i["status"]) for i in instances] == [
        ("web1.example.com", N2, "running")]
    assert instances[0]["nic.ips"] == ["192.0.2.10"]
    assert cl.GetInstance("web1.example.com")["os"] == "busybox+marker"
    out = tc.Gnt(N1, "gnt-instance", "list", "--no-headers", "-o", "name,status").stdout
    assert out.split() == ["web1.example.com", "running"]
    job = cl.DeleteInstance("web1.example.com")
    assert cl.WaitForJobCompletion(job, period=0.1, retries=300)
    assert cl.GetInstances() == []


def test_bad_body_is_a_400(tc):
    with pytest.raises(client.GanetiApiError) as err:
        _Client(tc).CreateInstance("create", "bad.example.com", "diskless",
                                   [{"size": "big"}], [], os="busybox", pnode=N2)
    assert err.value.code == 400 and "disks[0].size" in str(err.value)


def test_operation_without_logical_unit_is_a_501(tc):
    with pytest.raises(client.GanetiApiError) as err:
        _Client(tc).EvacuateNode(N3, remote_node=N2)
    assert err.value.code == 501 and "not implemented" in str(err.value)
    assert not [j for j in _Client(tc).GetJobs(bulk=True) if "EVACUATE" in str(j)]


def test_rapi_follows_the_master(tc):
    tc.Gnt(N2, "gnt-cluster", "master-failover")
    try:
        cl = _Client(tc, cert_node=N2)
        assert cl.GetInfo()["master"] == N2, "same address, the new master answers"
        job = cl.AddClusterTags(["moved"])
        assert cl.WaitForJobCompletion(job, period=0.1, retries=300)
        assert "moved" in cl.GetClusterTags()
    finally:
        tc.Gnt(N1, "gnt-cluster", "master-failover")
    assert _Client(tc).GetInfo()["master"] == N1
