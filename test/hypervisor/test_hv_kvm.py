"""Tests of the KVM hypervisor that need no qemu: parameters, accel choice, runtime files."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading

import hvtestutils
import pytest

from ganeti import constants, errors
from ganeti.hypervisor import hv_kvm
from ganeti.hypervisor.hv_kvm import accel, runtime

KVM = hv_kvm.KVMHypervisor


def test_defaults_pass_syntax_check():
    KVM.CheckParameterSyntax(hvtestutils.KvmParams())


@pytest.mark.parametrize("overrides,fragment", [
    ({"bogus": 1}, "Unknown hypervisor parameter"),
    ({constants.HV_KVM_ACCEL: "xen"}, "'kvm_accel' must be one of auto, kvm, tcg"),
    ({constants.HV_BOOT_ORDER: "floppy"}, "'boot_order' must be one of"),
    ({constants.HV_NIC_TYPE: "pcnet"}, "'nic_type' must be one of"),
    ({constants.HV_DISK_CACHE: "unsafe"}, "'disk_cache' must be one of"),
    ({constants.HV_MIGRATION_PORT: 70000}, "'migration_port' must be an integer 1..65535"),
    ({constants.HV_VNC_BIND_ADDRESS: "myhost"}, "must be an IP address or an absolute path"),
    ({constants.HV_VNC_PASSWORD_FILE: "vncpw"}, "'vnc_password_file' must be an absolute path"),
    ({constants.HV_KERNEL_PATH: "", constants.HV_INITRD_PATH: "/boot/initrd"}, "needs a kernel_path"),
    ({constants.HV_BOOT_ORDER: "cdrom"}, "needs a cdrom_image_path"),
    ({constants.HV_VNC_TLS: True}, "vnc_tls needs a vnc_bind_address"),
    ({constants.HV_VNC_BIND_ADDRESS: "0.0.0.0", constants.HV_VNC_X509: "/etc/x509"}, "need vnc_tls"),
    ({constants.HV_VNC_BIND_ADDRESS: "0.0.0.0", constants.HV_VNC_TLS: True,
      constants.HV_VNC_X509_VERIFY: True}, "vnc_x509_verify needs a vnc_x509_path"),
    ({constants.HV_SECURITY_MODEL: "user"}, "needs a security_domain"),
    ({constants.HV_SECURITY_DOMAIN: "kvm"}, "only used with security model 'user'"),
    ({constants.HV_KVM_FLAG: "disabled", constants.HV_KVM_ACCEL: "kvm"}, "conflicts"),
])
def test_syntax_errors(overrides, fragment):
    with pytest.raises(errors.HypervisorError) as err:
        KVM.CheckParameterSyntax(hvtestutils.KvmParams(**overrides))
    assert fragment in str(err.value)


def test_global_params_refused_at_instance_level():
    KVM.CheckInstanceParameterSyntax({constants.HV_ACPI: False})
    for name in constants.HVC_GLOBALS:
        with pytest.raises(errors.OpPrereqError, match="global"):
            KVM.CheckInstanceParameterSyntax({name: 1})


def test_validate_rerooted_vnc_password_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GANETI_ROOTDIR", str(tmp_path))
    params = hvtestutils.KvmParams(**{constants.HV_KERNEL_PATH: "",
                                      constants.HV_VNC_PASSWORD_FILE: "/etc/ganeti/vnc-pw"})
    with pytest.raises(errors.HypervisorError, match="'vnc_password_file' must exist"):
        KVM().ValidateParameters(params)
    (tmp_path / "etc" / "ganeti").mkdir(parents=True)
    (tmp_path / "etc" / "ganeti" / "vnc-pw").write_text("pw\n")
    KVM().ValidateParameters(params)


def test_validate_security_domain_user():
    params = hvtestutils.KvmParams(**{constants.HV_KERNEL_PATH: "",
                                      constants.HV_SECURITY_MODEL: "user",
                                      constants.HV_SECURITY_DOMAIN: "no-such-user-here"})
    with pytest.raises(errors.HypervisorError, match="Unknown security domain"):
        KVM().ValidateParameters(params)


@pytest.fixture
def no_probe(monkeypatch):
    """Replace the KVM probe; returns the list of calls made to it."""
    calls = []

    def _Probe():
        calls.append(1)
        return False, "probe says no"
    monkeypatch.setattr(accel, "ProbeKvm", _Probe)
    monkeypatch.setattr(accel, "_cache", {})
    return calls


def test_accel_choice(no_probe, caplog):
    assert accel.ChooseAccel("tcg") == "tcg"
    assert accel.ChooseAccel("kvm") == "kvm"
    assert no_probe == []
    with caplog.at_level(logging.WARNING):
        assert accel.ChooseAccel("auto") == "tcg"
        assert accel.ChooseAccel("auto") == "tcg"
    assert no_probe == [1]  # probed once per process
    assert "falling back to TCG: probe says no" in caplog.text


def test_kvm_flag_maps_onto_accel(no_probe):
    choose = KVM._ChooseAccel
    assert choose({constants.HV_KVM_ACCEL: "auto", constants.HV_KVM_FLAG: "enabled"}) == "kvm"
    assert choose({constants.HV_KVM_ACCEL: "auto", constants.HV_KVM_FLAG: "disabled"}) == "tcg"
    assert choose({constants.HV_KVM_ACCEL: "tcg", constants.HV_KVM_FLAG: "enabled"}) == "tcg"
    assert no_probe == []


def test_probe_on_this_host_answers():
    usable, reason = accel.ProbeKvm()
    assert isinstance(usable, bool) and reason
    if not os.path.exists(accel.KVM_DEVICE):
        assert not usable


def test_spec_round_trip():
    inst = hvtestutils.MakeInstance(nics=[hvtestutils.Nic("aa:00:00:00:00:01", ip="192.0.2.9")],
                                    network_port=5901)
    spec = runtime.StartSpec.FromInstance(inst, [])
    assert spec.nics == [{"mac": "aa:00:00:00:00:01", "ip": "192.0.2.9", "mode": "bridged",
                          "link": "br0"}]
    assert runtime.StartSpec.FromDict(spec.ToDict()) == spec
    with pytest.raises(errors.HypervisorError, match="Malformed"):
        runtime.StartSpec.FromDict({"name": "x"})


def test_deep_run_dir_gets_short_socket_dir(tmp_path):
    deep = str(tmp_path / ("x" * 100))
    paths = runtime.RuntimePaths(deep, "inst1")
    assert paths.qmp.startswith("/tmp/gnt-kvm-") and len(paths.serial) <= runtime.UNIX_PATH_MAX
    assert runtime.RuntimePaths(deep, "inst1").qmp == paths.qmp  # derived from run_dir alone
    assert runtime.RuntimePaths("/run/kvm", "inst1").qmp == "/run/kvm/ctrl/inst1.qmp"
    paths.Prepare()
    assert os.stat(paths.ctrl_dir).st_mode & 0o777 == 0o700
    os.rmdir(paths.ctrl_dir)


@pytest.mark.parametrize("run_dir", ["/run/kvm", "/srv/" + "d" * 90])
def test_long_instance_names_get_sockets_that_fit(run_dir):
    name = "n" * 60 + "." + "example" * 6 + ".com"  # a valid host name of 107 bytes
    paths = runtime.RuntimePaths(run_dir, name)
    assert len(paths.qmp) <= runtime.UNIX_PATH_MAX >= len(paths.serial)
    assert paths.qmp == runtime.RuntimePaths(run_dir, name).qmp, "every caller finds them"
    assert paths.qmp != runtime.RuntimePaths(run_dir, name + "x").qmp
    assert paths.runtime.endswith("/runtime/" + name) and paths.pidfile.endswith("/pid/" + name)


@pytest.fixture
def run_dir():
    path = hvtestutils.ShortTempDir()
    yield path
    hvtestutils.RemoveTree(path)


def _FakeQemu(reaper, name):
    """A process whose command line names an instance, as qemu's does."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "-name", name])
    reaper.Add(proc.pid)
    return proc.pid


