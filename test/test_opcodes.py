"""Tests for ganeti.opcodes: declarations, validation, wire format, summaries."""

import pytest

from ganeti import constants, errors, opcodes, serializer
from ganeti.opcodes import ht
from ganeti.opcodes.base import REQUIRED, OpCode

# OP_IDs of protocol-facts.md's 2.1 list.
_EXPECTED_IDS = (
    ["OP_CLUSTER_" + n for n in ("POST_INIT", "DESTROY", "QUERY", "VERIFY", "VERIFY_DISKS",
                                 "REPAIR_DISK_SIZES", "CONFIG_QUERY", "RENAME", "SET_PARAMS",
                                 "REDIST_CONF")]
    + ["OP_NODE_" + n for n in ("REMOVE", "ADD", "QUERY", "QUERYVOLS", "QUERY_STORAGE",
                                "MODIFY_STORAGE", "SET_PARAMS", "POWERCYCLE", "EVACUATE",
                                "MIGRATE")]
    + ["OP_REPAIR_NODE_STORAGE"]
    + ["OP_INSTANCE_" + n for n in ("CREATE", "REINSTALL", "REMOVE", "RENAME", "STARTUP",
                                    "SHUTDOWN", "REBOOT", "REPLACE_DISKS", "FAILOVER",
                                    "MIGRATE", "MOVE", "CONSOLE", "ACTIVATE_DISKS",
                                    "DEACTIVATE_DISKS", "RECREATE_DISKS", "QUERY",
                                    "QUERY_DATA", "SET_PARAMS", "GROW_DISK")]
    + ["OP_OS_DIAGNOSE", "OP_BACKUP_QUERY", "OP_BACKUP_EXPORT", "OP_BACKUP_REMOVE",
       "OP_TAGS_GET", "OP_TAGS_SEARCH", "OP_TAGS_SET", "OP_TAGS_DEL",
       "OP_TEST_DELAY", "OP_TEST_ALLOCATOR"])


def test_every_upstream_op_id_declared_once_and_exported():
    assert sorted(opcodes.OP_MAPPING) == sorted(_EXPECTED_IDS)
    for op_id, cls in opcodes.OP_MAPPING.items():
        assert getattr(opcodes, cls.__name__) is cls
        assert cls.OP_ID == op_id
        names = [p[0] for p in cls.GetParams()]
        assert len(names) == len(set(names)), cls
        assert names[:3] == ["dry_run", "debug_level", "priority"]


def test_duplicate_op_id_and_parameter_refused():
    with pytest.raises(errors.ProgrammerError, match="OP_TEST_DELAY"):
        type("OpDuplicate", (OpCode,), {"OP_ID": "OP_TEST_DELAY"})
    with pytest.raises(errors.ProgrammerError, match="twice"):
        type("OpTwice", (OpCode,), {"OP_PARAMS": [("dry_run", False, ht.TBool, "")]})


def test_round_trip_through_json():
    op = opcodes.OpInstanceCreate(instance_name="inst1", disk_template=constants.DT_PLAIN,
                                  mode=constants.INSTANCE_CREATE, os_type="debian",
                                  disks=[{"size": 1024}], nics=[{}], pnode="node1",
                                  beparams={"memory": 256}, dry_run=True,
                                  priority=constants.OP_PRIO_HIGH)
    op.Validate()
    state = serializer.LoadJson(serializer.DumpJson(op.__getstate__()))
    assert state["OP_ID"] == "OP_INSTANCE_CREATE"
    assert state["dry_run"] is True and state["beparams"] == {"memory": 256}
    loaded = OpCode.LoadOpCode(state)
    assert isinstance(loaded, opcodes.OpInstanceCreate)
    assert loaded == op
    assert loaded.Summary() == "INSTANCE_CREATE(inst1)"


def test_defaults_are_not_shared_between_instances():
    one, two = opcodes.OpTestDelay(duration=1), opcodes.OpTestDelay(duration=2)
    one.on_nodes.append("node1")
    assert two.on_nodes == []
    assert opcodes.OpTestDelay(duration=0).priority == constants.OP_PRIO_DEFAULT


@pytest.mark.parametrize("op, param", [
    (opcodes.OpTestDelay(duration=-1), "duration"),
    (opcodes.OpTestDelay(duration="10"), "duration"),
    (opcodes.OpTestDelay(), "duration"),
    (opcodes.OpTestDelay(duration=1, on_nodes="node1"), "on_nodes"),
    (opcodes.OpTestDelay(duration=1, repeat=True), "repeat"),
    (opcodes.OpTestDelay(duration=1, priority=3), "priority"),
    (opcodes.OpTestDelay(duration=1, dry_run="yes"), "dry_run"),
    (opcodes.OpInstanceStartup(instance_name=""), "instance_name"),
    (opcodes.OpInstanceReboot(instance_name="i", reboot_type="gentle"), "reboot_type"),
    (opcodes.OpInstanceSetParams(instance_name="i", nics=[["insert", {}]]), "nics"),
    (opcodes.OpClusterSetParams(uid_pool=[[1, "x"]]), "uid_pool"),
    (opcodes.OpTagsSet(kind="planet", tags=["a"]), "kind"),
])
def test_validation_names_the_parameter(op, param):
    with pytest.raises(errors.OpPrereqError) as exc:
        op.Validate()
    assert exc.value.args[1] == errors.ECODE_INVAL
    assert "'%s'" % param in exc.value.args[0]
    assert op.OP_ID in exc.value.args[0]


def test_optional_parameters_accept_none_and_valid_values():
    opcodes.OpNodeSetParams(node_name="node2", offline=True).Validate()
    opcodes.OpClusterSetParams(uid_pool=[[1000, 2000]], candidate_pool_size=3).Validate()
    opcodes.OpInstanceSetParams(instance_name="i", nics=[["add", {}], [0, {"ip": "1.2.3.4"}]],
                                disks=[["remove", {}]]).Validate()
    opcodes.OpTestDelay(duration=0.5, on_nodes=["node1"], repeat=2).Validate()


def test_load_refuses_garbage():
    for data, text in [([], "JSON object"), ({"duration": 1}, "OP_ID"),
                       ({"OP_ID": "OP_NO_SUCH"}, "OP_NO_SUCH")]:
        with pytest.raises(errors.OpPrereqError, match=text):
            OpCode.LoadOpCode(data)
    with pytest.raises(errors.OpPrereqError, match="unknown parameter.*'bogus'"):
        OpCode.LoadOpCode({"OP_ID": "OP_TEST_DELAY", "duration": 1, "bogus": 2})


def test_summaries():
    assert opcodes.OpTestDelay(duration=10).Summary() == "TEST_DELAY(10)"
    assert opcodes.OpClusterVerify().Summary() == "CLUSTER_VERIFY"
    assert opcodes.OpTagsGet(kind="cluster").Summary() == "TAGS_GET"
    assert (opcodes.OpClusterRepairDiskSizes(instances=["a", "b"]).Summary()
            == "CLUSTER_REPAIR_DISK_SIZES(a,b)")
    assert opcodes.OpNodeMigrate(node_name="node3").Summary() == "NODE_MIGRATE(node3)"


def test_required_marker_and_checks_describe_themselves():
    assert repr(REQUIRED) == "REQUIRED"
    assert ht.TListOf(ht.TNonEmptyString).description == "a list of non-empty strings"
    assert not ht.TNonNegativeInt(True)
    assert ht.TMaybe(ht.TInt)(None)
    assert not ht.TDictOf(ht.TNonEmptyString, ht.TInt)({"a": "b"})
