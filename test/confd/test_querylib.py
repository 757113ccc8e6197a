"""Tests for ganeti.confd.querylib and the ConfigView it answers from."""

import copy

import confdtest
import pytest

from ganeti import constants as C
from ganeti import errors
from ganeti.confd import querylib
from ganeti.confd.view import ConfigView

NET = "127.77.1"
OK, ERR = C.CONFD_REPL_STATUS_OK, C.CONFD_REPL_STATUS_ERROR
UNKNOWN = (ERR, C.CONFD_ERROR_UNKNOWN_ENTRY)
ARGUMENT = (ERR, C.CONFD_ERROR_ARGUMENT)


@pytest.fixture(scope="module")
def view():
    return confdtest.ViewOf(confdtest.MakeConfig(NET, serial=42))


def Q(view, rtype, query=None):
    return querylib.ExecQuery(view, rtype, query)


def test_view_basics(view):
    assert view.serial == 42
    assert view.master_node == "node1.example.com"
    assert view.default_link == "br0"
    assert view.IsMasterCandidate("node1.example.com")  # the master
    assert view.IsMasterCandidate("node2.example.com")
    assert not view.IsMasterCandidate("node3.example.com")
    assert not view.IsMasterCandidate("nonexistent")


def test_ping(view):
    assert Q(view, C.CONFD_REQ_PING) == (OK, "ok")
    assert Q(view, C.CONFD_REQ_PING, "x")[0] == ERR


@pytest.mark.parametrize("node,role", [(1, C.CONFD_NODE_ROLE_MASTER), (2, C.CONFD_NODE_ROLE_CANDIDATE),
                                       (3, C.CONFD_NODE_ROLE_REGULAR), (4, C.CONFD_NODE_ROLE_OFFLINE),
                                       (5, C.CONFD_NODE_ROLE_DRAINED)])
def test_node_role_by_name(view, node, role):
    assert Q(view, C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(node)) == (OK, role)


def test_node_role_errors(view):
    assert Q(view, C.CONFD_REQ_NODE_ROLE_BYNAME, "node9.example.com") == UNKNOWN
    assert Q(view, C.CONFD_REQ_NODE_ROLE_BYNAME, None) == ARGUMENT
    assert Q(view, C.CONFD_REQ_NODE_ROLE_BYNAME, ["node1.example.com"]) == ARGUMENT


def test_node_pip_by_instance_ip_plain_and_dict_forms(view):
    rtype = C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP
    assert Q(view, rtype, "10.0.0.2") == (OK, NET + ".2")
    assert Q(view, rtype, {C.CONFD_REQQ_IP: "10.0.0.3"}) == (OK, NET + ".3")
    assert Q(view, rtype, {C.CONFD_REQQ_IP: "10.0.0.1", C.CONFD_REQQ_LINK: "br0"}) == (OK, NET + ".1")
    # 10.1.0.2 is on the routed link rt1, not on the default link
    assert Q(view, rtype, "10.1.0.2") == UNKNOWN
    assert Q(view, rtype, {C.CONFD_REQQ_IP: "10.1.0.2", C.CONFD_REQQ_LINK: "rt1"}) == (OK, NET + ".2")
    assert Q(view, rtype, "192.0.2.1") == UNKNOWN


def test_node_pip_by_instance_ip_list_form(view):
    rtype = C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP
    query = {C.CONFD_REQQ_IPLIST: ["10.0.0.1", "192.0.2.1", "10.0.0.3"]}
    assert Q(view, rtype, query) == (OK, [[OK, NET + ".1"], list(UNKNOWN), [OK, NET + ".3"]])
    assert Q(view, rtype, {C.CONFD_REQQ_IPLIST: ["10.1.0.2"], C.CONFD_REQQ_LINK: "rt1"}) == \
        (OK, [[OK, NET + ".2"]])
    assert Q(view, rtype, {C.CONFD_REQQ_IPLIST: []}) == (OK, [])


@pytest.mark.parametrize("query", [None, 5, {}, {C.CONFD_REQQ_IPLIST: "10.0.0.1"},
                                   {C.CONFD_REQQ_IPLIST: [1]}, {C.CONFD_REQQ_IP: 1},
                                   {C.CONFD_REQQ_IP: "10.0.0.1", C.CONFD_REQQ_LINK: 3}])
def test_node_pip_by_instance_ip_bad_arguments(view, query):
    assert Q(view, C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, query) == ARGUMENT


