"""Cluster logical units on a real configuration with a fake RPC."""

import pytest
from lutestutils import FakeRpc, LUHarness

from ganeti import bootstrap, constants, errors, objects, opcodes
from ganeti.utils import io


def _VerifyAnswer(h, node, what, tweak=None):
    answer = {
        constants.NV_VERSION: (constants.PROTOCOL_VERSION, constants.RELEASE_VERSION),
        constants.NV_FILELIST: {path: io.FileSha1(path) for path in what[constants.NV_FILELIST]},
        constants.NV_SSCONF: h.cfg.GetSsconfValues(),
        constants.NV_TIME: __import__("time").time(),
        constants.NV_HYPERVISOR: {"fake": None},
        constants.NV_NODENETTEST: {},
    }
    if tweak:
        tweak(node, answer)
    return answer


def _Verify(tmp_path, tweak=None, instances=(), running=None):
    """running: {node: [instance names its hypervisors list]} (default: none anywhere)."""
    h = LUHarness(tmp_path)
    for inst in instances:
        h.cfg.AddInstance(inst, "job")
    running = running or {}
    h.rpc.handlers["node_verify"] = lambda node, what, name: _VerifyAnswer(h, node, what, tweak)
    h.rpc.handlers["instance_list"] = lambda node, hvs: sorted(running.get(node, []))
    ok = h.Run(opcodes.OpClusterVerify(error_codes=True))
    return ok, [m for m in h.feedback.messages if m.startswith("  - ")]


def test_verify_clean(tmp_path):
    assert _Verify(tmp_path) == (True, [])


def test_verify_reports_each_problem(tmp_path):
    def _Tweak(node, answer):
        if node.startswith("node2"):
            answer[constants.NV_VERSION] = (constants.PROTOCOL_VERSION, "2.0.9")
            answer[constants.NV_SSCONF]["master_node"] = "node2.example.com"
            answer[constants.NV_HYPERVISOR] = {"fake": "broken"}
        if node.startswith("node3"):
            answer[constants.NV_TIME] -= 3600
            answer[constants.NV_NODENETTEST] = {"node1.example.com": "failure"}
    ok, lines = _Verify(tmp_path, _Tweak)
    assert not ok
    text = "\n".join(lines)
    assert "WARNING:ENODEVERSION:node:node2.example.com:software version mismatch" in text
    assert "ERROR:ENODESSCONF:node:node2.example.com:ssconf master_node differs" in text
    assert "ERROR:ENODEHV:node:node2.example.com:hypervisor fake verify failure" in text
    assert "ERROR:ENODETIME:node:node3.example.com:clock skew" in text
    assert "ERROR:ENODENET:node:node3.example.com:tcp communication with node node1" in text


def _Inst(name, pnode, admin_up):
    return objects.Instance(name=name, primary_node=pnode, os="busybox", hypervisor="fake",
                            admin_up=admin_up, nics=[], disks=[], disk_template="diskless")


N2, N3 = "node2.example.com", "node3.example.com"


def test_verify_instances_against_what_runs_where(tmp_path):
    instances = [_Inst("up.example.com", N2, True), _Inst("down.example.com", N2, True),
                 _Inst("stray.example.com", N2, False), _Inst("moved.example.com", N2, True)]
    running = {N2: ["up.example.com", "stray.example.com", "moved.example.com"],
               N3: ["moved.example.com", "ghost.example.com"]}
    ok, lines = _Verify(tmp_path, instances=instances, running=running)
    assert not ok
    assert sorted(lines) == sorted([
        "  - ERROR:EINSTANCEDOWN:instance:down.example.com:instance not running on its"
        " primary node node2.example.com",
        "  - ERROR:EINSTANCEUP:instance:stray.example.com:instance is running on its primary"
        " node node2.example.com but marked down",
        "  - ERROR:EINSTANCEWRONGNODE:instance:moved.example.com:instance should not run on"
        " node node3.example.com",
        "  - ERROR:ENODEORPHANINSTANCE:node:node3.example.com:instance ghost.example.com on"
        " node node3.example.com should not exist"])
    assert _Verify(tmp_path / "ok", instances=instances[:1], running={N2: ["up.example.com"]}) \
        == (True, [])


