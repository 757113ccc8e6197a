"""Tests for tools/confd-query (ganeti.confd.cli)."""

import json
import os
import subprocess
import sys

import confdtest
import pytest

from ganeti import constants as C
from ganeti.confd import cli

TOOL = os.path.join(confdtest.TOP, "tools", "confd-query")


@pytest.mark.parametrize("rtype,args,link,fields,query", [
    (C.CONFD_REQ_PING, [], None, None, None),
    (C.CONFD_REQ_NODE_ROLE_BYNAME, ["n1"], None, None, "n1"),
    (C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, ["10.0.0.1"], None, None, "10.0.0.1"),
    (C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, ["10.0.0.1"], "br1", None, {"0": "br1", "1": "10.0.0.1"}),
    (C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, ["a", "b"], None, None, {"2": ["a", "b"]}),
    (C.CONFD_REQ_INSTANCES_IPS_LIST, [], "br1", None, "br1"),
    (C.CONFD_REQ_CLUSTER_MASTER, [], None, "name,master-pip", {"3": ["0", "2"]}),
    (C.CONFD_REQ_CLUSTER_MASTER, ['{"3": ["1"]}'], None, None, {"3": ["1"]}),
])
def test_build_query(rtype, args, link, fields, query):
    assert cli.BuildQuery(rtype, args, link, fields) == query


def test_build_query_usage_errors():
    for args, fields in ((["a", "b"], None), (["{bad"], None), ([], "name,nope")):
        with pytest.raises(cli.UsageError):
            cli.BuildQuery(C.CONFD_REQ_NODE_ROLE_BYNAME, args, None, fields)
    with pytest.raises(cli.UsageError):
        cli.ParseRequestType("no-such-type")
    assert cli.ParseRequestType("7") == 7


def test_format_plain():
    assert cli.FormatPlain(C.CONFD_REQ_NODE_ROLE_BYNAME, 2) == ["offline"]
    assert cli.FormatPlain(C.CONFD_REQ_NODE_ROLE_LIST, [["a", 0], ["b", 3]]) == \
        ["a master", "b drained"]
    assert cli.FormatPlain(C.CONFD_REQ_MC_PIP_LIST, ["1.2.3.4", "5.6.7.8"]) == \
        ["1.2.3.4", "5.6.7.8"]
    assert cli.FormatPlain(C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, [[0, "1.2.3.4"], [1, 1]]) == \
        ["0 1.2.3.4", "1 1"]
    stats = {"node": "n", "counters": {"received": 3}}
    assert cli.FormatPlain(C.CONFD_REQ_SERVER_STATS, stats) == ["node n", "received 3"]


def Run(node, *args, env=None):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True,
                          timeout=60, env=env or node.Env())


@pytest.mark.slow
def test_tool_against_two_daemons(cluster):
    node = cluster.Start(1)
    cluster.Start(2)
    # defaults: peers from ssconf, key from hmac.key, both under GANETI_ROOTDIR
    result = Run(node, "node-role", confdtest.NodeName(4))
    assert (result.returncode, result.stdout) == (0, "offline\n"), result.stderr
    result = Run(node, "--json", "cluster-master", "--fields", "name,ip")
    data = json.loads(result.stdout)
    assert data.pop("server") in cluster.CandidateIps()
    assert data == {"status": 0, "serial": 1,
                    "answer": [confdtest.NodeName(1), cluster.net + ".254"]}
    result = Run(node, "--mode", "all", "ping")
    assert sorted(result.stdout.splitlines()) == ["%s: ok" % ip for ip in cluster.CandidateIps()]
    result = Run(node, "node-pip-by-instance-ip", "10.0.0.1", "10.9.9.9")
    assert result.stdout.splitlines() == ["0 %s.1" % cluster.net, "1 1"]
    result = Run(node, "--peers", cluster.CandidateIps()[1], "--hmac-key", node.key_file,
                 "instance-pnode", "inst3.example.com")
    assert (result.returncode, result.stdout) == (0, confdtest.NodeName(3) + "\n")


def test_tool_errors(cluster):
    node = cluster.Start(1)
    peers = ("--peers", node.ip)
    result = Run(node, *peers, "node-role", "node9.example.com")
    assert result.returncode == 1 and "unknown entry" in result.stderr
    result = Run(node, *peers, "bogus")
    assert result.returncode == 2 and "Unknown request type" in result.stderr
    other_key = os.path.join(node.root, "other.key")
    with open(other_key, "wb") as fh:
        fh.write(confdtest.NewHmacKey())
    result = Run(node, *peers, "--hmac-key", other_key, "--timeout", "0.3", "ping")
    assert result.returncode == 1 and "No answer" in result.stderr