def test_cluster_master(view):
    rtype = C.CONFD_REQ_CLUSTER_MASTER
    assert Q(view, rtype) == (OK, "node1.example.com")
    fields = [C.CONFD_REQFIELD_MNODE_PIP, C.CONFD_REQFIELD_NAME, C.CONFD_REQFIELD_IP]
    assert Q(view, rtype, {C.CONFD_REQQ_FIELDS: fields}) == \
        (OK, [NET + ".1", "node1.example.com", NET + ".254"])
    assert Q(view, rtype, {C.CONFD_REQQ_FIELDS: []}) == (OK, [])
    for bad in ("x", {}, {C.CONFD_REQQ_FIELDS: "0"}, {C.CONFD_REQQ_FIELDS: ["9"]}):
        assert Q(view, rtype, bad) == ARGUMENT


def test_ip_lists(view):
    all_pips = [NET + ".%d" % i for i in range(1, 6)]
    assert Q(view, C.CONFD_REQ_NODE_PIP_LIST) == (OK, all_pips)
    assert Q(view, C.CONFD_REQ_MC_PIP_LIST) == (OK, [NET + ".1", NET + ".2"])
    assert Q(view, C.CONFD_REQ_NODE_PIP_LIST, "x") == ARGUMENT
    assert Q(view, C.CONFD_REQ_MC_PIP_LIST, {}) == ARGUMENT


def test_instances_ips_list(view):
    rtype = C.CONFD_REQ_INSTANCES_IPS_LIST
    assert Q(view, rtype) == (OK, ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
    assert Q(view, rtype, "rt1") == (OK, ["10.1.0.2"])
    assert Q(view, rtype, {C.CONFD_REQQ_LINK: "rt1"}) == (OK, ["10.1.0.2"])
    assert Q(view, rtype, "no-such-link") == (OK, [])
    assert Q(view, rtype, ["br0"]) == ARGUMENT


def test_our_types(view):
    assert Q(view, C.CONFD_REQ_INSTANCE_LIST) == (OK, ["inst1.example.com", "inst2.example.com",
                                                       "inst3.example.com", "inst10.example.com"])
    assert Q(view, C.CONFD_REQ_INSTANCE_PNODE, "inst3.example.com") == (OK, "node3.example.com")
    assert Q(view, C.CONFD_REQ_INSTANCE_PNODE, "nope") == UNKNOWN
    assert Q(view, C.CONFD_REQ_INSTANCE_PNODE, None) == ARGUMENT
    roles = dict(Q(view, C.CONFD_REQ_NODE_ROLE_LIST)[1])
    assert roles == {confdtest.NodeName(1): 0, confdtest.NodeName(2): 1, confdtest.NodeName(3): 4,
                     confdtest.NodeName(4): 2, confdtest.NodeName(5): 3}


def test_unserved_types_are_not_implemented(view):
    for rtype in (C.CONFD_REQ_NODE_DRBD, C.CONFD_REQ_DATA_COLLECTORS, 55, -1):
        assert Q(view, rtype, "x")[0] == C.CONFD_REPL_STATUS_NOTIMPLEMENTED


def test_primary_node_given_by_uuid_is_resolved():
    data = confdtest.MakeConfig(NET)
    data["instances"]["inst3.example.com"]["primary_node"] = "uuid-node2"
    view = confdtest.ViewOf(data)
    assert Q(view, C.CONFD_REQ_INSTANCE_PNODE, "inst3.example.com") == (OK, "node2.example.com")
    assert Q(view, C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, "10.0.0.3") == (OK, NET + ".2")


def test_instance_on_unknown_node_is_an_internal_error():
    data = confdtest.MakeConfig(NET)
    data["instances"]["inst3.example.com"]["primary_node"] = "ghost.example.com"
    view = confdtest.ViewOf(data)
    assert Q(view, C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, "10.0.0.3") == \
        (ERR, C.CONFD_ERROR_INTERNAL)


def test_duplicate_ip_on_a_link_answers_the_first_instance():
    data = confdtest.MakeConfig(NET)
    data["instances"]["inst10.example.com"]["nics"][0]["ip"] = "10.0.0.3"
    view = confdtest.ViewOf(data)
    assert Q(view, C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, "10.0.0.3") == (OK, NET + ".3")
    assert Q(view, C.CONFD_REQ_INSTANCES_IPS_LIST)[1].count("10.0.0.3") == 1


def test_config_whose_master_is_not_a_node_is_refused():
    data = copy.deepcopy(confdtest.MakeConfig(NET))
    data["cluster"]["master_node"] = "ghost.example.com"
    with pytest.raises(errors.ConfigurationError):
        confdtest.ViewOf(data)


def test_load_file_checks_the_file(tmp_path):
    path = tmp_path / "config.data"
    path.write_text("{truncated")
    with pytest.raises(errors.ConfigurationError):
        ConfigView.LoadFile(str(path))
    node = confdtest.NodeRoot(str(tmp_path), "n", "127.0.0.1")
    node.WriteConfig(confdtest.MakeConfig(NET, serial=9))
    assert ConfigView.LoadFile(node.cfg_file).serial == 9