def test_verify_instances_on_offline_and_silent_nodes(tmp_path):
    def _Tweak(node, answer):
        if node == N3:
            raise RuntimeError("connection refused")
    h = LUHarness(tmp_path)
    h.cfg.AddInstance(_Inst("off.example.com", N2, True), "job")
    h.cfg.AddInstance(_Inst("silent.example.com", N3, True), "job")
    node = h.cfg.GetNodeInfo(N2)
    node.offline = True
    h.cfg.Update(node)
    h.rpc.handlers["node_verify"] = lambda node, what, name: _VerifyAnswer(h, node, what, _Tweak)
    h.rpc.handlers["instance_list"] = lambda node, hvs: []
    assert h.Run(opcodes.OpClusterVerify(error_codes=True)) is False
    lines = [m for m in h.feedback.messages if m.startswith("  - ")]
    assert "  - ERROR:EINSTANCEBADNODE:instance:off.example.com:instance lives on offline" \
        " node(s) node2.example.com" in lines
    assert not [m for m in lines if "EINSTANCEDOWN" in m], "no guessing for unanswered nodes"
    assert [n for n, _ in h.rpc.Called("instance_list")] == [["node1.example.com"]]


def test_verify_protocol_mismatch_and_unreachable(tmp_path):
    def _Tweak(node, answer):
        if node.startswith("node2"):
            answer[constants.NV_VERSION] = (1, "1.2")
    h = LUHarness(tmp_path)

    def _Answer(node, what, name):
        if node.startswith("node3"):
            raise RuntimeError("connection refused")
        return _VerifyAnswer(h, node, what, _Tweak)
    h.rpc.handlers["node_verify"] = _Answer
    assert h.Run(opcodes.OpClusterVerify()) is False
    text = "\n".join(h.feedback.messages)
    assert "ERROR: node node2.example.com: protocol version mismatch" in text
    assert "ERROR: node node3.example.com: while contacting node: connection refused" in text


def test_set_params_uid_pool_and_types(tmp_path):
    h = LUHarness(tmp_path)
    h.Run(opcodes.OpClusterSetParams(uid_pool=[(1000, 1009)]))
    h.Run(opcodes.OpClusterSetParams(add_uids=[(2000, 2000)]))
    assert h.cfg.GetClusterInfo().uid_pool == [(1000, 1009), (2000, 2000)]
    h.Run(opcodes.OpClusterSetParams(remove_uids=[(1000, 1009)]))
    assert h.cfg.GetClusterInfo().uid_pool == [(2000, 2000)]
    assert h.cfg.GetSsconfValues()["uid_pool"] == "2000"
    with pytest.raises(errors.OpPrereqError, match="not present"):
        h.Run(opcodes.OpClusterSetParams(remove_uids=[(5, 5)]))
    h.Run(opcodes.OpClusterSetParams(beparams={"memory": "1G", "auto_balance": "no"}))
    assert h.cfg.GetClusterInfo().beparams["default"] == {"memory": 1024, "vcpus": 1,
                                                          "auto_balance": False}


def test_set_params_refusals_leave_config_alone(tmp_path):
    h = LUHarness(tmp_path)
    serial = h.cfg.GetConfigSerial()
    cases = [
        (opcodes.OpClusterSetParams(hvparams={"fake": {"no_such": 1}}),
         r"Unknown hypervisor parameter\(s\) for fake: no_such \(known: migration_port\)"),
        # a parameter of another hypervisor: refused with kvm's own list
        (opcodes.OpClusterSetParams(hvparams={"kvm": {"pae": True}}),
         r"Unknown hypervisor parameter\(s\) for kvm: pae \(known: acpi, boot_order,"
         r" cdrom_image_path, disk_cache, disk_type, initrd_path, kernel_args, kernel_path,"
         r" kvm_accel, kvm_flag, migration_bandwidth, migration_downtime, migration_port,"),
        (opcodes.OpClusterSetParams(hvparams={"xen-hvm": {"pae": True}}), "Unknown or unsupported"
         " hypervisor type 'xen-hvm'"),
        (opcodes.OpClusterSetParams(beparams={"vcpus": "many"}), "vcpus"),
        (opcodes.OpClusterSetParams(nicparams={"mode": "bridge"}), "Invalid default NIC mode"),
        (opcodes.OpClusterSetParams(uid_pool=[(1, 2)], add_uids=[(3, 3)]), "cannot be combined"),
        (opcodes.OpClusterSetParams(enabled_hypervisors=[]), "At least one hypervisor"),
    ]
    for op, needle in cases:
        with pytest.raises(errors.OpPrereqError, match=needle):
            h.Run(op)
    assert h.cfg.GetConfigSerial() == serial


