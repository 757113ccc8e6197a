"""DRBD8 devices: drbdsetup/drbdmeta command lines and state handling.

There is no DRBD kernel module on this machine: /proc/drbd is a recorded
file the tests switch between states, and commands get recorded answers.
"""

from __future__ import annotations

import pytest

from ganeti import constants, errors
from ganeti.storage import NodeContext, drbd
from ganeti.storage.drbd import DRBD8
from ganeti.storage.lvm import LogicalVolume

UUID = "5e3d2c1b-0a9f-4e8d-8c7b-6a5f4e3d2c1b"
DATA = "/dev/xenvg/%s.disk0_data" % UUID
META = "/dev/xenvg/%s.disk0_meta" % UUID
SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"
LOCAL, REMOTE, PORT = "198.51.100.11", "198.51.100.12", 11005
NO_FLUSHES = {constants.LDP_META_FLUSHES: False, constants.LDP_DATA_FLUSHES: False}
LVS_LINE = "  xenvg|%s.disk0_%s|%s|-wi-ao----|253|%d|/dev/md1(%d)\n"

DRBD83_UP_STANDALONE = " {m}: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r-----\n"
DRBD_WFCONNECTION = " {m}: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----\n"


def _Ctx(**diskparams):
    return NodeContext("node1", diskparams=diskparams)


def _Children(recorded, ctx, meta_size="128.00"):
    recorded.Add(["lvs", "xenvg/%s.disk0_data" % UUID], LVS_LINE % (UUID, "data", "20480.00", 4, 0))
    recorded.Add(["lvs", "xenvg/%s.disk0_meta" % UUID], LVS_LINE % (UUID, "meta", meta_size, 5, 5120))
    return [LogicalVolume(("xenvg", "%s.disk0_data" % UUID), [], 20480, ctx),
            LogicalVolume(("xenvg", "%s.disk0_meta" % UUID), [], 128, ctx)]


def _Dev(recorded, minor, ctx=None, net=True, children=True):
    ctx = ctx or _Ctx()
    uid = (LOCAL, PORT, REMOTE, PORT, minor, SECRET) if net else (None, None, None, None, minor, None)
    return DRBD8(uid, _Children(recorded, ctx) if children else [], 20480, ctx)


def _ProcWith(read_data, base, minor, line):
    """A recorded /proc/drbd with one minor's line replaced (or added)."""
    lines = [ln for ln in read_data(base).splitlines(True)
             if not ln.startswith(" %d: " % minor)]
    return "".join(lines) + line.format(m=minor)


