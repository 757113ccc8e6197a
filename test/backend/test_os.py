"""Tests of the node side of the OS API (ganeti.backend.os)."""

import os
import subprocess

import pytest

from ganeti import constants, errors, objects, pathutils
from ganeti.backend import RPCFail
from ganeti.backend import os as bos

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_OS = os.path.join(TOP, "tools", "os", "ganeti-os-busybox")

# A create script that dumps its environment into disk 0, so tests can read it.
_DUMP_ENV = "#!/bin/sh\nenv > \"$DISK_0_PATH\"\necho created for $INSTANCE_NAME\n"


def MakeOs(top, name, api=(15,), variants=None, scripts=None, create=_DUMP_ENV):
    """Write an OS definition; scripts maps script name -> content (None: missing)."""
    path = top / name
    path.mkdir(parents=True)
    (path / constants.OS_API_FILE).write_text("".join("%s\n" % v for v in api))
    if variants is not None:
        (path / constants.OS_VARIANTS_FILE).write_text("".join("%s\n" % v for v in variants))
    contents = {s: "#!/bin/sh\nexit 0\n" for s in constants.OS_SCRIPTS}
    contents[constants.OS_SCRIPT_CREATE] = create
    contents.update(scripts or {})
    for script, text in contents.items():
        if text is None:
            continue
        (path / script).write_text(text)
        (path / script).chmod(0o755)
    return str(path)


@pytest.fixture
def osdirs(tmp_path, monkeypatch):
    """Two OS search path directories and a log directory for this test."""
    first, second = tmp_path / "os1", tmp_path / "os2"
    first.mkdir()
    second.mkdir()
    monkeypatch.setattr(pathutils, "OS_SEARCH_PATH", "%s:%s" % (first, second))
    monkeypatch.setattr(pathutils, "LOG_DIR", str(tmp_path / "log"))
    return first, second


def Instance(tmp_path, os_name, disks=1, hypervisor=constants.HT_KVM):
    disk_objs = [objects.Disk(dev_type=constants.LD_FILE, logical_id=["loop", "/x%d" % i],
                              size=16, mode="rw") for i in range(disks)]
    paths = []
    for idx in range(disks):
        path = tmp_path / ("disk%d" % idx)
        path.write_bytes(b"\0" * (8 << 20))
        paths.append(str(path))
    nics = [objects.NIC(mac="aa:00:00:11:22:33", ip=None,
                        nicparams={constants.NIC_MODE: "bridged", constants.NIC_LINK: "br0"}),
            objects.NIC(mac="aa:00:00:11:22:34", ip="192.0.2.10",
                        nicparams={constants.NIC_MODE: "routed", constants.NIC_LINK: "100"})]
    inst = objects.Instance(
        name="web1.example.com", primary_node="node1", os=os_name, hypervisor=hypervisor,
        hvparams={constants.HV_ACPI: True, constants.HV_DISK_TYPE: "paravirtual",
                  constants.HV_NIC_TYPE: "e1000"},
        beparams={constants.BE_MEMORY: 256, constants.BE_VCPUS: 2},
        nics=nics, disks=disk_objs)
    return inst, paths


def ReadEnv(path):
    text = open(path, "rb").read().split(b"\0", 1)[0].decode()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


# --- loading definitions ------------------------------------------------------------

def test_os_from_disk(osdirs):
    MakeOs(osdirs[0], "debootstrap", api=(10, 15), variants=["lenny", "squeeze"])
    os_obj = bos.OSFromDisk("debootstrap+squeeze")
    assert os_obj.name == "debootstrap"
    assert os_obj.api_versions == [10, 15]
    assert os_obj.supported_variants == ["lenny", "squeeze"]
    assert os_obj.status == constants.OS_VALID_STATUS
    assert os_obj.create_script == os.path.join(osdirs[0], "debootstrap", "create")
    assert bos.ApiVersion(os_obj) == 15


def test_search_path_order(osdirs):
    MakeOs(osdirs[1], "dup", api=(10,))
    MakeOs(osdirs[0], "dup", api=(15,))
    assert bos.OSFromDisk("dup").path == os.path.join(osdirs[0], "dup")


