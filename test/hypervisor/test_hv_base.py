"""Tests of ganeti.hypervisor.hv_base: parameter checks, globals, VNC files, node info."""

import os

import pytest

from ganeti import constants, errors, pathutils
from ganeti.hypervisor import GetHypervisor, GetHypervisorClass, hv_base


class _Hv(hv_base.BaseHypervisor):
    PARAMETERS = {
        "kernel": hv_base.REQ_FILE_CHECK,
        "extra": hv_base.OPT_FILE_CHECK,
        "mode": hv_base.InSetCheck(["a", "b"]),
        "port": hv_base.NET_PORT_CHECK,
        "flag": hv_base.BOOL_CHECK,
        constants.HV_MIGRATION_BANDWIDTH: hv_base.IntRangeCheck(1),
    }


def _Good(**kw):
    params = {"kernel": "/boot/vmlinuz", "extra": "", "mode": "a", "port": 22, "flag": True,
              constants.HV_MIGRATION_BANDWIDTH: 32}
    params.update(kw)
    return params


def test_syntax_accepts_good_params():
    _Hv.CheckParameterSyntax(_Good())


def test_syntax_accepts_global_params_at_cluster_level():
    _Hv.CheckParameterSyntax(_Good(**{constants.HV_MIGRATION_BANDWIDTH: 100}))


@pytest.mark.parametrize("params,fragment", [
    (_Good(unknown=1), "Unknown hypervisor parameter(s) for _Hv: unknown"),
    (_Good(kernel=""), "'kernel' is required"),
    (_Good(kernel="vmlinuz"), "'kernel' must be an absolute path"),
    (_Good(extra="rel/path"), "'extra' must be an absolute path"),
    (_Good(mode="c"), "'mode' must be one of a, b"),
    (_Good(port=0), "'port' must be an integer 1..65535"),
    (_Good(port="22"), "'port' must be an integer"),
    (_Good(flag="yes"), "'flag' must be a boolean"),
    ({k: v for k, v in _Good().items() if k != "kernel"}, "'kernel' is required"),
])
def test_syntax_rejects(params, fragment):
    with pytest.raises(errors.HypervisorError) as err:
        _Hv.CheckParameterSyntax(params)
    assert fragment in str(err.value)


def test_instance_level_refuses_globals():
    with pytest.raises(errors.OpPrereqError) as err:
        _Hv.CheckInstanceParameterSyntax({constants.HV_MIGRATION_BANDWIDTH: 10})
    assert err.value.args[1] == errors.ECODE_INVAL
    assert constants.HV_MIGRATION_BANDWIDTH in err.value.args[0]


def test_instance_level_checks_partial_dicts():
    _Hv.CheckInstanceParameterSyntax({"mode": "b"})
    with pytest.raises(errors.HypervisorError):
        _Hv.CheckInstanceParameterSyntax({"mode": "z"})
    with pytest.raises(errors.HypervisorError):
        _Hv.CheckInstanceParameterSyntax({"nope": 1})


def test_strip_globals():
    params = {constants.HV_MIGRATION_PORT: 1, constants.HV_MIGRATION_BANDWIDTH: 2, "mode": "a"}
    assert hv_base.StripGlobalHvParams(params) == {"mode": "a"}
    assert constants.HV_MIGRATION_PORT in params  # a copy, the input is untouched


def test_validate_parameters_checks_files_on_node(tmp_path):
    kernel = tmp_path / "vmlinuz"
    kernel.write_text("x")
    hv = _Hv()
    hv.ValidateParameters(_Good(kernel=str(kernel)))
    with pytest.raises(errors.HypervisorError) as err:
        hv.ValidateParameters(_Good(kernel=str(tmp_path / "missing")))
    assert "'kernel' must exist" in str(err.value)


def test_vnc_password_files_distinct_nonempty():
    lists = [{constants.HV_VNC_PASSWORD_FILE: "/etc/b"}, {constants.HV_VNC_PASSWORD_FILE: ""},
             {constants.HV_VNC_PASSWORD_FILE: "/etc/a"}, {constants.HV_VNC_PASSWORD_FILE: "/etc/b"},
             {}]
    assert hv_base.VncPasswordFiles(lists) == ["/etc/a", "/etc/b"]


def test_ancillary_files_only_for_vnc_hypervisors():
    kvm = GetHypervisorClass(constants.HT_KVM)
    fake = GetHypervisorClass(constants.HT_FAKE)
    assert kvm.GetAncillaryFiles() == [pathutils.DEFAULT_VNC_PASSWORD_FILE]
    assert kvm.GetAncillaryFiles([{constants.HV_VNC_PASSWORD_FILE: "/etc/ganeti/vnc-web"},
                                  {constants.HV_VNC_PASSWORD_FILE: ""}]) == ["/etc/ganeti/vnc-web"]
    assert fake.GetAncillaryFiles() == []


def test_read_vnc_password(tmp_path):
    path = tmp_path / "pw"
    path.write_text("secretpassword\nignored\n")
    assert hv_base.ReadVncPassword(str(path)) == "secretpa"
    path.write_text("\n")
    with pytest.raises(errors.HypervisorError, match="empty"):
        hv_base.ReadVncPassword(str(path))
    with pytest.raises(errors.HypervisorError, match="Cannot read"):
        hv_base.ReadVncPassword(str(tmp_path / "none"))


_MEMINFO = """MemTotal:       24683520 kB
MemFree:        23000000 kB
MemAvailable:   23500000 kB
Buffers:            1000 kB
Cached:           100000 kB
"""
_CPUINFO = "".join("processor\t: %d\nphysical id\t: %d\nmodel name\t: X\n\n" % (i, i // 2)
                   for i in range(4))


def test_linux_node_info(tmp_path):
    (tmp_path / "meminfo").write_text(_MEMINFO)
    (tmp_path / "cpuinfo").write_text(_CPUINFO)
    info = hv_base.GetLinuxNodeInfo(str(tmp_path / "meminfo"), str(tmp_path / "cpuinfo"))
    assert info["memory_total"] == 24683520 // 1024
    assert info["memory_free"] == 23500000 // 1024
    assert info["memory_dom0"] == (24683520 - 23500000) // 1024
    assert info["cpu_total"] == 4
    assert info["cpu_dom0"] == 4, "the node OS can use every CPU (htools' cnos)"
    assert info["cpu_sockets"] == 2


def test_linux_node_info_of_this_host():
    info = hv_base.GetLinuxNodeInfo()
    assert info["cpu_total"] == os.cpu_count()
    assert 0 < info["memory_free"] <= info["memory_total"]


def test_registry():
    assert GetHypervisor(constants.HT_FAKE).__class__.__name__ == "FakeHypervisor"
    assert GetHypervisor(constants.HT_KVM).__class__.__name__ == "KVMHypervisor"
    with pytest.raises(errors.HypervisorError, match="Unknown or unsupported"):
        GetHypervisorClass(constants.HT_XEN_PVM)