def _RunningInstance(run_dir, reaper, name="inst1"):
    """(instance, runtime paths, pid) of a fake qemu with the runtime files of a started one."""
    inst = hvtestutils.MakeInstance(name=name)
    paths = runtime.RuntimePaths(run_dir, name)
    paths.Prepare()
    pid = _FakeQemu(reaper, name)
    with open(paths.pidfile, "w") as fh:
        fh.write("%d\n" % pid)
    runtime.WriteRuntime(paths, runtime.StartSpec.FromInstance(inst, []), "tcg", ["qemu"], 0.0)
    return inst, paths, pid


def test_find_pid_checks_the_command_line(run_dir, reaper):
    paths = runtime.RuntimePaths(run_dir, "inst1")
    paths.Prepare()
    with open(paths.pidfile, "w") as fh:
        fh.write("%d\n" % os.getpid())  # alive, but not this instance's qemu
    assert runtime.FindPid(paths) == 0
    pid = _FakeQemu(reaper, "inst1")
    with open(paths.pidfile, "w") as fh:
        fh.write("%d\n" % pid)
    assert runtime.FindPid(paths) == pid


def test_start_refuses_running_and_stop_cleans_powered_off(run_dir, reaper):
    hv = KVM(run_dir=run_dir)
    inst, paths, pid = _RunningInstance(run_dir, reaper)
    assert hv.ListInstances() == ["inst1"]
    assert hv.GetInstanceInfo("inst1")[:4] == ("inst1", pid, 128, 1)
    with pytest.raises(errors.HypervisorError, match="already running"):
        hv.StartInstance(inst, [])
    reaper.KillAll()
    assert hv.ListInstances() == [] and hv.GetInstanceInfo("inst1") is None
    hv.StopInstance(inst)  # the guest had powered off: only cleanup
    assert not os.path.exists(paths.runtime)
    with pytest.raises(errors.HypervisorError, match="not running"):
        hv.StopInstance(inst)
    with pytest.raises(errors.HypervisorError, match="not running"):
        hv.RebootInstance(inst)