@pytest.mark.parametrize("kwargs,reason", [
    ({"api": (20,)}, "API version mismatch"),
    ({"api": ()}, "API version file is empty"),
    ({"api": ("ten",)}, "non-number"),
    ({"variants": []}, "declares no variant"),
    ({"scripts": {"rename": None}}, "script 'rename' is missing"),
])
def test_invalid_definitions(osdirs, kwargs, reason):
    MakeOs(osdirs[0], "bad", **kwargs)
    with pytest.raises(errors.InvalidOS) as err:
        bos.OSFromDisk("bad")
    assert err.value.args[0] == "bad"
    assert reason in err.value.args[2]


def test_not_executable_and_missing(osdirs):
    path = MakeOs(osdirs[0], "noexec")
    os.chmod(os.path.join(path, "export"), 0o644)
    with pytest.raises(errors.InvalidOS, match="not executable"):
        bos.OSFromDisk("noexec")
    with pytest.raises(errors.InvalidOS, match="not found in search path"):
        bos.OSFromDisk("nothere")
    with pytest.raises(errors.InvalidOS, match="invalid OS name"):
        bos.OSFromDisk("../etc")


def test_api10_ignores_variants_file(osdirs):
    MakeOs(osdirs[0], "old", api=(10,), variants=["a"])
    assert bos.OSFromDisk("old").supported_variants == []


def test_diagnose_lists_every_os(osdirs):
    MakeOs(osdirs[0], "good", api=(10, 15), variants=["v1"])
    MakeOs(osdirs[0], "broken", api=(99,))
    MakeOs(osdirs[1], "good", api=(10,))
    (osdirs[1] / "not-a-dir").write_text("x")
    result = bos.DiagnoseOS()
    assert [(r[0], r[2]) for r in result] == [("broken", False), ("good", True), ("good", True)]
    broken = result[0]
    assert "API version mismatch" in broken[3]
    good = result[1]
    assert good[1] == os.path.join(osdirs[0], "good")
    assert (good[3], good[4], good[5], good[6]) == ("", ["v1"], [], [10, 15])
    assert result[2][6] == [10]


def test_get_os_fails_on_invalid(osdirs):
    MakeOs(osdirs[0], "good", variants=["v1"])
    assert bos.GetOS("good")["supported_variants"] == ["v1"]
    with pytest.raises(RPCFail, match="Invalid OS missing"):
        bos.GetOS("missing")


# --- variants ------------------------------------------------------------------------

def test_variant_rules(osdirs):
    MakeOs(osdirs[0], "deb", variants=["lenny", "squeeze"])
    MakeOs(osdirs[0], "plain", api=(15,))
    deb, plain = bos.OSFromDisk("deb"), bos.OSFromDisk("plain")
    assert bos.CheckOSVariant(deb, "deb") == "lenny"
    assert bos.CheckOSVariant(deb, "deb+squeeze") == "squeeze"
    with pytest.raises(errors.OpPrereqError) as err:
        bos.CheckOSVariant(deb, "deb+sid")
    assert err.value.args[1] == errors.ECODE_INVAL
    assert "Unsupported variant 'sid'" in err.value.args[0]
    assert bos.CheckOSVariant(deb, "deb+sid", force=True) == "sid"
    assert bos.CheckOSVariant(plain, "plain") == ""
    with pytest.raises(errors.OpPrereqError, match="does not support variants"):
        bos.CheckOSVariant(plain, "plain+x")


def test_undeclared_variant_rejected_unless_forced(osdirs, tmp_path):
    MakeOs(osdirs[0], "deb", variants=["lenny"])
    inst, paths = Instance(tmp_path, "deb+sid")
    with pytest.raises(RPCFail, match="Unsupported variant 'sid'"):
        bos.InstanceOsAdd(inst, False, 0, paths)
    bos.InstanceOsAdd(inst, False, 0, paths, force_variant=True)
    assert ReadEnv(paths[0])["OS_VARIANT"] == "sid"


# --- environment ----------------------------------------------------------------------

