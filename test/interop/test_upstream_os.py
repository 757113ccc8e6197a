"""Debian's OS definition packages on our nodes: ganeti-os-noop and ganeti-instance-debootstrap.

They install under /usr/share/ganeti/os, the last entry of our OS search
path; each virtual node gets them under its own root (conftest.py). noop
creates and removes a real file-disk instance; debootstrap's create would
fetch a Debian release from the network, so only its diagnosis (API
versions 5, 10, 15, 20; variant "default") is checked.
"""

import os

import pytest
from interoputils import DEBIAN_OS_DIR, DEBOOTSTRAP_ROOT, N1, N2, N3, NEEDS_CLUSTER, NOOP_OS, Requires

pytestmark = [pytest.mark.slow, NEEDS_CLUSTER]
NEEDS_NOOP = Requires(NOOP_OS, "ganeti-os-noop")
NEEDS_DEBOOTSTRAP = Requires(DEBOOTSTRAP_ROOT + DEBIAN_OS_DIR + "/debootstrap",
                             "ganeti-instance-debootstrap (unpacked)")
INST = "noop1.example.com"


def _Diagnosis(tc, name):
    """{node: (status, path, details)} from gnt-os diagnose for one OS."""
    out = tc.Gnt(N1, "gnt-os", "diagnose", name).stdout
    lines = out.splitlines()
    assert lines[0] == "OS: %s [global status: valid]" % name, out
    nodes = {}
    for idx, line in enumerate(lines):
        if line.strip().startswith("Node: "):
            node, _, rest = line.strip()[len("Node: "):].partition(", status: ")
            status, _, path = rest.partition(" (path: ")
            nodes[node] = (status, path.rstrip(")"), lines[idx + 1].strip())
    return nodes


@NEEDS_NOOP
def test_noop_is_diagnosed_valid_on_every_node(tc):
    nodes = _Diagnosis(tc, "noop")
    assert sorted(nodes) == [N1, N2, N3]
    for node, (status, path, details) in nodes.items():
        assert status == "valid" and path == tc.Root(node) + DEBIAN_OS_DIR + "/noop"
        assert details == "API versions: 5, 10; variants: none"
    listed = tc.Gnt(N1, "gnt-os", "list", "--no-headers").stdout.split()
    assert "noop" in listed


@NEEDS_DEBOOTSTRAP
def test_debootstrap_is_diagnosed_with_its_variants(tc):
    nodes = _Diagnosis(tc, "debootstrap")
    assert sorted(nodes) == [N1, N2, N3]
    for status, _, details in nodes.values():
        assert status == "valid"
        assert details == "API versions: 5, 10, 15, 20; variants: default"
    assert "debootstrap+default" in tc.Gnt(N1, "gnt-os", "list", "--no-headers").stdout.split()


@NEEDS_NOOP
def test_file_disk_instance_with_noop(tc):
    add = tc.Gnt(N1, "gnt-instance", "add", "-t", "file", "-s", "64M", "-o", "noop", "-n", N2,
                 "--no-name-check", "--no-ip-check", INST)
    logs = os.listdir(tc.Root(N2) + "/var/log/ganeti/os")
    assert [f for f in logs if f.startswith("add-noop-%s-" % INST)], (logs, add.stdout)
    row = tc.Gnt(N1, "gnt-instance", "list", "--no-headers", "--separator=|", "-o",
                 "name,os,disk_template,pnode,status,disk.sizes", INST).stdout.split("|")
    assert [f.strip() for f in row] == [INST, "noop", "file", N2, "running", "64"]
    disk_dir = tc.Root(N2) + "/srv/ganeti/file-storage/" + INST
    assert os.path.getsize(disk_dir + "/disk0") == 64 * 1024 * 1024
    tc.Gnt(N1, "gnt-instance", "remove", "-f", INST)
    assert not os.path.exists(disk_dir)
    assert INST not in tc.Gnt(N1, "gnt-instance", "list", "--no-headers", "-o", "name").stdout