class _PowerButtonQmp:
    """A QMP socket (one connection per command, as qmp.Execute makes) whose guest
    ignores the first power button press, like a guest that is still booting,
    and powers off (kill_fn) on the second."""

    def __init__(self, path, kill_fn):
        self.presses = 0
        self._kill_fn = kill_fn
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(path)
        self._sock.listen(4)
        self._thread = threading.Thread(target=self._Serve, daemon=True)
        self._thread.start()

    def _Serve(self):
        while self.presses < 2:
            conn, _ = self._sock.accept()
            with conn:
                fh = conn.makefile("rwb")
                fh.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
                fh.flush()
                for line in fh:
                    fh.write(b'{"return": {}}\n')
                    fh.flush()
                    if json.loads(line)["execute"] == "system_powerdown":
                        self.presses += 1
                        if self.presses == 2:
                            self._kill_fn()
                        break

    def Close(self):
        self._sock.close()
        self._thread.join(5)


def test_stop_presses_the_power_button_again(run_dir, reaper, monkeypatch):
    monkeypatch.setattr(hv_kvm, "_POWERDOWN_REPEAT", 0.1)
    hv = KVM(run_dir=run_dir)
    inst, paths, pid = _RunningInstance(run_dir, reaper)
    server = _PowerButtonQmp(paths.qmp, reaper.KillAll)
    try:
        hv.StopInstance(inst, timeout=30)
    finally:
        server.Close()
    assert server.presses == 2, "the guest that ignored the first press got a second one"
    assert hv.ListInstances() == [] and not os.path.exists(paths.runtime)


def test_cleanup_removes_only_a_dead_qemus_files(run_dir, reaper):
    hv = KVM(run_dir=run_dir)
    inst, paths, pid = _RunningInstance(run_dir, reaper)
    hv.CleanupInstance("inst1")
    assert os.path.exists(paths.runtime), "a running guest keeps its files"
    reaper.KillAll()
    hv.CleanupInstance("inst1")
    assert not any(os.path.exists(p) for p in (paths.pidfile, paths.runtime, paths.nic_dir))


def test_console_kinds():
    hv = KVM(run_dir="/run/kvm")
    inst = hvtestutils.MakeInstance(name="inst1", network_port=5905)
    serial = hv.GetInstanceConsole(inst, hvtestutils.KvmParams(), {})
    assert serial["kind"] == constants.CONS_SSH and serial["host"] == "node1.example.com"
    assert serial["command"][-1] == "UNIX-CONNECT:/run/kvm/ctrl/inst1.serial"
    vnc = hv.GetInstanceConsole(inst, hvtestutils.KvmParams(
        **{constants.HV_SERIAL_CONSOLE: False, constants.HV_VNC_BIND_ADDRESS: "0.0.0.0"}), {})
    assert (vnc["kind"], vnc["host"], vnc["port"], vnc["display"]) == \
        (constants.CONS_VNC, "node1.example.com", 5905, 5)
    msg = hv.GetInstanceConsole(inst, hvtestutils.KvmParams(**{constants.HV_SERIAL_CONSOLE: False}), {})
    assert msg["kind"] == constants.CONS_MESSAGE


def test_routed_nic_without_ip_refused(run_dir, no_probe):
    inst = hvtestutils.MakeInstance(nics=[hvtestutils.Nic("aa:00:00:00:00:01", "routed", "")])
    with pytest.raises(errors.HypervisorError, match="routed but has no IP"):
        KVM(run_dir=run_dir).StartInstance(inst, [])