def test_api15_environment(osdirs, tmp_path):
    MakeOs(osdirs[0], "deb", api=(10, 15), variants=["lenny", "squeeze"])
    inst, paths = Instance(tmp_path, "deb+squeeze", disks=2)
    logfile = bos.InstanceOsAdd(inst, True, 2, paths)
    env = ReadEnv(paths[0])
    expected = {
        "OS_API_VERSION": "15", "INSTANCE_NAME": "web1.example.com", "INSTANCE_OS": "deb+squeeze",
        "OS_VARIANT": "squeeze", "HYPERVISOR": "kvm", "INSTANCE_HYPERVISOR": "kvm",
        "DEBUG_LEVEL": "2", "INSTANCE_REINSTALL": "1",
        "DISK_COUNT": "2", "DISK_0_PATH": paths[0], "DISK_1_PATH": paths[1],
        "DISK_0_ACCESS": "rw", "DISK_0_BACKEND_TYPE": "file:loop",
        "DISK_0_FRONTEND_TYPE": "paravirtual",
        "NIC_COUNT": "2", "NIC_0_MAC": "aa:00:00:11:22:33", "NIC_0_MODE": "bridged",
        "NIC_0_LINK": "br0", "NIC_0_BRIDGE": "br0", "NIC_0_FRONTEND_TYPE": "e1000",
        "NIC_1_IP": "192.0.2.10", "NIC_1_MODE": "routed", "NIC_1_LINK": "100",
        "INSTANCE_HV_acpi": "True", "INSTANCE_HV_disk_type": "paravirtual",
        "INSTANCE_BE_memory": "256", "INSTANCE_BE_vcpus": "2",
    }
    assert {k: env.get(k) for k in expected} == expected
    assert "NIC_0_IP" not in env and "NIC_1_BRIDGE" not in env
    # Clean environment: nothing of ours leaks in.
    assert "PYTHONPATH" not in env and "GANETI_ROOTDIR" not in env
    assert logfile.startswith(os.path.join(pathutils.LOG_DIR, "os", "add-deb-web1.example.com-"))
    assert "created for web1.example.com" in open(logfile).read()


def test_api10_gets_no_15_only_variables(osdirs, tmp_path):
    MakeOs(osdirs[0], "old", api=(10,))
    inst, paths = Instance(tmp_path, "old")
    bos.InstanceOsAdd(inst, False, 0, paths)
    env = ReadEnv(paths[0])
    assert env["OS_API_VERSION"] == "10"
    assert env["HYPERVISOR"] == "kvm"
    leaked = sorted(k for k in env if k in ("INSTANCE_HYPERVISOR", "OS_VARIANT")
                    or k.startswith(("INSTANCE_HV_", "INSTANCE_BE_")))
    assert leaked == []
    assert "INSTANCE_REINSTALL" not in env


def test_highest_common_version_used(osdirs):
    MakeOs(osdirs[0], "future", api=(10, 15, 20))
    assert bos.ApiVersion(bos.OSFromDisk("future")) == 15


def test_disk_paths_must_match(osdirs, tmp_path):
    MakeOs(osdirs[0], "deb", variants=["a"])
    inst, paths = Instance(tmp_path, "deb", disks=2)
    with pytest.raises(errors.ProgrammerError):
        bos.OSEnvironment(inst, bos.OSFromDisk("deb"), 0, paths[:1])


# --- failures and other scripts --------------------------------------------------------

def test_failure_shows_log_tail(osdirs, tmp_path):
    failing = "#!/bin/sh\n" + "".join("echo line%d\n" % i for i in range(30)) + \
              "echo 'debootstrap: cannot reach mirror' >&2\nexit 3\n"
    MakeOs(osdirs[0], "fails", variants=["a"], create=failing)
    inst, paths = Instance(tmp_path, "fails")
    with pytest.raises(RPCFail) as err:
        bos.InstanceOsAdd(inst, False, 0, paths)
    msg = str(err.value)
    assert "OS create script of fails failed for instance web1.example.com" in msg
    assert "exited with exit code 3" in msg
    assert "debootstrap: cannot reach mirror" in msg
    assert "line29" in msg and "line5\n" not in msg  # only the tail
    logs = os.listdir(os.path.join(pathutils.LOG_DIR, "os"))
    assert len(logs) == 1 and logs[0].startswith("add-fails-web1.example.com-")


