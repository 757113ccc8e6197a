"""The cluster as one node group, and the later-upstream fields htools need."""

import pytest
from rapitestutils import WRITER, Call, FakeLuxi, MakeHandler

from ganeti import constants
from ganeti.rapi import openapi, rlib2_groups, schema

CLUSTER_UUID = "0a5b1c3e-3f5e-4b55-9d3b-4f1a2c3d4e5f"  # FakeLuxi's QueryClusterInfo
GROUP_UUID = rlib2_groups.GroupUuid(CLUSTER_UUID)


@pytest.fixture
def handler(tmp_path):
    return MakeHandler(tmp_path)


def _Get(handler, path, template):
    status, _, body = Call(handler, "GET", path)
    assert status == 200, body
    sch = openapi.PATHS[template]["get"]["responses"]["200"]["content"]["application/json"]
    schema.Validate(body, sch["schema"], openapi.DOCUMENT)
    return body


def test_group_uuid_is_stable_and_the_clusters_own():
    assert GROUP_UUID == rlib2_groups.GroupUuid(CLUSTER_UUID)
    assert len(GROUP_UUID) == 36 and GROUP_UUID != CLUSTER_UUID
    assert rlib2_groups.GroupUuid("another") != GROUP_UUID


def test_ipolicy_states_only_the_limits_the_cluster_enforces():
    pol = rlib2_groups.IPolicy({"beparams": {"default": {"memory": 512, "vcpus": 2}}})
    (bounds,) = pol["minmax"]
    assert set(bounds["min"].values()) == {0}
    assert bounds["max"]["disk-count"] == constants.MAX_DISKS
    assert bounds["max"]["nic-count"] == constants.MAX_NICS
    assert bounds["max"]["memory-size"] == rlib2_groups.NO_LIMIT
    assert pol["std"]["memory-size"] == 512 and pol["std"]["cpu-count"] == 2
    for key, value in pol["std"].items():
        assert bounds["min"][key] <= value <= bounds["max"][key], key
    assert pol["disk-templates"] == sorted(constants.DISK_TEMPLATES)
    default = rlib2_groups.IPolicy({})["std"]
    assert default["memory-size"] == constants.BEC_DEFAULTS[constants.BE_MEMORY]


def test_info_has_the_ipolicy(handler):
    info = _Get(handler, "/2/info", "/2/info")
    assert info["ipolicy"] == rlib2_groups.IPolicy(FakeLuxi().QueryClusterInfo())
    assert info["name"] == "cluster.example.com"


def test_groups_listing_and_bulk(handler):
    assert _Get(handler, "/2/groups", "/2/groups") == [
        {"name": "default", "uri": "/2/groups/default"}]
    (group,) = _Get(handler, "/2/groups?bulk=1", "/2/groups")
    assert group["uuid"] == GROUP_UUID and group["alloc_policy"] == "preferred"
    assert group["node_list"] == ["node1.example.com"] and group["node_cnt"] == 1
    assert group["ndparams"] == {"exclusive_storage": False, "spindle_count": 1}
    assert group["tags"] == [] and "minmax" in group["ipolicy"]
    assert _Get(handler, "/2/groups?bulk=1&fields=name,uuid", "/2/groups") == [
        {"name": "default", "uuid": GROUP_UUID}]


def test_group_by_name_or_uuid(handler):
    for wanted in ("default", GROUP_UUID):
        group = _Get(handler, "/2/groups/" + wanted, "/2/groups/{group_name}")
        assert group["name"] == "default"
    assert Call(handler, "GET", "/2/groups/other")[0] == 404


def test_group_is_read_only(handler):
    assert Call(handler, "POST", "/2/groups", body={"name": "g2"}, user=WRITER)[0] == 405
    assert Call(handler, "DELETE", "/2/groups/default", user=WRITER)[0] == 405
    assert Call(handler, "PUT", "/2/groups/default/modify", user=WRITER)[0] == 501
    assert FakeLuxi.submitted == []


def test_nodes_carry_group_and_upstream_node_fields(handler):
    (node,) = _Get(handler, "/2/nodes?bulk=1", "/2/nodes")
    assert node["group"] == "default" and node["group.uuid"] == GROUP_UUID
    assert node["vm_capable"] is node["master_capable"] is True
    assert node["ndparams"] == {"exclusive_storage": False, "spindle_count": 1}
    assert node["cnos"] == 2
    node = _Get(handler, "/2/nodes/node1.example.com?fields=name,group.uuid,ndparams",
                "/2/nodes/{node_name}")
    assert node == {"name": "node1.example.com", "group.uuid": GROUP_UUID,
                    "ndparams": rlib2_groups.NDPARAMS}
    assert FakeLuxi.calls[-1] == ("QueryNodes", ["node1.example.com"], ["name"], False)


def test_instances_carry_spindle_figures(handler):
    (inst,) = _Get(handler, "/2/instances?bulk=1", "/2/instances")
    assert inst["disk.spindles"] == [None], "one per disk, unknown as upstream"
    assert inst["beparams"] == {"memory": 128, "spindle_use": 1}
    inst = _Get(handler, "/2/instances/inst1.example.com?fields=name,disk.spindles",
                "/2/instances/{instance_name}")
    assert inst == {"name": "inst1.example.com", "disk.spindles": [None]}
    assert FakeLuxi.calls[-1][2] == ["name", "disk.sizes"]
