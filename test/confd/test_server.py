"""Tests for ganeti.confd.server, in one process: processor, reloader, UDP loop."""

import os
import threading

import confdtest
import pytest

from ganeti import constants as C
from ganeti.confd import client, protocol, querylib, server

NET = "127.77.2"
NODE = confdtest.NodeName(2)  # a plain candidate
KEY = confdtest.NewHmacKey()


def Query(rtype, query=None, rsalt="rsalt-1", key=KEY, now=None):
    return protocol.PackRequest(protocol.ConfdRequest(rtype, query, rsalt=rsalt), key, now=now)


def Answer(datagram, key=KEY):
    reply, salt = protocol.UnpackReply(datagram, key)
    return reply, salt


@pytest.fixture
def processor():
    proc = server.ConfdProcessor(KEY, NODE)
    proc.SetConfig(confdtest.ViewOf(confdtest.MakeConfig(NET, serial=5)))
    return proc


def test_answers_with_serial_and_rsalt(processor):
    reply, salt = Answer(processor.ExecQuery(Query(C.CONFD_REQ_NODE_ROLE_BYNAME,
                                                   confdtest.NodeName(4), rsalt="abc")))
    assert salt == "abc"
    assert (reply.status, reply.answer, reply.serial) == (0, C.CONFD_NODE_ROLE_OFFLINE, 5)
    assert processor.counters["answered"] == 1


def test_every_drop_reason_is_counted_and_silent(processor):
    other_key = confdtest.NewHmacKey()
    good = Query(C.CONFD_REQ_PING)
    cases = {
        protocol.DROP_BAD_SIGNATURE: [Query(C.CONFD_REQ_PING, key=other_key),
                                      good.replace(b"rsalt-1", b"rsalt-2")],
        protocol.DROP_CLOCK_SKEW: [Query(C.CONFD_REQ_PING, now=1249637704),
                                   Query(C.CONFD_REQ_PING, now=4102444800)],
        protocol.DROP_OVERSIZED: [b"plj0" + b"x" * 70000],
        protocol.DROP_BAD_MAGIC: [b"", b"GET / HTTP/1.0\r\n\r\n", os.urandom(300)],
        protocol.DROP_MALFORMED: [b"plj0" + os.urandom(200), b"plj0{{{"],
    }
    for reason, datagrams in cases.items():
        for datagram in datagrams:
            assert processor.ExecQuery(datagram) is None, reason
        assert processor.counters[reason] == len(datagrams), reason
    assert processor.counters["answered"] == 0
    assert processor.ExecQuery(good) is not None  # and it keeps serving


def test_not_a_candidate_stays_silent_but_for_statistics():
    proc = server.ConfdProcessor(KEY, confdtest.NodeName(3))
    proc.SetConfig(confdtest.ViewOf(confdtest.MakeConfig(NET)))
    assert not proc.serving
    assert proc.ExecQuery(Query(C.CONFD_REQ_PING)) is None
    assert proc.counters[server.NOT_SERVING] == 1
    reply, _ = Answer(proc.ExecQuery(Query(C.CONFD_REQ_SERVER_STATS)))
    assert reply.answer["serving"] is False and reply.serial == 1
    proc.SetConfig(None)  # no configuration at all
    reply, _ = Answer(proc.ExecQuery(Query(C.CONFD_REQ_SERVER_STATS)))
    assert (reply.answer["serial"], reply.serial) == (None, 0)


def test_new_config_replaces_cached_answers(processor):
    query = Query(C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(3))
    first, _ = Answer(processor.ExecQuery(query))
    assert (first.answer, first.serial) == (C.CONFD_NODE_ROLE_REGULAR, 5)
    data = confdtest.MakeConfig(NET, serial=6)
    data["nodes"][confdtest.NodeName(3)]["offline"] = True
    processor.SetConfig(confdtest.ViewOf(data))
    second, _ = Answer(processor.ExecQuery(query))
    assert (second.answer, second.serial) == (C.CONFD_NODE_ROLE_OFFLINE, 6)


def test_dict_queries_are_cached_by_content(processor):
    fields = {C.CONFD_REQQ_FIELDS: [C.CONFD_REQFIELD_NAME]}
    a, _ = Answer(processor.ExecQuery(Query(C.CONFD_REQ_CLUSTER_MASTER, fields, rsalt="a")))
    b, _ = Answer(processor.ExecQuery(Query(C.CONFD_REQ_CLUSTER_MASTER, dict(fields), rsalt="b")))
    assert a == b and a.answer == [confdtest.NodeName(1)]


def test_stats_query(processor):
    processor.ExecQuery(b"junk")
    reply, _ = Answer(processor.ExecQuery(Query(C.CONFD_REQ_SERVER_STATS)))
    assert reply.status == C.CONFD_REPL_STATUS_OK
    assert reply.answer["node"] == NODE and reply.answer["serial"] == 5
    assert reply.answer["counters"]["bad_magic"] == 1
    assert reply.answer["counters"]["received"] == 2


