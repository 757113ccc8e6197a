"""LUOsDiagnose: the OS definitions of all nodes merged per OS (gnt-os list/diagnose)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from instancefakes import N1, N2, N3, InstanceHarness  # noqa: E402

from ganeti import errors, opcodes  # noqa: E402

_GOOD = ["busybox", "/srv/ganeti/os/busybox", True, "", ["marker", "ext2"], [], [10, 15]]
_SHADOWED = ["busybox", "/usr/lib/ganeti/os/busybox", False, "script 'create' is missing",
             [], [], []]
_BROKEN = ["broken", "/srv/ganeti/os/broken", False, "API version mismatch", [], [], []]


@pytest.fixture
def h(tmp_path):
    harness = InstanceHarness(tmp_path)
    per_node = {N1: [_GOOD, _SHADOWED, _BROKEN], N2: [_GOOD],
                N3: [_GOOD[:4] + [["marker"]] + _GOOD[5:]]}
    harness.nodes._os_diagnose = lambda node: per_node[node.name]
    return harness


def _Diagnose(h, fields, names=()):
    return h.Run(opcodes.OpOsDiagnose(output_fields=list(fields), names=list(names)))


def test_merged_per_os(h):
    rows = _Diagnose(h, ["name", "valid", "variants", "api_versions"])
    assert rows == [["broken", False, [], []], ["busybox", True, ["marker"], [10, 15]]]


def test_node_status_keeps_shadowed_entries_and_missing_nodes(h):
    (status,), = _Diagnose(h, ["node_status"], ["busybox"])
    assert [entry[0] for entry in status[N1]] == ["/srv/ganeti/os/busybox",
                                                 "/usr/lib/ganeti/os/busybox"]
    (broken,), = _Diagnose(h, ["node_status"], ["broken"])
    assert broken[N2] == [] and broken[N3] == [], "missing on those nodes"


def test_unreachable_node_is_a_warning(h):
    h.nodes.Fail("os_diagnose", N3, "connection refused")
    rows = _Diagnose(h, ["name", "variants"], ["busybox"])
    assert rows == [["busybox", ["marker", "ext2"]]], "only answering nodes count"
    assert any("Can't get the OS list of node %s" % N3 in m for m in h.feedback.messages)


def test_refusals(h):
    with pytest.raises(errors.OpPrereqError, match="Unknown output fields selected: colour"):
        _Diagnose(h, ["name", "colour"])
    with pytest.raises(errors.OpPrereqError, match="not found on any node: nope"):
        _Diagnose(h, ["name"], ["nope"])
