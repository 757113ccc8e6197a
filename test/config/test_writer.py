"""ganeti.config.ConfigWriter: loading, writing, uniqueness, reservations."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import testutils

from ganeti import config, constants, errors, objects, serializer


@pytest.fixture
def cfg_file(tmp_path):
    return str(tmp_path / "config.data")


@pytest.fixture
def cfg(cfg_file):
    return testutils.MakeCluster(cfg_file, nodes=3)


def _Inst(cfg, name, macs=("aa:00:00:00:00:01",), ips=(None,), ec_id="job1", **kwargs):
    nics = [objects.NIC(mac=mac, ip=ip, nicparams={}) for mac, ip in zip(macs, ips)]
    params = dict(name=name, primary_node="node1.example.com", os="busybox",
                  hypervisor="fake", nics=nics)
    params.update(kwargs)
    return objects.Instance(**params)


def _Reload(cfg_file):
    return config.ConfigWriter(cfg_file, offline=True)


def test_serial_numbers_increase_and_persist(cfg, cfg_file):
    serial = cfg.GetConfigSerial()
    cluster = cfg.GetClusterInfo()
    cluster_serial = cluster.serial_no
    cluster.candidate_pool_size = 5
    cfg.Update(cluster)
    assert cfg.GetConfigSerial() == serial + 1
    assert cluster.serial_no == cluster_serial + 1
    again = _Reload(cfg_file)
    assert again.GetConfigSerial() == serial + 1
    assert again.GetClusterInfo().candidate_pool_size == 5
    assert again.GetClusterInfo().mtime >= cluster.ctime


def test_file_is_root_only(cfg, cfg_file):
    assert os.stat(cfg_file).st_mode & 0o777 == 0o600


def test_find_by_name_short_name_and_uuid(cfg):
    node = cfg.GetNodeInfo("node2.example.com")
    assert cfg.ExpandNodeName("node2.example.com") == node.name
    assert cfg.ExpandNodeName("node2") == node.name
    assert cfg.ExpandNodeName(node.uuid) == node.name
    assert cfg.GetNodeByUUID(node.uuid) is node
    assert cfg.ExpandNodeName("node") is None
    assert cfg.ExpandNodeName("nosuch") is None
    cfg.AddInstance(_Inst(cfg, "web.example.com"), "job1")
    inst = cfg.GetInstanceInfo("web.example.com")
    assert cfg.ExpandInstanceName(inst.uuid) == "web.example.com"
    assert cfg.ExpandInstanceName("web") == "web.example.com"


def test_duplicate_node_name_and_ip(cfg):
    with pytest.raises(errors.OpPrereqError) as err:
        cfg.AddNode(objects.Node(name="node2.example.com", primary_ip="127.0.0.99"), "j")
    assert err.value.args[1] == errors.ECODE_EXISTS
    with pytest.raises(errors.OpPrereqError) as err:
        cfg.AddNode(objects.Node(name="node9.example.com", primary_ip="127.0.0.2"), "j")
    assert err.value.args[1] == errors.ECODE_NOTUNIQUE
    assert "node9.example.com" not in cfg.GetNodeList()


def test_duplicate_instance_name_mac_ip(cfg, cfg_file):
    cfg.AddInstance(_Inst(cfg, "a.example.com", ips=("192.0.2.1",)), "job1")
    serial = cfg.GetConfigSerial()
    cases = [
        (_Inst(cfg, "a.example.com", macs=("aa:00:00:00:00:09",)), errors.ECODE_EXISTS),
        (_Inst(cfg, "b.example.com"), errors.ECODE_NOTUNIQUE),
        (_Inst(cfg, "b.example.com", macs=("aa:00:00:00:00:02",), ips=("192.0.2.1",)),
         errors.ECODE_NOTUNIQUE),
        (_Inst(cfg, "b.example.com", macs=("aa:00:00:00:00:03", "aa:00:00:00:00:03"),
               ips=(None, None)), errors.ECODE_NOTUNIQUE),
    ]
    for inst, code in cases:
        with pytest.raises(errors.OpPrereqError) as err:
            cfg.AddInstance(inst, "job2")
        assert err.value.args[1] == code
    assert cfg.GetConfigSerial() == serial, "a refused add must not write"
    assert _Reload(cfg_file).GetInstanceList() == ["a.example.com"]


def test_routed_nic_without_ip_refused(cfg):
    inst = _Inst(cfg, "r.example.com")
    inst.nics[0].nicparams = {"mode": "routed"}
    with pytest.raises(errors.OpPrereqError, match="routed NIC needs an IP"):
        cfg.AddInstance(inst, "job1")


def test_generated_macs_unique_and_reserved(cfg):
    cfg.AddInstance(_Inst(cfg, "a.example.com"), "job1")
    macs = {cfg.GenerateMAC("job2") for _ in range(200)}
    assert len(macs) == 200
    assert all(m.startswith(constants.DEFAULT_MAC_PREFIX + ":") for m in macs)
    assert "aa:00:00:00:00:01" not in macs
    mac = sorted(macs)[0]
    with pytest.raises(errors.ReservationError):
        cfg.ReserveMAC(mac, "job3")
    with pytest.raises(errors.ReservationError):
        cfg.ReserveMAC("aa:00:00:00:00:01", "job3")
    cfg.DropECReservations("job2")
    cfg.ReserveMAC(mac, "job3")


def test_port_pool(cfg):
    first = cfg.AllocatePort()
    second = cfg.AllocatePort()
    assert (first, second) == (constants.FIRST_DRBD_PORT, constants.FIRST_DRBD_PORT + 1)
    cfg.AddInstance(_Inst(cfg, "a.example.com", network_port=first), "j")
    cfg.RemoveInstance("a.example.com")
    assert cfg.AllocatePort() == first, "ports of removed instances are reused"


def test_drbd_minors(cfg):
    disk = objects.Disk(dev_type=constants.LD_DRBD8, size=128,
                        logical_id=["node1.example.com", "node2.example.com", 11000, 0, 0, "s"])
    cfg.AddInstance(_Inst(cfg, "a.example.com", disks=[disk], disk_template="drbd"), "j")
    minors = cfg.AllocateDRBDMinor(["node1.example.com", "node2.example.com",
                                    "node1.example.com"], "b.example.com")
    assert minors == [1, 1, 2]
    drbd_map = cfg.ComputeDRBDMap()
    assert drbd_map["node1.example.com"] == {0: "a.example.com", 1: "b.example.com",
                                             2: "b.example.com"}
    cfg.ReleaseDRBDMinors("b.example.com")
    assert cfg.AllocateDRBDMinor(["node1.example.com"], "c.example.com") == [1]
    assert cfg.GenerateDRBDSecret("j") != cfg.GenerateDRBDSecret("j")


def test_candidate_pool(cfg_file):
    cfg = testutils.MakeCluster(cfg_file, nodes=4, candidates=1)
    assert cfg.GetMasterCandidateStats() == (1, 4, 4)
    cluster = cfg.GetClusterInfo()
    cluster.candidate_pool_size = 3
    cfg.Update(cluster)
    assert cfg.MaintainCandidatePool() == ["node2.example.com", "node3.example.com"]
    assert cfg.GetMasterCandidateStats() == (3, 3, 4)
    assert cfg.MaintainCandidatePool() == []


def test_update_refuses_foreign_objects(cfg):
    copy = cfg.GetNodeInfo("node2.example.com").Copy()
    with pytest.raises(errors.ConfigurationError):
        cfg.Update(copy)
    with pytest.raises(errors.ProgrammerError):
        cfg.Update(objects.Disk(dev_type="lvm"))


def test_write_hook_called(cfg):
    seen = []
    cfg._offline = False
    cfg.SetWriteHook(lambda writer: seen.append(writer.GetConfigSerial()))
    cfg.AddInstance(_Inst(cfg, "a.example.com"), "j")
    cfg.MarkInstanceUp("a.example.com")
    assert len(seen) == 2 and seen[1] == seen[0] + 1
    assert cfg.write_count >= 2


def test_remove_and_rename(cfg, cfg_file):
    cfg.AddInstance(_Inst(cfg, "a.example.com"), "j")
    uuid = cfg.GetInstanceInfo("a.example.com").uuid
    cfg.RenameInstance("a.example.com", "b.example.com")
    again = _Reload(cfg_file)
    assert again.GetInstanceList() == ["b.example.com"]
    assert again.GetInstanceInfo("b.example.com").uuid == uuid, "rename keeps the UUID"
    with pytest.raises(errors.OpPrereqError):
        cfg.RemoveNode("node1.example.com")
    cfg.RemoveNode("node3.example.com")
    assert "node3.example.com" not in _Reload(cfg_file).GetNodeList()


def test_not_master_refused_unless_offline(cfg_file, monkeypatch):
    testutils.MakeCluster(cfg_file)
    monkeypatch.setenv("GANETI_HOSTNAME", "node2.example.com")
    with pytest.raises(errors.ConfigurationError, match="not the master"):
        config.ConfigWriter(cfg_file)
    monkeypatch.setenv("GANETI_HOSTNAME", "node1.example.com")
    assert config.ConfigWriter(cfg_file).GetMasterNode() == "node1.example.com"


def test_ssconf_values(cfg):
    values = cfg.GetSsconfValues()
    assert set(values) == constants.VALID_SS_KEYS
    assert values["master_candidates_ips"].splitlines() == ["127.0.0.1", "127.0.0.2",
                                                            "127.0.0.3"]
    assert values["config_serial"] == str(cfg.GetConfigSerial())


# --- bad input: clear errors, file never overwritten ---------------------------

def _Content(path):
    with open(path, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize("mangle,needle", [
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (lambda text: "", "is empty"),
    (lambda text: "[1, 2]", "JSON object"),
    (lambda text: text.replace('"primary_ip":"127.0.0.2"', '"primary_ip":5'),
     "nodes['node2.example.com'].primary_ip"),
    (lambda text: text.replace('"candidate_pool_size":10', '"candidate_pool_size":10,"x":1'),
     "unknown field(s) x"),
    (lambda text: text.replace('"version":2010000', '"version":"2.1"'), "version"),
    (lambda text: text.replace('"version":2010000', '"version":2000000'), "cfgupgrade"),
])
def test_bad_config_clear_error_and_untouched(cfg, cfg_file, mangle, needle):
    text = _Content(cfg_file).decode()
    bad = mangle(text)
    with open(cfg_file, "w") as fh:
        fh.write(bad)
    with pytest.raises(errors.ConfigurationError) as err:
        _Reload(cfg_file)
    assert needle in str(err.value)
    assert _Content(cfg_file).decode() == bad, "a refused file must never be rewritten"


def test_missing_file(tmp_path):
    with pytest.raises(errors.ConfigurationError, match="Cannot read"):
        config.ConfigWriter(str(tmp_path / "nope"), offline=True)


def test_upgrade_on_load_keeps_backup(cfg, cfg_file):
    data = serializer.LoadJson(_Content(cfg_file))
    for node in data["nodes"].values():
        del node["uuid"]
    with open(cfg_file, "w") as fh:
        fh.write(serializer.DumpJson(data))
    cfg2 = _Reload(cfg_file)
    assert all(n.uuid for n in cfg2.GetAllNodesInfo().values())
    backups = [f for f in os.listdir(os.path.dirname(cfg_file)) if ".backup-" in f]
    assert backups, "the pre-upgrade file is kept"


# --- atomicity: a writer killed at any moment leaves a valid file ------------------

_WRITER = textwrap.dedent("""
    import os, sys, time
    from ganeti import config
    cfg = config.ConfigWriter(sys.argv[1], offline=True)
    mode = sys.argv[2]
    if mode == "hang":
        real_rename = os.rename
        def _hang(src, dst):
            print("READY", flush=True)
            time.sleep(3600)
        os.rename = _hang
        cfg.WriteCurrent()
    else:
        print("READY", flush=True)
        while True:
            cluster = cfg.GetClusterInfo()
            cluster.candidate_pool_size = cluster.candidate_pool_size % 50 + 1
            cfg.Update(cluster)
""")


def _StartWriter(cfg_file, mode):
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, cfg_file, mode],
                            stdout=subprocess.PIPE, env=os.environ)
    assert proc.stdout.readline().strip() == b"READY"
    return proc


def test_killed_between_write_and_rename_leaves_old_file(cfg, cfg_file):
    before = _Content(cfg_file)
    proc = _StartWriter(cfg_file, "hang")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _Content(cfg_file) == before
    assert _Reload(cfg_file).GetConfigSerial() == cfg.GetConfigSerial()


def test_random_kills_never_tear_the_file(cfg, cfg_file):
    serials = []
    for attempt in range(8):
        proc = _StartWriter(cfg_file, "loop")
        time.sleep(0.01 + 0.013 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        serials.append(_Reload(cfg_file).GetConfigSerial())
    assert serials == sorted(serials) and serials[-1] > serials[0]
