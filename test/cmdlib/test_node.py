"""Node logical units on a real configuration with a fake RPC."""

import pytest
from lutestutils import LUHarness

from ganeti import constants, errors, opcodes

N1, N2, N3, N4 = ("node%d.example.com" % i for i in (1, 2, 3, 4))


def _Roles(h):
    return {name: (n.master_candidate, n.offline, n.drained)
            for name, n in h.cfg.GetAllNodesInfo().items()}


def test_master_flags_only_through_failover(tmp_path):
    h = LUHarness(tmp_path)
    for kwargs in ({"offline": True}, {"drained": True}, {"master_candidate": False}):
        with pytest.raises(errors.OpPrereqError, match="master-failover"):
            h.Run(opcodes.OpNodeSetParams(node_name=N1, **kwargs))


def test_one_state_at_a_time_and_something_to_do(tmp_path):
    h = LUHarness(tmp_path)
    with pytest.raises(errors.OpPrereqError, match="more than one state"):
        h.Run(opcodes.OpNodeSetParams(node_name=N2, offline=True, drained=True))
    with pytest.raises(errors.OpPrereqError, match="at least one"):
        h.Run(opcodes.OpNodeSetParams(node_name=N2))


def test_demotion_keeps_the_pool_full(tmp_path):
    h = LUHarness(tmp_path, nodes=4, candidates=3)
    cluster = h.cfg.GetClusterInfo()
    cluster.candidate_pool_size = 3
    h.cfg.Update(cluster)
    before = _Roles(h)
    with pytest.raises(errors.OpPrereqError, match="Not enough master candidates"):
        h.Run(opcodes.OpNodeSetParams(node_name=N2, master_candidate=False))
    assert _Roles(h) == before, "a refused change changes nothing"
    changes = h.Run(opcodes.OpNodeSetParams(node_name=N2, offline=True, auto_promote=True))
    assert ("offline", "True") in changes and ("master_candidate", "False") in changes
    roles = _Roles(h)
    assert roles[N2] == (False, True, False)
    assert roles[N4][0] is True, "node4 promoted to keep 3 candidates"
    assert h.context.readded == [N4], "the promoted node gets the job queue"
    assert h.rpc.Called("node_demote_from_mc") == [], "an offline node is not contacted"
    assert [n for n, _ in h.rpc.Called("node_ensure_daemons")] == [[N4]]


def test_demote_with_nobody_to_promote(tmp_path):
    h = LUHarness(tmp_path, nodes=3)
    with pytest.raises(errors.OpPrereqError, match="No other node can be promoted"):
        h.Run(opcodes.OpNodeSetParams(node_name=N3, master_candidate=False, auto_promote=True))


def test_offline_node_cannot_become_candidate_without_clearing(tmp_path):
    h = LUHarness(tmp_path, nodes=3, candidates=1)
    h.Run(opcodes.OpNodeSetParams(node_name=N3, offline=True))
    with pytest.raises(errors.OpPrereqError, match="offline or drained"):
        h.Run(opcodes.OpNodeSetParams(node_name=N3, master_candidate=True))
    h.Run(opcodes.OpNodeSetParams(node_name=N3, offline=False))
    h.Run(opcodes.OpNodeSetParams(node_name=N3, master_candidate=True))
    assert _Roles(h)[N3] == (True, False, False)
    assert h.context.readded == [N3]
    assert [n for n, _ in h.rpc.Called("node_ensure_daemons")][-1] == [N3]


def test_node_coming_online_is_asked_once_marked_online(tmp_path):
    h = LUHarness(tmp_path, nodes=3, candidates=1)

    def _Version(node):  # as ganeti.rpc: a node marked offline is never contacted
        if h.cfg.GetNodeInfo(node).offline:
            raise RuntimeError("Node is marked offline")
        return constants.PROTOCOL_VERSION

    h.rpc.handlers["version"] = _Version
    h.Run(opcodes.OpNodeSetParams(node_name=N3, offline=True))
    h.Run(opcodes.OpNodeSetParams(node_name=N3, offline=False))
    assert [n for n, _ in h.rpc.Called("version")] == [[N3]]
    assert not [m for m in h.feedback.messages if "does not answer" in m], h.feedback.messages


def test_remove_refuses_master_and_nodes_with_instances(tmp_path):
    from ganeti import objects
    h = LUHarness(tmp_path)
    with pytest.raises(errors.OpPrereqError, match="master"):
        h.Run(opcodes.OpNodeRemove(node_name=N1))
    h.cfg.AddInstance(objects.Instance(name="i1.example.com", primary_node=N2, os="x",
                                       hypervisor="fake", nics=[]), "j")
    with pytest.raises(errors.OpPrereqError, match="i1.example.com"):
        h.Run(opcodes.OpNodeRemove(node_name=N2))
    h.Run(opcodes.OpNodeRemove(node_name=N3))
    assert N3 not in h.cfg.GetNodeList()
    assert h.rpc.Called("node_leave_cluster") == [(N3, (False,))]


def test_query_fields(tmp_path):
    live = {"memory_total": 2048, "memory_free": 1024, "memory_dom0": 100, "cpu_total": 2,
            "cpu_dom0": 2, "bootid": "abc"}

    def _NodeInfo(node, vg, hv):
        if node == N3:
            raise RuntimeError("unreachable")
        return live
    h = LUHarness(tmp_path, handlers={"node_info": _NodeInfo})
    rows = h.Run(opcodes.OpNodeQuery(output_fields=["name", "role", "mtotal", "mfree",
                                                    "pinst_cnt", "master", "sip", "cnos"],
                                     names=[]))
    assert rows[0] == [N1, "M", 2048, 1024, 0, True, "127.0.0.1", 2]
    assert rows[2][:4] == [N3, "C", None, None], "unreachable nodes show None for live fields"
    assert h.Run(opcodes.OpNodeQuery(output_fields=["name"], names=["node2"])) == [[N2]]
    with pytest.raises(errors.OpPrereqError, match="Unknown output field"):
        h.Run(opcodes.OpNodeQuery(output_fields=["name", "colour"], names=[]))
    before = len(h.rpc.calls)
    h.Run(opcodes.OpNodeQuery(output_fields=["name", "uuid"], names=[]))
    assert len(h.rpc.calls) == before, "no RPC for configuration-only fields"


def test_storage_listing_adds_node_and_type(tmp_path):
    def _List(node, su_name, su_args, name, fields):
        assert su_name == constants.ST_LVM_PV and "node" not in fields
        return [["/dev/loop1", 1024, 512]] if node != N2 else []
    h = LUHarness(tmp_path, handlers={"storage_list": _List})
    rows = h.Run(opcodes.OpNodeQueryStorage(nodes=[], storage_type=constants.ST_LVM_PV,
                                            output_fields=["node", "type", "name", "size",
                                                           "free"]))
    assert rows == [[N1, "lvm-pv", "/dev/loop1", 1024, 512],
                    [N3, "lvm-pv", "/dev/loop1", 1024, 512]]
    with pytest.raises(errors.OpPrereqError, match="cannot change"):
        h.Run(opcodes.OpNodeModifyStorage(node_name=N1, storage_type=constants.ST_FILE,
                                          name="/srv", changes={"allocatable": False}))
    with pytest.raises(errors.OpPrereqError, match="cannot be repaired"):
        h.Run(opcodes.OpRepairNodeStorage(node_name=N1, storage_type=constants.ST_LVM_PV,
                                          name="/dev/loop1"))