def test_rename_export_import(osdirs, tmp_path):
    rename = "#!/bin/sh\necho \"$OLD_INSTANCE_NAME -> $INSTANCE_NAME\" > \"$DISK_0_PATH\"\n"
    export = "#!/bin/sh\necho exporting >&2\nprintf 'IMG%s' \"$EXPORT_INDEX\"\n"
    imp = "#!/bin/sh\necho importing\ncat > \"$IMPORT_DEVICE\"\n"
    MakeOs(osdirs[0], "deb", variants=["a"],
           scripts={"rename": rename, "export": export, "import": imp})
    inst, paths = Instance(tmp_path, "deb", disks=2)
    bos.RunRenameInstance(inst, "old.example.com", 0, paths)
    assert open(paths[0]).read() == "old.example.com -> web1.example.com\n"
    image = str(tmp_path / "image")
    logfile = bos.ExportInstanceDisk(inst, 1, 0, paths, image)
    assert open(image).read() == "IMG1"
    assert "exporting" in open(logfile).read()
    logfile = bos.ImportInstanceDisk(inst, 1, 0, paths, image)
    assert open(paths[1], "rb").read(4) == b"IMG1"
    assert "importing" in open(logfile).read()


# --- the example OS shipped in tools/os ----------------------------------------------------

def test_example_os_is_valid():
    os_obj = bos.OSFromDisk("ganeti-os-busybox", base_dir=os.path.dirname(EXAMPLE_OS))
    assert os_obj.api_versions == [10, 15]
    assert os_obj.supported_variants == ["marker", "ext2"]


def _ExampleOs(monkeypatch, tmp_path):
    monkeypatch.setattr(pathutils, "OS_SEARCH_PATH", os.path.dirname(EXAMPLE_OS))
    monkeypatch.setattr(pathutils, "LOG_DIR", str(tmp_path / "log"))


def test_example_os_marker_and_rename(monkeypatch, tmp_path):
    _ExampleOs(monkeypatch, tmp_path)
    inst, paths = Instance(tmp_path, "ganeti-os-busybox")
    bos.InstanceOsAdd(inst, False, 0, paths)
    assert open(paths[0], "rb").read(512).split(b"\n")[0] == \
        b"GANETI-BUSYBOX-OS variant=marker instance=web1.example.com hypervisor=kvm api=15"
    old = inst.name
    inst.name = "web2.example.com"
    bos.RunRenameInstance(inst, old, 0, paths)
    assert b"instance=web2.example.com" in open(paths[0], "rb").read(512)


def test_example_os_refuses_forced_unknown_variant(monkeypatch, tmp_path):
    _ExampleOs(monkeypatch, tmp_path)
    inst, paths = Instance(tmp_path, "ganeti-os-busybox+windows")
    with pytest.raises(RPCFail, match="unsupported variant 'windows'"):
        bos.InstanceOsAdd(inst, False, 0, paths, force_variant=True)


def test_example_os_ext2(monkeypatch, tmp_path):
    if subprocess.run(["sh", "-c", "command -v mke2fs && command -v debugfs"],
                      capture_output=True).returncode != 0:
        pytest.skip("e2fsprogs not installed")
    _ExampleOs(monkeypatch, tmp_path)
    inst, paths = Instance(tmp_path, "ganeti-os-busybox+ext2")
    bos.InstanceOsAdd(inst, False, 0, paths)
    cat = subprocess.run(["debugfs", "-R", "cat /etc/hostname", paths[0]],
                         capture_output=True, text=True)
    assert cat.stdout.strip() == "web1.example.com"
    old = inst.name
    inst.name = "web3.example.com"
    bos.RunRenameInstance(inst, old, 0, paths)
    cat = subprocess.run(["debugfs", "-R", "cat /etc/hostname", paths[0]],
                         capture_output=True, text=True)
    assert cat.stdout.strip() == "web3.example.com"