def test_routed_default_must_not_break_instances(tmp_path):
    h = LUHarness(tmp_path)
    h.cfg.AddInstance(objects.Instance(name="i1.example.com", primary_node="node1.example.com",
                                       os="x", hypervisor="fake",
                                       nics=[objects.NIC(mac="aa:00:00:00:00:01")]), "j")
    with pytest.raises(errors.OpPrereqError, match="would become invalid"):
        h.Run(opcodes.OpClusterSetParams(nicparams={"mode": "routed"}))


def test_pool_growth_promotes(tmp_path):
    h = LUHarness(tmp_path, nodes=3, candidates=1)
    h.Run(opcodes.OpClusterSetParams(candidate_pool_size=2))
    assert h.cfg.GetMasterCandidates() == ["node1.example.com", "node2.example.com"]
    assert h.context.readded == ["node2.example.com"]


def test_destroy_refused_with_nodes(tmp_path):
    h = LUHarness(tmp_path, nodes=2)
    with pytest.raises(errors.OpPrereqError, match="still 1 node"):
        h.Run(opcodes.OpClusterDestroy())
    one = LUHarness(tmp_path / "one", nodes=1)
    assert one.Run(opcodes.OpClusterDestroy()) == "node1.example.com"


def test_tags(tmp_path):
    h = LUHarness(tmp_path)
    h.Run(opcodes.OpTagsSet(kind="node", name="node2", tags=["rack:1", "ssd"]))
    h.Run(opcodes.OpTagsSet(kind="cluster", tags=["prod"]))
    assert h.Run(opcodes.OpTagsGet(kind="node", name="node2.example.com")) == ["rack:1", "ssd"]
    assert h.Run(opcodes.OpTagsSearch(pattern="^r")) == [("/nodes/node2.example.com", "rack:1")]
    with pytest.raises(errors.OpPrereqError, match="not found"):
        h.Run(opcodes.OpTagsDel(kind="node", name="node2", tags=["ssd", "nope"]))
    assert h.Run(opcodes.OpTagsGet(kind="node", name="node2")) == ["rack:1", "ssd"]
    with pytest.raises(errors.OpPrereqError, match="Invalid tag"):
        h.Run(opcodes.OpTagsSet(kind="cluster", tags=["has space"]))
    with pytest.raises(errors.OpPrereqError, match="name is required"):
        h.Run(opcodes.OpTagsGet(kind="node"))


@pytest.mark.parametrize("answers, refusal", [
    ({"n1": "m", "m": None}, None),  # 3 nodes, the master died: a tie goes to the answer
    ({"n1": "m", "m": "m", "n3": None}, None),
    ({"n1": None, "m": None}, "most nodes did not respond"),
    ({"n1": "m", "n3": None, "m": None}, "most nodes did not respond"),
    ({"n1": "x", "n3": "x", "m": "m"}, "most nodes voted for x: its configuration is out of date"),
    ({}, None),  # a two-node cluster: nobody else to ask
])
def test_failover_votes(answers, refusal):
    def _Info(node):
        if answers[node] is None:
            raise RuntimeError("down")
        return ["lo", "1.2.3.4", answers[node]]
    rpc = FakeRpc({"master_info": _Info})
    if refusal is None:
        bootstrap.CheckFailoverVotes("m", list(answers), rpc)
    else:
        with pytest.raises(errors.OpPrereqError, match=refusal):
            bootstrap.CheckFailoverVotes("m", list(answers), rpc)


def test_votes_and_agreement():
    votes = {"a": "m", "b": "m", "c": None, "d": "x"}

    def _Info(node):
        if votes[node] is None:
            raise RuntimeError("down")
        return ["lo", "1.2.3.4", votes[node]]
    rpc = FakeRpc({"master_info": _Info})
    assert bootstrap.GatherMasterVotes(list(votes), rpc) == [("m", 2), ("x", 1), (None, 1)]
    assert bootstrap.CheckAgreement("m", ["m"] + list(votes), rpc)[0] is True
    ok, msg = bootstrap.CheckAgreement("x", list(votes), rpc)
    assert not ok and "top-voted node is m" in msg
    votes.update(a=None, b=None)
    ok, msg = bootstrap.CheckAgreement("m", list(votes), rpc, retries=2, delay=0)
    assert not ok and "did not answer" in msg
    assert len(rpc.Called("master_info")) == 5, "one ballot each, two for the retries"
    assert bootstrap.CheckAgreement("m", ["m"], rpc) == (True, "one-node cluster")
