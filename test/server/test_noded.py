"""ganeti-noded: the real daemon (start, stop, memory locking, restarts) and its dispatch."""

import os
import signal
import sys
import threading

import pytest
import testutils

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rpc"))

import nodedutils  # noqa: E402

from ganeti import backend, constants, daemon, http, pathutils  # noqa: E402
from ganeti.server import noded  # noqa: E402
from ganeti.utils import mlock  # noqa: E402


@pytest.fixture
def cluster(tmp_path, reaper):
    made = nodedutils.NodedCluster(str(tmp_path), 1, reaper)
    yield made
    made.Stop()


@pytest.fixture
def started(cluster):
    cluster.Start()
    return cluster


def _Alive(pid):
    return testutils._Alive(pid)  # reaps our children, reads /proc for the others


def test_start_serve_and_stop(started):
    node = started.nodes[0]
    assert os.path.isfile(node.Path(nodedutils.PIDFILE_REL))
    name = node.name
    assert started.Runner().call_version([name])[name].payload == constants.PROTOCOL_VERSION
    node.Signal(signal.SIGTERM)
    testutils.WaitFor(lambda: not _Alive(node.pid), what="noded to exit")
    assert not os.path.exists(node.Path(nodedutils.PIDFILE_REL))
    assert "ganeti-noded stopped (signal 15)" in node.Log()


def test_locks_its_memory(cluster):
    cluster.Start(mlock=True)
    node = cluster.nodes[0]
    if "Cannot lock memory" in node.Log():
        pytest.skip("mlockall not permitted here: %s" % node.Log().splitlines()[-1])
    assert mlock.GetLockedMemory(node.pid) > 0
    assert "Memory locked with mlockall" in node.Log()
    name = node.name
    assert cluster.Runner().call_test_delay([name], 0)[name].fail_msg is None


def test_no_mlock_option(started):
    node = started.nodes[0]
    assert mlock.GetLockedMemory(node.pid) == 0
    assert "Not locking memory (--no-mlock)" in node.Log()


def test_restart_after_kill_9(started):
    node = started.nodes[0]
    old_pid = node.pid
    node.Signal(signal.SIGKILL)
    testutils.WaitFor(lambda: not _Alive(old_pid), what="noded to die")
    assert os.path.isfile(node.Path(nodedutils.PIDFILE_REL))  # stale pid file left behind
    result = node.Start("--no-mlock")
    assert result.returncode == 0, result.stderr
    started.reaper.Add(node.pid)
    assert node.pid != old_pid and _Alive(node.pid)
    name = node.name
    assert started.Runner().call_version([name])[name].payload == constants.PROTOCOL_VERSION


def test_second_daemon_on_the_same_address_fails_visibly(started, tmp_path):
    other = nodedutils.Node(str(tmp_path), "other.example.com", started.nodes[0].address)
    os.makedirs(os.path.dirname(other.Path(nodedutils.CERT_REL)))
    os.link(started.cert, other.Path(nodedutils.CERT_REL))
    result = other.Start("--no-mlock")
    assert result.returncode == 1
    assert "Cannot listen" in result.stderr


def test_refuses_to_start_without_certificate(tmp_path):
    node = nodedutils.Node(str(tmp_path), "node1.example.com", "127.0.0.1")
    result = node.Start("--no-mlock")
    assert result.returncode == constants.EXIT_NODESETUP_ERROR
    assert "Cannot start ganeti-noded" in result.stderr and "server.pem" in result.stderr


def test_main_uses_console_fallback_logging(monkeypatch):
    seen = {}

    def _GenericMain(name, parser, check_fn, prepare_fn, exec_fn, console_logging=False,
                     argv=None):
        seen.update(name=name, console=console_logging,
                    options=parser.parse_args(argv)[0])

    monkeypatch.setattr(daemon, "GenericMain", _GenericMain)
    noded.Main(["--no-mlock", "-b", "127.0.0.9"])
    assert seen["name"] == constants.NODED and seen["console"] is True
    assert (seen["options"].mlock, seen["options"].bind_address,
            seen["options"].port) == (False, "127.0.0.9", 1811)


