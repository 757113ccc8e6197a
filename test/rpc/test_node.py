"""ganeti.rpc.node and RpcResult: generated methods, resolvers, result handling."""

import threading

import pytest
import testutils

from ganeti import errors, rpc
from ganeti.http import client as http_client
from ganeti.http import message
from ganeti.rpc import client, defs


def test_generated_methods_follow_the_table():
    for proc in defs.PROCEDURES:
        method = getattr(rpc.RpcRunner, "call_" + proc.name)
        assert method.__name__ == "call_" + proc.name and proc.doc in method.__doc__
    assert "call_upload_file(node_list, file_name)" in rpc.RpcRunner.call_upload_file.__doc__
    assert "call_node_powercycle(node, hypervisor_type)" in \
        rpc.RpcRunner.call_node_powercycle.__doc__


def test_single_and_multi_node_arguments_checked():
    runner = rpc.RpcRunner(rpc.StaticResolver({}))
    with pytest.raises(errors.ProgrammerError, match="list of node names"):
        runner.call_version("node1")
    with pytest.raises(errors.ProgrammerError, match="one node name"):
        runner.call_node_powercycle(["node1"], None)
    with pytest.raises(errors.ProgrammerError, match="Unknown RPC"):
        runner.Call("bogus", [])
    assert runner.call_version([]) == {}


def test_offline_and_unresolvable_nodes_are_not_contacted(tmp_path):
    resolver = rpc.StaticResolver({"down": "192.0.2.1"}, offline=["down"])
    runner = rpc.RpcRunner(resolver, cert_file=str(tmp_path / "missing.pem"))
    result = runner.call_version(["down", "no-such-host.invalid"])
    assert result["down"].offline and result["down"].fail_msg == rpc.OFFLINE_MSG
    assert result["down"].payload is None
    assert "cannot be resolved" in result["no-such-host.invalid"].fail_msg
    assert not result["no-such-host.invalid"].offline


def test_missing_certificate_fails_every_call(tmp_path):
    runner = rpc.RpcRunner(rpc.StaticResolver({"n1": "127.0.0.1", "n2": "127.0.0.2"}),
                           cert_file=str(tmp_path / "missing.pem"))
    for result in runner.call_version(["n1", "n2"]).values():
        assert "Cannot set up RPC" in result.fail_msg


def test_config_resolver(tmp_path):
    net = testutils.RandomLoopbackNet()
    cfg = testutils.MakeCluster(str(tmp_path / "config.data"), nodes=3, net=net)
    node3 = cfg.GetNodeInfo("node3.example.com")
    node3.offline = True
    cfg.Update(node3)
    targets = rpc.ConfigResolver(cfg)(["node1.example.com", "node3.example.com", net + ".77"])
    assert targets == [client.Target("node1.example.com", net + ".1", False),
                       client.Target("node3.example.com", net + ".3", True),
                       client.Target(net + ".77", net + ".77", False)]
    assert isinstance(rpc.RpcRunner(cfg)._resolver, rpc.ConfigResolver)
    with pytest.raises(errors.ProgrammerError):
        rpc.RpcRunner(42)


def _Response(status, body):
    return http_client.HttpResponse(status, "", message.Headers(), body)


def test_parse_reply():
    ok = client.ParseReply("n", "version", _Response(200, b"[true, 2010000]"))
    assert (ok.fail_msg, ok.payload) == (None, 2010000)
    failed = client.ParseReply("n", "x", _Response(200, b'[false, "disk full"]'))
    assert (failed.fail_msg, failed.payload) == ("disk full", None)
    http_error = client.ParseReply("n", "x", _Response(404, b'{"code": 404, "explain": "Unknown'
                                                            b' procedure x"}'))
    assert http_error.fail_msg == "Error 404: Unknown procedure x"
    for body in (b"not json", b"[1, 2, 3]", b'{"a": 1}'):
        assert client.ParseReply("n", "x", _Response(200, body)).fail_msg


def test_result_raise():
    client.RpcResult("n1", "version", payload=1).Raise("never")
    failed = client.RpcResult("n1", "version", fail_msg="boom")
    with pytest.raises(errors.OpExecError, match="^Call 'version' to node 'n1' has failed: boom$"):
        failed.Raise(None)
    with pytest.raises(errors.OpExecError, match="^Checking: boom$"):
        failed.Raise("Checking")
    with pytest.raises(errors.OpPrereqError) as exc:
        failed.Raise("Checking", prereq=True, ecode=errors.ECODE_STATE)
    assert exc.value.args == ("Checking: boom", errors.ECODE_STATE)
    assert "failed: boom" in repr(failed)


def test_worker_pool_never_queues_behind_a_busy_worker():
    pool = client._WorkerPool()
    release = threading.Event()
    blocked = threading.Event()
    ran = []

    def _Block():
        blocked.set()
        release.wait(10)

    pool.Submit(_Block)
    assert blocked.wait(10)
    for i in range(3):  # sequential: one extra thread, reused
        done = threading.Event()
        pool.Submit(lambda i=i, done=done: (ran.append((i, threading.current_thread())),
                                            done.set()))
        assert done.wait(10)
        testutils.WaitFor(lambda: pool._idle == 1, what="the worker to be idle again")
    release.set()
    assert [i for i, _ in ran] == [0, 1, 2]
    assert len({t for _, t in ran}) == 1
