"""/proc/drbd and `drbdsetup show` parsing, on recorded outputs of DRBD 8.3, 8.4 and 9."""

from __future__ import annotations

import pytest

from ganeti import errors
from ganeti.storage import drbd_info
from ganeti.storage.drbd_info import DRBDProcInfo


def test_version_lines(read_data):
    v83 = DRBDProcInfo.FromText(read_data("proc_drbd83.txt")).version
    assert (v83.major, v83.minor, v83.point, v83.api, v83.proto, v83.proto_max) == (
        8, 3, 13, 88, 86, 96)
    v84 = DRBDProcInfo.FromText(read_data("proc_drbd84.txt")).version
    assert str(v84) == "8.4.11" and v84.api == 1 and v84.proto_max == 101
    v9 = DRBDProcInfo.FromText(read_data("proc_drbd9.txt"))
    assert (v9.version.major, v9.version.minor) == (9, 2) and v9.minors == {}


@pytest.mark.parametrize("datafile", ["proc_drbd83.txt", "proc_drbd84.txt"])
def test_connected(read_data, datafile):
    st = DRBDProcInfo.FromText(read_data(datafile)).GetMinorStatus(0)
    assert st.is_connected and st.is_primary and st.is_disk_uptodate and st.is_peer_uptodate
    assert st.protocol == "C" and st.sync_percent is None and st.est_time is None


def test_drbd83_states(read_data):
    info = DRBDProcInfo.FromText(read_data("proc_drbd83.txt"))
    assert info.GetUsedMinors() == [0, 1, 3, 4, 5, 6, 7]
    assert not info.GetMinorStatus(2).is_configured  # listed as Unconfigured
    assert not info.GetMinorStatus(42).is_configured  # not listed at all
    secondary = info.GetMinorStatus(1)
    assert secondary.lrole == "Secondary" and secondary.rrole == "Primary"
    source = info.GetMinorStatus(3)
    assert source.is_in_resync and source.sync_percent == 37.1 and source.est_time == 17
    assert source.is_disk_uptodate and source.rdisk == "Inconsistent"
    target = info.GetMinorStatus(4)
    assert target.is_in_resync and target.sync_percent == 9.4 and target.est_time == 118
    assert not target.is_disk_uptodate and target.ldisk == "Inconsistent"
    wfc = info.GetMinorStatus(5)
    assert wfc.cstatus == "WFConnection" and wfc.rdisk == "DUnknown" and not wfc.is_connected
    alone = info.GetMinorStatus(6)
    assert alone.is_standalone and alone.protocol is None
    assert info.GetMinorStatus(7).is_diskless


def test_drbd84_states(read_data):
    info = DRBDProcInfo.FromText(read_data("proc_drbd84.txt"))
    assert info.GetUsedMinors() == [0, 1, 3, 4, 5]
    assert not info.GetMinorStatus(2).is_configured  # 8.4 omits unconfigured minors
    sync = info.GetMinorStatus(1)
    assert sync.cstatus == "SyncSource" and sync.sync_percent == 37.1 and sync.est_time == 43
    assert info.GetMinorStatus(3).cstatus == "WFConnection"
    assert info.GetMinorStatus(4).is_standalone and info.GetMinorStatus(4).is_primary
    assert info.GetMinorStatus(5).is_diskless
    assert DRBDProcInfo.FromText(read_data("proc_drbd84_empty.txt")).GetUsedMinors() == []


def test_bad_proc_drbd(tmp_path):
    with pytest.raises(errors.BlockDeviceError, match="version"):
        DRBDProcInfo.FromText("GIT-hash: abc\n 0: cs:Connected\n")
    with pytest.raises(errors.BlockDeviceError, match="version"):
        DRBDProcInfo.FromText("")
    with pytest.raises(errors.BlockDeviceError, match="kernel module"):
        DRBDProcInfo.FromFile(str(tmp_path / "no-proc-drbd"))


DATA_LV = "/dev/xenvg/5e3d2c1b-0a9f-4e8d-8c7b-6a5f4e3d2c1b.disk0_data"
META_LV = "/dev/xenvg/5e3d2c1b-0a9f-4e8d-8c7b-6a5f4e3d2c1b.disk0_meta"


@pytest.mark.parametrize("datafile", ["show_drbd83.txt", "show_drbd84.txt"])
def test_show_full(read_data, datafile):
    cfg = drbd_info.ParseShowOutput(read_data(datafile))
    assert (cfg.local_dev, cfg.meta_dev, cfg.meta_index) == (DATA_LV, META_LV, 0)
    assert cfg.local_addr == ("198.51.100.11", 11005)
    assert cfg.remote_addr == ("198.51.100.12", 11005)
    assert cfg.has_local and cfg.has_net


def test_show_local_only_and_diskless(read_data):
    local = drbd_info.ParseShowOutput(read_data("show_drbd83_local.txt"))
    assert local.has_local and not local.has_net and local.local_addr is None
    diskless = drbd_info.ParseShowOutput(read_data("show_drbd84_diskless_ipv6.txt"))
    assert not diskless.has_local and diskless.meta_dev is None
    assert diskless.local_addr == ("2001:db8::11", 11007)
    assert diskless.remote_addr == ("2001:db8::12", 11007)


def test_show_empty_and_internal_meta():
    assert drbd_info.ParseShowOutput("") == drbd_info.DRBDConfig()
    cfg = drbd_info.ParseShowOutput('_this_host {\n disk "/dev/sdb1";\n meta-disk internal;\n}\n')
    assert cfg.local_dev == "/dev/sdb1" and cfg.meta_dev == "internal" and cfg.meta_index == -1


@pytest.mark.parametrize("text", ["net {\n timeout 60;\n", "}\n", "disk { \"x\" }",
                                  '_this_host { address ipv4 1.2.3.4:port; }'])
def test_show_garbage_is_an_error(text):
    with pytest.raises(errors.BlockDeviceError):
        drbd_info.ParseShowOutput(text)


@pytest.mark.parametrize("text", ["resource r0 {", "disk { size 0s; } }", 'disk "/dev/x'])
def test_show_output_garbage_is_a_clear_error(text):
    with pytest.raises(errors.BlockDeviceError, match="Cannot parse drbdsetup show output"):
        drbd_info.ParseShowOutput(text)


def test_show_output_comments_and_quotes():
    config = drbd_info.ParseShowOutput(
        '# minor 3\n_this_host {\n  device minor 3;\n  disk "/dev/xenvg/a \\"b\\"";\n'
        '  meta-disk "/dev/xenvg/meta" [ 0 ];\n  address ipv4 192.0.2.1:11000;\n}\n')
    assert config.local_dev == '/dev/xenvg/a "b"'
    assert (config.meta_dev, config.meta_index) == ("/dev/xenvg/meta", 0)
    assert config.local_addr == ("192.0.2.1", 11000) and not config.has_net
