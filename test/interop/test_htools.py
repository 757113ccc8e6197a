"""Upstream's htools 3.0 (hscan, hbal, hspace) reading our cluster through RAPI.

They fetch /2/groups, /2/nodes?bulk=1, /2/instances?bulk=1 and /2/info from
https://<master IP>:5080 (htools do not verify the certificate, as upstream
built them) and must parse every answer; what they print must match what
the cluster holds.
"""

import os
import tempfile

import pytest
from interoputils import HTOOLS_DIR, N1, N2, N3, NEEDS_CLUSTER, RunHtool

from ganeti.rapi import client

pytestmark = [pytest.mark.slow, NEEDS_CLUSTER,
              pytest.mark.skipif(not os.path.exists(os.path.join(HTOOLS_DIR, "hbal")),
                                 reason="needs Debian's ganeti-htools-3.0 (tools/install-deps)")]

#: name -> (primary node, disk template, memory MiB, disk sizes)
INSTANCES = {
    "db1.example.com": (N2, "diskless", 256, []),
    "db2.example.com": (N2, "diskless", 512, []),
    "files1.example.com": (N3, "file", 128, [100]),
}


@pytest.fixture(scope="module")
def loaded(tc):
    """The cluster with a few running instances (removed afterwards)."""
    for name, (pnode, template, memory, disks) in INSTANCES.items():
        disk_args = ["-s", "%dM" % disks[0]] if disks else []
        tc.Gnt(N1, "gnt-instance", "add", "-t", template, *disk_args, "-o", "busybox+marker",
               "-B", "memory=%d" % memory, "-n", pnode, "--no-name-check", "--no-ip-check",
               name)
    yield tc
    for name in INSTANCES:
        tc.Gnt(N1, "gnt-instance", "remove", "-f", name)


def _OurClient(tc):
    """Our own RAPI client, for the figures htools must reproduce."""
    return client.GanetiRapiClient(tc.master_ip, curl_config_fn=client.GenericCurlConfig(
        cafile=tc.Root(N1) + "/var/lib/ganeti/rapi.pem"))


def _Sections(text):
    """hscan's text format: sections separated by blank lines, fields by '|'."""
    return [[line.split("|") for line in block.splitlines()]
            for block in text.rstrip("\n").split("\n\n")]


def test_hscan(loaded):
    tc = loaded
    with tempfile.TemporaryDirectory() as outdir:
        result = RunHtool("hscan", "-d", outdir, tc.master_ip)
        assert result.returncode == 0, result.stdout + result.stderr
        with open(os.path.join(outdir, tc.master_ip + ".data")) as fh:
            data = fh.read()
    header, row = result.stdout.splitlines()
    assert header.split()[:3] == ["Name", "Nodes", "Inst"]
    assert row.split()[:5] == [tc.master_ip, "3", "3", "0", "0"], "no bad nodes or instances"
    groups, nodes, instances = _Sections(data)[:3]
    ours = _OurClient(tc)
    (group,) = ours.GetGroups(bulk=True)
    assert [g[:3] for g in groups] == [["default", group["uuid"], "preferred"]]
    rapi_nodes = {n["name"]: n for n in ours.GetNodes(bulk=True)}
    assert [n[0] for n in nodes] == [N1, N2, N3]
    for fields in nodes:
        name, mtotal = fields[0], int(fields[1])
        assert mtotal == rapi_nodes[name]["mtotal"]
        assert fields[7] == ("M" if name == N1 else "N"), "the master is flagged"
        assert fields[8] == group["uuid"]
    parsed = {f[0]: (f[6], f[8], int(f[1]), int(f[2]), f[4]) for f in instances}
    assert parsed == {name: (pnode, template, memory, sum(disks), "running")
                      for name, (pnode, template, memory, disks) in INSTANCES.items()}


def test_hbal_dry_run(loaded):
    result = RunHtool("hbal", "-m", loaded.master_ip, "-p", "--print-instances", "-C", "-v")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    for line in ("Loaded 3 nodes, 3 instances", "Selected node group: default",
                 "Initial check done: 0 bad nodes, 0 bad instances."):
        assert line in out, out
    table = out.split("Initial cluster status:")[1].strip("\n").split("\n\n")[0]
    rows = [line.split() for line in table.splitlines()[1:]]  # after the header
    t_mem = {row[0]: int(row[1]) for row in rows}
    nodes = _OurClient(loaded).GetNodes(bulk=True)
    assert t_mem == {n["name"].split(".")[0]: n["mtotal"] for n in nodes}
    assert "files1" in out.split("Initial instance map:")[1]


def test_hspace_with_explicit_specs(loaded):
    # the cluster's policy has no upper bounds, so hspace's tiered allocation is
    # given its starting size (doc/interop.md)
    result = RunHtool("hspace", "-m", loaded.master_ip, "--disk-template=diskless",
                      "--tiered-alloc=0,1024,1", "--standard-alloc=0,512,1",
                      "--machine-readable")
    assert result.returncode == 0, result.stdout + result.stderr
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert values["HTS_OK"] == "1" and values["HTS_INI_INST_CNT"] == "3"
    assert int(values["HTS_TRL_INST_CNT"]) > 3 and int(values["HTS_ALLOC_INSTANCES"]) > 0