def test_failing_handler_answers_internal_error(processor, monkeypatch):
    def boom(view, query):
        raise KeyError("bug")
    monkeypatch.setitem(querylib.HANDLERS, C.CONFD_REQ_PING, boom)
    reply, _ = Answer(processor.ExecQuery(Query(C.CONFD_REQ_PING)))
    assert (reply.status, reply.answer) == (C.CONFD_REPL_STATUS_ERROR, C.CONFD_ERROR_INTERNAL)
    assert processor.counters["internal_errors"] == 1


def test_answer_too_large_for_udp_is_an_internal_error(processor):
    processor.view.ips_by_link["br0"] = ["10.%d.%d.%d" % (i // 65536, i // 256 % 256, i % 256)
                                         for i in range(8000)]
    reply, _ = Answer(processor.ExecQuery(Query(C.CONFD_REQ_INSTANCES_IPS_LIST)))
    assert (reply.status, reply.answer) == (C.CONFD_REPL_STATUS_ERROR, C.CONFD_ERROR_INTERNAL)


# --- reloading ---------------------------------------------------------------

class Files:
    def __init__(self, tmp_path):
        self.node = confdtest.NodeRoot(str(tmp_path), NODE, NET + ".2")
        self.node.WriteConfig(confdtest.MakeConfig(NET, serial=1))
        self.node.WriteKey(KEY)
        self.processor = server.ConfdProcessor(b"", NODE)
        self.reloader = server.ConfigReloader(self.processor, self.node.cfg_file,
                                              self.node.key_file, poll_interval=0.05)
        self.reloader.LoadInitial()


def test_reload_swaps_in_a_good_config_and_keeps_the_old_on_a_bad_one(tmp_path):
    f = Files(tmp_path)
    assert f.processor.view.serial == 1 and f.processor.serving
    f.node.WriteConfig(confdtest.MakeConfig(NET, serial=2))
    f.reloader.ReloadConfig()
    assert f.processor.view.serial == 2
    with open(f.node.cfg_file, "w") as fh:
        fh.write('{"version": 2010000, "cluster": ')  # truncated
    f.reloader.ReloadConfig()
    assert f.processor.view.serial == 2 and f.processor.serving
    assert f.processor.counters["reload_failures"] == 1
    assert f.processor.counters["reloads"] == 1


def test_removed_config_stops_answers_until_it_is_back(tmp_path):
    f = Files(tmp_path)
    os.unlink(f.node.cfg_file)
    f.reloader.ReloadConfig()
    assert not f.processor.serving
    assert f.processor.ExecQuery(Query(C.CONFD_REQ_PING)) is None
    f.node.WriteConfig(confdtest.MakeConfig(NET, serial=3))
    f.reloader.ReloadConfig()
    assert f.processor.serving and f.processor.view.serial == 3


def test_demotion_in_a_new_config_stops_answers(tmp_path):
    f = Files(tmp_path)
    data = confdtest.MakeConfig(NET, serial=2)
    data["nodes"][NODE]["master_candidate"] = False
    f.node.WriteConfig(data)
    f.reloader.ReloadConfig()
    assert not f.processor.serving


def test_key_reload(tmp_path):
    f = Files(tmp_path)
    new_key = confdtest.NewHmacKey()
    f.node.WriteKey(new_key)
    f.reloader.ReloadKey()
    assert f.processor.ExecQuery(Query(C.CONFD_REQ_PING)) is None
    assert f.processor.ExecQuery(Query(C.CONFD_REQ_PING, key=new_key)) is not None


def test_watchers_reload_on_change(tmp_path):
    f = Files(tmp_path)
    loaded = threading.Event()
    set_config = f.processor.SetConfig

    def spy(view):
        set_config(view)
        if view is not None and view.serial == 7:
            loaded.set()
    f.processor.SetConfig = spy
    f.reloader.Start()
    try:
        f.node.WriteConfig(confdtest.MakeConfig(NET, serial=7))
        assert loaded.wait(5)
    finally:
        f.reloader.Stop()
    assert f.processor.view.serial == 7


# --- the UDP loop ------------------------------------------------------------

def test_server_loop_answers_and_stops_on_wake(processor):
    srv = server.ConfdServer(processor, "127.0.0.1", 0)
    stop = threading.Event()
    thread = threading.Thread(target=srv.Serve, args=(stop,))
    thread.start()
    try:
        with client.ConfdClient(KEY, ["127.0.0.1"], port=srv.address[1]) as cl:
            up = cl.Query(C.CONFD_REQ_CLUSTER_MASTER)
            assert up.server_reply.answer == confdtest.NodeName(1)
            assert up.server_reply.serial == 5
    finally:
        stop.set()
        srv.Wake()
        thread.join(5)
        srv.Close()
    assert not thread.is_alive()
