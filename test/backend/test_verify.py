"""ganeti.backend.verify: node_verify's checks."""

import hashlib
import os
import socket
import time

import testutils

from ganeti import constants, pathutils
from ganeti.backend import files, verify


def test_version_time_and_unknown_keys(noderoot):
    before = time.time()
    result = verify.VerifyNode({constants.NV_VERSION: None, constants.NV_TIME: None,
                                "future-check": 1}, "cluster")
    assert set(result) == {constants.NV_VERSION, constants.NV_TIME}
    assert result[constants.NV_VERSION] == (constants.PROTOCOL_VERSION, constants.RELEASE_VERSION)
    assert before <= result[constants.NV_TIME] <= time.time()


def test_file_checksums_by_cluster_path(noderoot):
    os.makedirs(pathutils.DATA_DIR)
    with open(pathutils.CLUSTER_CONF_FILE, "wb") as fh:
        fh.write(b"config")
    result = verify.VerifyNode({constants.NV_FILELIST: ["/var/lib/ganeti/config.data",
                                                        "/var/lib/ganeti/rapi.pem"]}, "c")
    assert result[constants.NV_FILELIST] == {
        "/var/lib/ganeti/config.data": hashlib.sha1(b"config").hexdigest(),
        "/var/lib/ganeti/rapi.pem": None,
    }


def test_ssconf_values(noderoot):
    files.WriteSsconfFiles({constants.SS_MASTER_NODE: "node1.example.com"})
    result = verify.VerifyNode({constants.NV_SSCONF: None}, "c")
    assert result[constants.NV_SSCONF] == {constants.SS_MASTER_NODE: "node1.example.com"}


def test_hypervisors(noderoot):
    result = verify.VerifyNode({constants.NV_HYPERVISOR: [constants.HT_FAKE, "nope"]}, "c")
    assert result[constants.NV_HYPERVISOR][constants.HT_FAKE] is None
    assert "nope" in result[constants.NV_HYPERVISOR]["nope"]


def test_node_net_test(noderoot):
    net = testutils.RandomLoopbackNet()
    listener = socket.socket()
    listener.bind((net + ".2", constants.DEFAULT_NODED_PORT))
    listener.listen(4)
    try:
        entries = [["node1.example.com", net + ".1", net + ".1"],
                   ["node2.example.com", net + ".2", net + ".2"],
                   ["node3.example.com", net + ".3", net + ".2"]]
        result = verify.VerifyNode({constants.NV_NODENETTEST: entries}, "c")
    finally:
        listener.close()
    assert result[constants.NV_NODENETTEST] == {
        "node3.example.com": "failure using the primary interface(s)"}
    alone = verify.VerifyNode({constants.NV_NODENETTEST: [["other", net + ".9", net + ".9"]]},
                              "c")
    assert "node1.example.com" in alone[constants.NV_NODENETTEST]
