"""tools/cfgupgrade on a Ganeti 2.0-style configuration."""

import os
import shutil
import subprocess
import sys

import pytest

from ganeti import config, constants, serializer

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(TOP, "tools", "cfgupgrade")
FIXTURE = os.path.join(TOP, "test", "data", "config-2.0.json")


def _Run(path, *args):
    return subprocess.run([sys.executable, TOOL, "--path", path] + list(args),
                          capture_output=True, text=True)


@pytest.fixture
def cfg_file(tmp_path):
    path = str(tmp_path / "config.data")
    shutil.copy(FIXTURE, path)
    return path


def _Load(path):
    with open(path) as fh:
        return serializer.LoadJson(fh.read())


def test_upgrade_20(cfg_file):
    result = _Run(cfg_file, "-v")
    assert result.returncode == 0, result.stderr
    assert "2000000 -> %d" % constants.CONFIG_VERSION in result.stdout
    data = _Load(cfg_file)
    assert data["version"] == constants.CONFIG_VERSION
    assert data["serial_no"] == 58
    uuids = [data["cluster"]["uuid"]] + [n["uuid"] for n in data["nodes"].values()] + \
        [i["uuid"] for i in data["instances"].values()]
    assert len(set(uuids)) == 6 and all(len(u) == 36 for u in uuids)
    web = data["instances"]["web1.example.com"]
    assert web["nics"][0]["nicparams"] == {"mode": "bridged", "link": "xen-br1"}
    assert "bridge" not in web["nics"][0]
    assert web["nics"][1]["nicparams"] == {}
    assert "migration_port" not in web["hvparams"] and web["hvparams"]["acpi"] is False
    cluster = data["cluster"]
    assert cluster["nicparams"]["default"] == {"mode": "bridged", "link": "xen-br0"}
    assert "default_bridge" not in cluster and "default_hypervisor" not in cluster
    assert cluster["enabled_hypervisors"] == ["xen-pvm", "kvm"]
    assert cluster["hvparams"]["kvm"]["migration_port"] == 8102, "cluster keeps globals"
    # the upgraded file loads in the master's writer, every object findable by UUID
    cfg = config.ConfigWriter(cfg_file, offline=True)
    assert cfg.ExpandInstanceName(web["uuid"]) == "web1.example.com"
    assert cfg.GetInstanceInfo("web1.example.com").secondary_nodes == ["node2.example.com"]
    assert cfg.GetNodeInfo("node3.example.com").offline is True
    # the original is kept
    backups = [f for f in os.listdir(os.path.dirname(cfg_file)) if ".backup-" in f]
    assert len(backups) == 1
    with open(os.path.join(os.path.dirname(cfg_file), backups[0])) as fh, open(FIXTURE) as orig:
        assert fh.read() == orig.read()


def test_idempotent(cfg_file):
    assert _Run(cfg_file).returncode == 0
    with open(cfg_file) as fh:
        first = fh.read()
    result = _Run(cfg_file)
    assert result.returncode == 0 and "already up to date" in result.stdout
    with open(cfg_file) as fh:
        assert fh.read() == first, "a second run changes nothing (UUIDs preserved)"


def test_dry_run_writes_nothing(cfg_file):
    with open(cfg_file) as fh:
        before = fh.read()
    result = _Run(cfg_file, "--dry-run")
    assert result.returncode == 0 and "dry run" in result.stdout
    with open(cfg_file) as fh:
        assert fh.read() == before


def test_garbage_refused_untouched(cfg_file):
    with open(cfg_file, "w") as fh:
        fh.write('{"version": 2000000, "cluster": ')
    result = _Run(cfg_file)
    assert result.returncode == 1
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    with open(cfg_file) as fh:
        assert fh.read() == '{"version": 2000000, "cluster": '


def test_unknown_version_refused(cfg_file):
    data = _Load(cfg_file)
    data["version"] = 1020000
    with open(cfg_file, "w") as fh:
        fh.write(serializer.DumpJson(data))
    result = _Run(cfg_file)
    assert result.returncode == 1 and "1020000 not supported" in result.stderr