def test_files_hooks_and_queue_through_rpc(started, tmp_path, monkeypatch):
    node = started.nodes[0]
    master_root = tmp_path / "master"
    monkeypatch.setenv(pathutils.ROOT_ENV, str(master_root))
    config = master_root / "var/lib/ganeti/config.data"
    config.parent.mkdir(parents=True)
    config.write_text('{"serial_no": 7}\n')
    os.chmod(config, 0o640)
    runner = started.Runner()
    result = runner.call_upload_file([node.name], str(config))[node.name]
    assert result.fail_msg is None
    uploaded = node.Path("/var/lib/ganeti/config.data")
    assert open(uploaded).read() == '{"serial_no": 7}\n'
    assert os.stat(uploaded).st_mode & 0o777 == 0o640
    authorized = master_root / "root/.ssh/authorized_keys"
    authorized.parent.mkdir(parents=True)
    authorized.write_text("ssh-ed25519 AAAA intruder\n")
    refused = runner.call_upload_file([node.name], str(authorized))[node.name]
    assert "is not allowed to be uploaded" in refused.fail_msg
    assert not os.path.exists(node.Path("/root/.ssh/authorized_keys"))

    job = str(master_root / "var/lib/ganeti/queue/job-1")
    assert runner.call_jobqueue_update([node.name], job, "x" * 50000)[node.name].fail_msg is None
    assert open(node.Path("/var/lib/ganeti/queue/job-1")).read() == "x" * 50000

    verify = runner.call_node_verify([node.name], {constants.NV_FILELIST: [str(config)]},
                                     "cluster")[node.name]
    assert list(verify.payload[constants.NV_FILELIST]) == [str(config)]

    hooks_dir = node.Path("/etc/ganeti/hooks/cluster-verify-post.d")
    os.makedirs(hooks_dir)
    with open(os.path.join(hooks_dir, "10-env"), "w") as fh:
        fh.write("#!/bin/sh\necho $GANETI_OP_CODE\n")
    os.chmod(os.path.join(hooks_dir, "10-env"), 0o755)
    hooks = runner.call_hooks_runner([node.name], "cluster-verify", "post",
                                     {"GANETI_OP_CODE": "OP_CLUSTER_VERIFY"})[node.name]
    assert hooks.payload == [["cluster-verify-post.d/10-env", constants.HKR_SUCCESS,
                              "OP_CLUSTER_VERIFY"]]


def test_unknown_procedure_and_wrong_method(started):
    node = started.nodes[0]
    runner = started.Runner()
    runner.call_version([node.name])
    pool = runner._client._GetPool()
    missing = pool.Request(node.address, constants.DEFAULT_NODED_PORT, "POST", "/no_such", b"[]")
    assert missing.status == 404 and "Unknown procedure" in missing.GetJson()["explain"]
    wrong = pool.Request(node.address, constants.DEFAULT_NODED_PORT, "GET", "/version")
    assert wrong.status == 405 and wrong.headers["Allow"] == "POST, PUT"
    upstream_style = pool.Request(node.address, constants.DEFAULT_NODED_PORT, "PUT", "/version",
                                  b"[]")
    assert upstream_style.GetJson() == [True, constants.PROTOCOL_VERSION]


def test_a_long_call_does_not_block_other_calls(started):
    node = started.nodes[0]
    runner = started.Runner()
    slow = threading.Thread(target=runner.call_test_delay, args=([node.name], 2))
    slow.start()
    try:
        assert runner.call_version([node.name])[node.name].fail_msg is None
        assert slow.is_alive()  # answered while test_delay still runs
    finally:
        slow.join()


# --- dispatch, in process -------------------------------------------------------

def test_execute_procedure_results(monkeypatch):
    assert noded.ExecuteProcedure("version", []) == [True, constants.PROTOCOL_VERSION]
    ok, msg = noded.ExecuteProcedure("test_delay", ["x"])
    assert not ok and msg == "Invalid delay 'x'"
    ok, msg = noded.ExecuteProcedure("test_delay", [1, 2])
    assert not ok and msg.startswith("Invalid arguments for test_delay")
    with pytest.raises(http.HttpNotFound):
        noded.ExecuteProcedure("no_such", [])
    from ganeti.backend import node

    def _Bug(duration):
        raise KeyError("oops")

    monkeypatch.setattr(node, "TestDelay", _Bug)
    ok, msg = noded.ExecuteProcedure("test_delay", [0])
    assert not ok and "Error while executing backend function test_delay" in msg
    monkeypatch.setattr(node, "TestDelay", lambda d: backend.Fail("no %s", d))
    assert noded.ExecuteProcedure("test_delay", [0]) == [False, "no 0"]
