"""ganeti.rpc.defs: the procedure table and how arguments travel."""

import os

import pytest

from ganeti import constants, errors, objects
from ganeti.rpc import defs


def test_table_is_consistent_and_every_handler_exists():
    names = [p.name for p in defs.PROCEDURES]
    assert len(names) == len(set(names))
    for proc in defs.PROCEDURES:
        assert proc.kind in (defs.SINGLE, defs.MULTI)
        assert callable(proc.GetHandler()), proc.name
        assert proc.doc
        assert defs.GetProcedure(proc.name) is proc
    assert defs.GetProcedure("no_such_procedure") is None
    for name in ("version", "node_info", "upload_file", "write_ssconf_files", "hooks_runner",
                 "test_delay", "jobqueue_update", "jobqueue_purge", "jobqueue_rename",
                 "node_verify", "node_powercycle", "master_activate_ip", "master_deactivate_ip"):
        assert name in names


def test_timeouts():
    assert defs.GetProcedure("version").GetTimeout([]) == constants.RPC_TMO_URGENT
    assert defs.GetProcedure("test_delay").GetTimeout([30]) == 30 + constants.RPC_CONNECT_TIMEOUT


def test_paths_travel_without_the_roots(monkeypatch):
    monkeypatch.setenv("GANETI_ROOTDIR", "/srv/vc/master")
    assert defs.StripRoot("/srv/vc/master/var/lib/ganeti/config.data") == \
        "/var/lib/ganeti/config.data"
    assert defs.StripRoot("/srv/vc/master/x/../var/lib") == "/var/lib"
    assert defs.StripRoot("/srv/vc/master") == "/"
    for bad in ("/srv/vc/masterx/y", "/etc/passwd", "relative", None):
        with pytest.raises(errors.ProgrammerError):
            defs.StripRoot(bad)
    monkeypatch.setenv("GANETI_ROOTDIR", "/srv/vc/node2")
    assert defs.AddRoot("/var/lib/ganeti/../../../etc/shadow") == "/srv/vc/node2/etc/shadow"
    for bad in ("relative", "/a\0b", 5):
        with pytest.raises(errors.ParameterError):
            defs.AddRoot(bad)
    monkeypatch.delenv("GANETI_ROOTDIR")
    assert defs.StripRoot("/var/lib/ganeti") == defs.AddRoot("/var/lib/ganeti")


def test_data_encoding():
    small = defs.EncodeData("hello")
    assert small == [constants.RPC_ENCODING_NONE, "hello"]
    big = "x" * 100000
    encoded = defs.EncodeData(big)
    assert encoded[0] == constants.RPC_ENCODING_ZLIB_BASE64 and len(encoded[1]) < 1000
    binary = bytes(range(256))
    for value, raw in ((small, b"hello"), (encoded, big.encode()),
                       (defs.EncodeData(binary), binary)):
        assert defs.DecodeData(value) == raw
    for bad in ([7, "x"], "x", [constants.RPC_ENCODING_ZLIB_BASE64, "!!"], [0, 5]):
        with pytest.raises(errors.ParameterError):
            defs.DecodeData(bad)


def test_object_kinds_round_trip():
    kind = defs.Object("Node")
    node = objects.Node(name="node1.example.com", primary_ip="192.0.2.1")
    wire = kind.encode(node)
    assert isinstance(wire, dict)
    assert kind.decode(wire).primary_ip == "192.0.2.1"
    assert kind.decode(kind.encode(None)) is None
    many = defs.ObjectList("Node")
    assert [n.name for n in many.decode(many.encode([node, node]))] == [node.name] * 2


def test_args_counts():
    proc = defs.GetProcedure("hooks_runner")
    assert proc.EncodeArgs(["cluster-verify", "pre", {"A": "1"}]) == \
        ["cluster-verify", "pre", {"A": "1"}]
    with pytest.raises(errors.ProgrammerError, match="takes 3 arguments"):
        proc.EncodeArgs(["cluster-verify"])
    for bad in (["a", "b"], {"a": 1}, None):
        with pytest.raises(errors.ParameterError):
            proc.DecodeArgs(bad)


def test_upload_file_reads_the_local_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GANETI_ROOTDIR", str(tmp_path))
    path = tmp_path / "var" / "lib" / "ganeti" / "rapi_users"
    path.parent.mkdir(parents=True)
    path.write_text("jack secret write\n")
    os.chmod(path, 0o640)
    os.utime(path, (1000, 2000))
    wire = defs.GetProcedure("upload_file").EncodeArgs([str(path)])
    assert wire[0] == "/var/lib/ganeti/rapi_users"
    assert defs.DecodeData(wire[1]) == b"jack secret write\n"
    assert wire[2:] == [0o640, os.getuid(), os.getgid(), 1000, 2000]
    with pytest.raises(errors.OpExecError, match="Cannot read"):
        defs.GetProcedure("upload_file").EncodeArgs([str(tmp_path / "missing")])


def test_node_verify_file_list_translated_both_ways(monkeypatch):
    monkeypatch.setenv("GANETI_ROOTDIR", "/srv/vc/master")
    proc = defs.GetProcedure("node_verify")
    wire = proc.EncodeArgs([{constants.NV_FILELIST: ["/srv/vc/master/var/lib/ganeti/x"],
                             constants.NV_VERSION: None}, "cluster"])
    assert wire[0] == {constants.NV_FILELIST: ["/var/lib/ganeti/x"], constants.NV_VERSION: None}
    result = proc.postproc({constants.NV_FILELIST: {"/var/lib/ganeti/x": "abc"}, "time": 1})
    assert result == {constants.NV_FILELIST: {"/srv/vc/master/var/lib/ganeti/x": "abc"},
                      "time": 1}
