"""Upstream's confd client (ganeti-3.0's ganeti.confd.client) asking our ganeti-confd.

Upstream's ConfdClient signs each query with the cluster's hmac.key and
sends it to every master candidate (UDP 1814 on its own address); a reply
reaches the callbacks only after upstream's checks of its magic, HMAC and
salt. The answers must match the configuration.
"""

import pytest
from interoputils import CONFD_CLIENT, N1, N2, N3, NEEDS_CLUSTER, UPSTREAM_SHARE, Requires, RunUpstream

pytestmark = [pytest.mark.slow, NEEDS_CLUSTER, Requires(CONFD_CLIENT, "ganeti-3.0")]

# upstream's request types and query keys (protocol-facts.md)
PING, NODE_ROLE, PIP_BY_INST_IP, MASTER, NODE_PIPS, MC_PIPS, INST_IPS = range(7)
STATUS_OK, STATUS_ERROR = 0, 1
ERROR_UNKNOWN_ENTRY = 1
ROLE_MASTER, ROLE_CANDIDATE = 0, 1
INST, INST_IP = "confd1.example.com", "192.0.2.77"


@pytest.fixture(scope="module")
def cluster(tc):
    """The cluster with one instance that has an IP (removed afterwards)."""
    tc.Gnt(N1, "gnt-instance", "add", "-t", "diskless", "-o", "busybox", "-n", N3,
           "--net", "0:ip=%s,mode=routed" % INST_IP, "--no-name-check", "--no-ip-check",
           "--no-start", INST)
    yield tc
    tc.Gnt(N1, "gnt-instance", "remove", "-f", INST)


def _Ask(tc, queries, key_file=None, timeout=5):
    ips = [row[1] for row in tc.NodeList(N1, "name,pip")]
    return RunUpstream("confd_run.py", {
        "path": UPSTREAM_SHARE,
        "key_file": key_file or tc.Root(N1) + "/var/lib/ganeti/hmac.key",
        "peers": ips, "queries": queries, "timeout": timeout})


def test_queries_answered_as_the_configuration_says(cluster):
    tc = cluster
    pips = {name: pip for name, pip in tc.NodeList(N1, "name,pip")}
    serial = int(tc.Python(N1, "from ganeti import config; "
                               "print(config.ConfigWriter().GetConfigSerial())").stdout)
    replies = _Ask(tc, [
        [PING, None],
        [NODE_ROLE, N1], [NODE_ROLE, N2], [NODE_ROLE, "nosuch.example.com"],
        [MASTER, None],
        [MASTER, {"3": ["0", "1", "2"]}],
        [NODE_PIPS, None],
        [MC_PIPS, None],
        [INST_IPS, None],
        [INST_IPS, "xen-br0"],
        [PIP_BY_INST_IP, INST_IP],
        [PIP_BY_INST_IP, {"2": [INST_IP, "192.0.2.99"]}],
    ])
    for reply in replies:
        assert reply["answered"] and reply["sent"] == 3 and reply["received"] >= 2, reply
        assert reply["serial"] == serial and reply["server_ip"] in pips.values()
    answers = [(r["status"], r["answer"]) for r in replies]
    assert answers == [
        (STATUS_OK, "ok"),
        (STATUS_OK, ROLE_MASTER), (STATUS_OK, ROLE_CANDIDATE),
        (STATUS_ERROR, ERROR_UNKNOWN_ENTRY),
        (STATUS_OK, N1),
        (STATUS_OK, [N1, tc.master_ip, pips[N1]]),
        (STATUS_OK, [pips[N1], pips[N2], pips[N3]]),
        (STATUS_OK, [pips[N1], pips[N2], pips[N3]]),
        (STATUS_OK, [INST_IP]),
        (STATUS_OK, [INST_IP]),
        (STATUS_OK, pips[N3]),
        (STATUS_OK, [[STATUS_OK, pips[N3]], [STATUS_ERROR, ERROR_UNKNOWN_ENTRY]]),
    ]


def test_queries_signed_with_another_key_get_no_answer(tc, tmp_path):
    wrong = tmp_path / "hmac.key"
    wrong.write_text("0" * 40 + "\n")
    (reply,) = _Ask(tc, [[PING, None]], key_file=str(wrong), timeout=1)
    assert not reply["answered"] and reply["received"] == 0