def test_assemble_83_new_minor_flushes_off(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd83.txt")  # minor 2 is Unconfigured there
    recorded.Add(["drbdsetup", "disk"], effect=lambda: proc_drbd.Write(
        _ProcWith(read_data, "proc_drbd83.txt", 2, DRBD83_UP_STANDALONE)))
    recorded.Add(["drbdsetup", "net"], effect=lambda: proc_drbd.Write(
        _ProcWith(read_data, "proc_drbd83.txt", 2, DRBD_WFCONNECTION)))
    recorded.Add(["drbdsetup", "syncer"])
    dev = _Dev(recorded, 2, _Ctx(**NO_FLUSHES))
    dev.Assemble()
    assert recorded.Commands("drbdsetup") == [
        ["drbdsetup", "/dev/drbd2", "disk", DATA, META, "0", "-e", "detach", "--create-device",
         "-d", "20480m", "--no-disk-barrier", "--no-disk-flushes", "--no-md-flushes"],
        ["drbdsetup", "/dev/drbd2", "net", "ipv4:%s:%d" % (LOCAL, PORT),
         "ipv4:%s:%d" % (REMOTE, PORT), "C", "-A", "discard-zero-changes", "-B", "consensus",
         "--create-device", "-a", "md5", "-x", SECRET],
        ["drbdsetup", "/dev/drbd2", "syncer", "-r", "61440", "--create-device"],
    ]
    assert dev.attached and dev.dev_path == "/dev/drbd2" and (dev.major, dev.minor) == (147, 2)


@pytest.mark.parametrize("params, flush_args", [
    (NO_FLUSHES, ["--disk-barrier=no", "--disk-flushes=no", "--md-flushes=no"]),
    ({constants.LDP_META_FLUSHES: False}, ["--md-flushes=no"]),
    ({}, []),
])
def test_assemble_84_new_minor(recorded, proc_drbd, read_data, params, flush_args):
    proc_drbd.Use("proc_drbd84.txt")  # minor 2 is not listed: unconfigured
    for sub in ("new-resource", "new-minor", "attach", "disk-options"):
        recorded.Add(["drbdsetup", sub])
    recorded.Add(["drbdmeta", "apply-al"], effect=lambda: proc_drbd.Write(
        _ProcWith(read_data, "proc_drbd84.txt", 2, DRBD83_UP_STANDALONE)))
    recorded.Add(["drbdsetup", "connect"], effect=lambda: proc_drbd.Write(
        _ProcWith(read_data, "proc_drbd84.txt", 2, DRBD_WFCONNECTION)))
    _Dev(recorded, 2, _Ctx(**params)).Assemble()
    assert [c for c in recorded.calls if c[0] in ("drbdsetup", "drbdmeta")] == [
        ["drbdsetup", "new-resource", "resource2"],
        ["drbdsetup", "new-minor", "resource2", "2", "0"],
        ["drbdmeta", "/dev/drbd2", "v08", META, "0", "apply-al"],
        ["drbdsetup", "attach", "2", DATA, META, "0", "--on-io-error=detach", "--size", "20480m"]
        + flush_args,
        ["drbdsetup", "connect", "resource2", "ipv4:%s:%d" % (LOCAL, PORT),
         "ipv4:%s:%d" % (REMOTE, PORT), "--protocol", "C", "--after-sb-0pri",
         "discard-zero-changes", "--after-sb-1pri", "consensus", "--cram-hmac-alg", "md5",
         "--shared-secret", SECRET],
        ["drbdsetup", "disk-options", "2", "--resync-rate", "61440"],
    ]


def test_assemble_already_up_and_matching(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd84.txt")  # minor 3: WFConnection
    recorded.Add(["drbdsetup", "show", "3"], read_data("show_drbd84.txt"))
    recorded.Add(["drbdsetup", "disk-options"])
    _Dev(recorded, 3).Assemble()
    assert recorded.Commands("drbdsetup") == [["drbdsetup", "show", "3"],
                                              ["drbdsetup", "disk-options", "3", "--resync-rate",
                                               "61440"]]


def test_assemble_refuses_minor_used_by_other_disks(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd84.txt")
    recorded.Add(["drbdsetup", "show", "3"],
                 read_data("show_drbd84.txt").replace(UUID, "00000000-other-instance"))
    with pytest.raises(errors.BlockDeviceError, match="in use with disks"):
        _Dev(recorded, 3).Assemble()
    assert recorded.Commands("drbdsetup") == [["drbdsetup", "show", "3"]]


def test_assemble_refuses_other_peer(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd84.txt")
    recorded.Add(["drbdsetup", "show", "3"],
                 read_data("show_drbd84.txt").replace(REMOTE, "198.51.100.99"))
    with pytest.raises(errors.BlockDeviceError, match="198.51.100.99"):
        _Dev(recorded, 3).Assemble()


def test_assemble_adds_network_to_local_only_minor(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd83.txt")  # minor 6: StandAlone
    recorded.Add(["drbdsetup", "show"], read_data("show_drbd83_local.txt"))
    recorded.Add(["drbdsetup", "net"], effect=lambda: proc_drbd.Write(
        _ProcWith(read_data, "proc_drbd83.txt", 6, DRBD_WFCONNECTION)))
    recorded.Add(["drbdsetup", "syncer"])
    _Dev(recorded, 6).Assemble()
    assert [c[2] for c in recorded.Commands("drbdsetup")] == ["show", "net", "syncer"]


def test_network_that_stays_standalone_is_an_error(recorded, proc_drbd, read_data, monkeypatch):
    monkeypatch.setattr(drbd, "NET_SETUP_TIMEOUT", 0)
    proc_drbd.Use("proc_drbd83.txt")
    recorded.Add(["drbdsetup", "show"], read_data("show_drbd83_local.txt"))
    recorded.Add(["drbdsetup", "net"])  # the kernel never leaves StandAlone
    with pytest.raises(errors.BlockDeviceError, match="stays StandAlone"):
        _Dev(recorded, 6).Assemble()


def test_assemble_networkless(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd83.txt")
    recorded.Add(["drbdsetup", "disk"], effect=lambda: proc_drbd.Write(
        _ProcWith(read_data, "proc_drbd83.txt", 2, DRBD83_UP_STANDALONE)))
    recorded.Add(["drbdsetup", "syncer"])
    _Dev(recorded, 2, net=False).Assemble()
    assert [c[2] for c in recorded.Commands("drbdsetup")] == ["disk", "syncer"]


def test_drbdsetup_failure_carries_output(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd84.txt")
    for sub in ("new-resource", "new-minor"):
        recorded.Add(["drbdsetup", sub])
    recorded.Add(["drbdmeta"])
    recorded.Add(["drbdsetup", "attach"], stderr=(
        "2: Failure: (104) Can not open backing device.\n"
        "Command 'drbdsetup attach 2 %s %s 0 --on-io-error=detach --size 20480m' terminated"
        " with exit code 10\n" % (DATA, META)), exit_code=10)
    with pytest.raises(errors.BlockDeviceError, match=r"Can not open backing device"):
        _Dev(recorded, 2).Assemble()


def test_create_initialises_meta(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd83.txt")
    recorded.Add(["drbdmeta", "create-md"], "Writing meta data...\nNew drbd meta data block"
                 " successfully created.\n")
    dev = DRBD8.Create((LOCAL, PORT, REMOTE, PORT, 2, SECRET), _Children(recorded, _Ctx()),
                       20480, _Ctx())
    assert recorded.Commands("drbdmeta") == [
        ["drbdmeta", "--force", "/dev/drbd2", "v08", META, "0", "create-md"]]
    assert not dev.attached  # Create does not bring the device up


def test_create_refuses_used_minor_and_missing_children(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd83.txt")
    uid = (LOCAL, PORT, REMOTE, PORT, 3, SECRET)
    with pytest.raises(errors.BlockDeviceError, match="already in use"):
        DRBD8.Create(uid, _Children(recorded, _Ctx()), 20480, _Ctx())
    with pytest.raises(errors.BlockDeviceError, match="without data and meta"):
        DRBD8.Create(uid, [], 20480, _Ctx())
    assert not recorded.Commands("drbdmeta")


def test_create_refuses_small_meta(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd83.txt")
    children = _Children(recorded, _Ctx(), meta_size="64.00")
    with pytest.raises(errors.BlockDeviceError, match="64 MiB, at least 128"):
        DRBD8.Create((LOCAL, PORT, REMOTE, PORT, 2, SECRET), children, 20480, _Ctx())
    assert not recorded.Commands("drbdmeta")


@pytest.mark.parametrize("proc_file, expected", [
    ("proc_drbd83.txt", {
        "primary": ["drbdsetup", "/dev/drbd3", "primary"],
        "primary_force": ["drbdsetup", "/dev/drbd3", "primary", "-o"],
        "secondary": ["drbdsetup", "/dev/drbd3", "secondary"],
        "disconnect": ["drbdsetup", "/dev/drbd3", "disconnect"],
        "net_dual": ["drbdsetup", "/dev/drbd3", "net", "ipv4:%s:%d" % (LOCAL, PORT),
                     "ipv4:%s:%d" % (REMOTE, PORT), "C", "-A", "discard-zero-changes", "-B",
                     "consensus", "--create-device", "-m", "-a", "md5", "-x", SECRET],
        "resize": ["drbdsetup", "/dev/drbd3", "resize", "-s", "22528m"],
        "down": ["drbdsetup", "/dev/drbd3", "down"],
    }),
    ("proc_drbd84.txt", {
        "primary": ["drbdsetup", "primary", "3"],
        "primary_force": ["drbdsetup", "primary", "3", "--force"],
        "secondary": ["drbdsetup", "secondary", "3"],
        "disconnect": ["drbdsetup", "disconnect", "ipv4:%s:%d" % (LOCAL, PORT),
                       "ipv4:%s:%d" % (REMOTE, PORT)],
        "net_dual": ["drbdsetup", "connect", "resource3", "ipv4:%s:%d" % (LOCAL, PORT),
                     "ipv4:%s:%d" % (REMOTE, PORT), "--protocol", "C", "--after-sb-0pri",
                     "discard-zero-changes", "--after-sb-1pri", "consensus",
                     "--allow-two-primaries", "--cram-hmac-alg", "md5", "--shared-secret", SECRET],
        "resize": ["drbdsetup", "resize", "3", "--size", "22528m"],
        "down": ["drbdsetup", "down", "resource3"],
    }),
])
def test_operations_command_lines(recorded, proc_drbd, read_data, proc_file, expected):
    proc_drbd.Use(proc_file)  # minor 3 is up in both
    recorded.Add(["drbdsetup"])
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    recorded.Add(["lvextend"])
    dev = _Dev(recorded, 3)
    dev.Open()
    dev.Open(force=True)
    dev.Close()
    dev.DisconnectNet()
    dev.AttachNet(multimaster=True)
    dev.Grow(2048)
    dev.Shutdown()
    assert recorded.Commands("drbdsetup") == [expected[k] for k in (
        "primary", "primary_force", "secondary", "disconnect", "net_dual", "resize", "down")]
    assert recorded.Commands("lvextend") == [["lvextend", "-L", "+2048m", DATA[5:]]]


def test_grow_dryrun_touches_only_the_lv(recorded, proc_drbd, read_data):
    proc_drbd.Use("proc_drbd84.txt")
    recorded.Add(["pvs"], read_data("pvs_host.txt"))
    recorded.Add(["lvextend"])
    _Dev(recorded, 3).Grow(2048, dryrun=True)
    assert recorded.Commands("lvextend") == [["lvextend", "-L", "+2048m", "--test", DATA[5:]]]
    assert not recorded.Commands("drbdsetup")


def test_network_operations_need_a_network(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd84.txt")
    dev = _Dev(recorded, 3, net=False, children=False)
    for action in (dev.DisconnectNet, lambda: dev.AttachNet(False)):
        with pytest.raises(errors.BlockDeviceError, match="no network configuration"):
            action()
    assert recorded.calls == []


def test_shutdown_of_unconfigured_minor_is_a_noop(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd84.txt")
    dev = _Dev(recorded, 2)
    dev.Shutdown()
    dev.Remove()
    assert recorded.calls == []
    with pytest.raises(errors.BlockDeviceError, match="not set up"):
        dev.Open()


@pytest.mark.parametrize("proc_file, minor, degraded, ldisk, percent, eta", [
    ("proc_drbd83.txt", 0, False, constants.LDS_OKAY, None, None),      # connected
    ("proc_drbd83.txt", 3, True, constants.LDS_OKAY, 37.1, 17),         # sync source
    ("proc_drbd83.txt", 4, True, constants.LDS_UNKNOWN, 9.4, 118),      # sync target
    ("proc_drbd83.txt", 5, True, constants.LDS_OKAY, None, None),       # WFConnection
    ("proc_drbd83.txt", 6, True, constants.LDS_OKAY, None, None),       # StandAlone
    ("proc_drbd83.txt", 7, True, constants.LDS_FAULTY, None, None),     # diskless
    ("proc_drbd84.txt", 0, False, constants.LDS_OKAY, None, None),
    ("proc_drbd84.txt", 1, True, constants.LDS_OKAY, 37.1, 43),
    ("proc_drbd84.txt", 5, True, constants.LDS_FAULTY, None, None),
])
def test_sync_status(recorded, proc_drbd, proc_file, minor, degraded, ldisk, percent, eta):
    proc_drbd.Use(proc_file)
    status = _Dev(recorded, minor, children=False).GetSyncStatus()
    assert (status.is_degraded, status.ldisk_status, status.sync_percent,
            status.estimated_time) == (degraded, ldisk, percent, eta)
    assert status.dev_path == "/dev/drbd%d" % minor and status.minor == minor


def test_online_verify_is_not_degraded(recorded, proc_drbd, read_data):
    proc_drbd.Write(_ProcWith(read_data, "proc_drbd84.txt", 6,
                              " {m}: cs:VerifyS ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
                              "    ns:0 nr:0 dw:0 dr:212992 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1"
                              " wo:f oos:0\n"))
    status = _Dev(recorded, 6, children=False).GetSyncStatus()
    assert not status.is_degraded and status.ldisk_status == constants.LDS_OKAY


@pytest.mark.parametrize("proc_text, match", [
    ("version: 9.2.8 (api:2/proto:86-122)\n", "Unsupported DRBD version 9.2.8"),
    ("version: 8.2.7 (api:88/proto:86-88)\n", "Unsupported DRBD version 8.2.7"),
])
def test_unsupported_versions(recorded, proc_drbd, proc_text, match):
    proc_drbd.Write(proc_text)
    with pytest.raises(errors.BlockDeviceError, match=match):
        _Dev(recorded, 0).Assemble()
    assert recorded.Commands("drbdsetup") == []


def test_no_drbd_module(recorded, proc_drbd):
    with pytest.raises(errors.BlockDeviceError, match="kernel module"):
        _Dev(recorded, 0).Attach()


@pytest.mark.parametrize("uid", [
    ("198.51.100.11", 11005, "198.51.100.12", 11005, -1, SECRET),
    ("198.51.100.11", 11005, "198.51.100.12", 11005, "3", SECRET),
    ("not-an-ip", 11005, "198.51.100.12", 11005, 3, SECRET),
    ("198.51.100.11", 0, "198.51.100.12", 11005, 3, SECRET),
    ("198.51.100.11", 11005, "198.51.100.12", 11005, 3),
])
def test_invalid_ids(uid):
    with pytest.raises(errors.BlockDeviceError):
        DRBD8(uid, [], 1024, _Ctx())


def test_actual_size_from_the_kernel(recorded, proc_drbd):
    proc_drbd.Use("proc_drbd84.txt")
    recorded.Add(["blockdev", "--getsize64", "/dev/drbd3"], "21474705408\n")
    assert _Dev(recorded, 3, children=False).GetActualSize() == 20479
    recorded.Add(["blockdev", "--getsize64", "/dev/drbd0"], "garbage\n")
    with pytest.raises(errors.BlockDeviceError, match="Cannot parse size"):
        _Dev(recorded, 0, children=False).GetActualSize()
