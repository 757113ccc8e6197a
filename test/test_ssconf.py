"""ganeti.ssconf: the files written from a configuration read back the same."""

import os

import pytest
import testutils

from ganeti import constants, errors, ssconf, uidpool


def test_round_trip(tmp_path):
    cfg = testutils.MakeCluster(str(tmp_path / "config.data"), nodes=3, candidates=2)
    cluster = cfg.GetClusterInfo()
    cluster.uid_pool = [(1000, 1009), (2000, 2000)]
    cluster.tags = ["prod"]
    cfg.Update(cluster)
    node3 = cfg.GetNodeInfo("node3.example.com")
    node3.offline = True
    cfg.Update(node3)
    ssdir = str(tmp_path / "ss")
    values = cfg.GetSsconfValues()
    ssconf.WriteSsconfFiles(values, ssdir)
    store = ssconf.SimpleStore(ssdir)
    assert store.GetAll() == values
    assert store.GetMasterNode() == "node1.example.com"
    assert store.GetMasterCandidates() == ["node1.example.com", "node2.example.com"]
    assert store.GetMasterCandidatesIPList() == ["127.0.0.1", "127.0.0.2"]
    assert store.GetOfflineNodeList() == ["node3.example.com"]
    assert store.GetOnlineNodeList() == ["node1.example.com", "node2.example.com"]
    assert store.GetNodePrimaryIPList()[2] == "node3.example.com 127.0.0.3"
    assert store.GetClusterTags() == ["prod"]
    assert store.GetHypervisorList() == ["fake"]
    assert store.GetConfigSerial() == cfg.GetConfigSerial()
    pool = uidpool.ParseUidPool(store.GetUidPool(), separator="\n")
    assert pool == [(1000, 1009), (2000, 2000)]
    mode = os.stat(store.KeyToFilename(constants.SS_MASTER_NODE)).st_mode & 0o777
    assert mode == 0o444


def test_unknown_key_refused(tmp_path):
    with pytest.raises(errors.ConfigurationError):
        ssconf.WriteSsconfFiles({"no_such_key": "x"}, str(tmp_path))
    with pytest.raises(errors.ProgrammerError):
        ssconf.SimpleStore(str(tmp_path)).KeyToFilename("no_such_key")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(errors.ConfigurationError, match="ssconf_master_node"):
        ssconf.SimpleStore(str(tmp_path)).GetMasterNode()


def test_unchanged_files_are_not_rewritten(tmp_path):
    values = {"cluster_name": "c.example.com", "master_node": "node1.example.com"}
    ssconf.WriteSsconfFiles(values, str(tmp_path))
    store = ssconf.SimpleStore(str(tmp_path))
    before = {k: os.stat(store.KeyToFilename(k)).st_ino for k in values}
    ssconf.WriteSsconfFiles(dict(values, master_node="node2.example.com"), str(tmp_path))
    after = {k: os.stat(store.KeyToFilename(k)).st_ino for k in values}
    assert after["cluster_name"] == before["cluster_name"], "same content: left alone"
    assert after["master_node"] != before["master_node"], "new content: replaced"
    assert store.GetMasterNode() == "node2.example.com"
