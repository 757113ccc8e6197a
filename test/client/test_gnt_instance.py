"""gnt-instance and gnt-os command lines: the opcodes they build and what they print."""

import pytest

from ganeti import cli, constants, errors, opcodes
from ganeti.cli import jobs
from ganeti.client import gnt_instance, gnt_os


class _Luxi:
    def __init__(self, rows=None):
        self.rows = rows or []
        self.queries = []

    def QueryInstances(self, names, fields, use_locking):
        self.queries.append((names, fields, use_locking))
        return self.rows


class _Ops(list):
    def __init__(self):
        super().__init__()
        self.results = []


@pytest.fixture
def submitted(monkeypatch):
    """Opcodes the command submits; each returns results.pop(0) (default None)."""
    ops = _Ops()
    results = ops.results

    def _Submit(op, opts=None, cl=None, feedback_fn=None):
        jobs.SetGenericOpcodeOpts([op], opts)
        op.Validate()
        ops.append(op)
        return results.pop(0) if results else None

    monkeypatch.setattr(cli, "SubmitOrSend", _Submit)
    monkeypatch.setattr(cli, "SubmitOpCode", lambda op, opts=None, **kw: _Submit(op, opts))
    return ops


def _Run(*argv):
    return cli.GenericMain(gnt_instance.commands, gnt_instance.aliases,
                           argv=["gnt-instance"] + list(argv))


def test_add_builds_the_create_opcode(submitted):
    rc = _Run("add", "-t", "file", "-o", "busybox+ext2", "-n", "node2:node3",
              "--disk", "1:size=1G,mode=ro", "--disk", "0:size=512M",
              "--net", "0:mode=routed,ip=192.0.2.5", "--net", "1:link=br1",
              "-B", "memory=256M", "-H", "kvm:acpi=false,kernel_path=/boot/k",
              "--no-start", "--no-name-check", "--force-variant", "--file-storage-dir", "sub",
              "inst1")
    assert rc == 0
    op, = submitted
    assert isinstance(op, opcodes.OpInstanceCreate)
    assert (op.instance_name, op.os_type, op.pnode, op.snode) == ("inst1", "busybox+ext2",
                                                                 "node2", "node3")
    assert op.disks == [{"size": 512}, {"size": 1024, "mode": "ro"}]
    assert op.nics == [{"mode": "routed", "ip": "192.0.2.5"}, {"link": "br1"}]
    assert op.hypervisor == "kvm" and op.hvparams == {"acpi": "false", "kernel_path": "/boot/k"}
    assert op.beparams == {"memory": "256M"} and op.start is False and op.force_variant
    assert op.name_check is False and op.ip_check is False, "no name check implies no IP check"
    assert op.file_storage_dir == "sub" and op.mode == constants.INSTANCE_CREATE


def test_add_defaults_and_shortcuts(submitted):
    _Run("add", "-t", "diskless", "-o", "busybox", "-n", "node2", "inst1")
    _Run("add", "-t", "plain", "-o", "busybox", "-n", "node2", "-s", "2G", "--no-nics",
         "-H", "kernel_path=/boot/k", "inst2")
    first, second = submitted
    assert first.nics == [{}] and first.disks == [] and first.hypervisor is None
    assert first.name_check and first.ip_check and first.start
    assert second.disks == [{"size": 2048}] and second.nics == []
    assert second.hypervisor is None and second.hvparams == {"kernel_path": "/boot/k"}


@pytest.mark.parametrize("args, message", [
    (["-t", "file", "-o", "b", "-n", "n", "x"], "No disk information"),
    (["-t", "file", "-o", "b", "-n", "n", "--disk", "1:size=1G", "x"], "without gaps"),
    (["-t", "file", "-o", "b", "-n", "n", "--disk", "a:size=1G", "x"], "Invalid --disk"),
    (["-t", "file", "-o", "b", "-n", "n", "--disk", "0:size=1G", "-s", "1G", "x"], "not both"),
    (["-t", "file", "-o", "b", "-n", "n", "--disk", "0:size=lots", "x"], "Invalid disk size"),
    (["-t", "diskless", "-n", "n", "x"], "give the OS"),
    (["-t", "diskless", "-o", "b", "--no-nics", "--net", "0:ip=1.2.3.4", "x"], "exclude"),
])
def test_add_refusals(submitted, capsys, args, message):
    assert _Run("add", *args) == 1
    assert message in capsys.readouterr().err
    assert submitted == []


def test_dry_run_prints_the_nodes(submitted, capsys):
    submitted.results.append(["node2.example.com"])
    _Run("add", "-t", "diskless", "-o", "busybox", "-n", "node2", "--dry-run", "inst1")
    assert submitted[0].dry_run is True
    assert "would be placed on node2.example.com" in capsys.readouterr().out


def test_modify(submitted, capsys):
    submitted.results.append([("be/memory", 512), ("disk/1", "add:size=1024,mode=rw")])
    _Run("modify", "-B", "memory=512", "-H", "acpi=no", "--disk", "add:size=1G",
         "--disk", "0:mode=ro", "--net", "remove", "--net", "0:ip=192.0.2.1", "inst1")
    op, = submitted
    assert op.disks == [["add", {"size": 1024}], [0, {"mode": "ro"}]]
    assert op.nics == [["remove", {}], [0, {"ip": "192.0.2.1"}]]
    assert op.hvparams == {"acpi": "no"} and op.beparams == {"memory": "512"}
    out = capsys.readouterr().out
    assert "be/memory -> 512" in out and "disk/1 -> add:size=1024" in out
    assert _Run("modify", "inst1") == 1, "nothing to change"
    assert _Run("modify", "--disk", "first:size=1G", "inst1") == 1


def test_power_commands(submitted, monkeypatch):
    _Run("startup", "-H", "acpi=no", "-B", "memory=64", "inst1")
    _Run("stop", "--timeout", "5", "inst1")
    _Run("reboot", "-t", "full", "--shutdown-timeout", "7", "inst1")
    start, stop, reboot = submitted
    assert isinstance(start, opcodes.OpInstanceStartup) and start.hvparams == {"acpi": "no"}
    assert isinstance(stop, opcodes.OpInstanceShutdown) and stop.timeout == 5
    assert (reboot.reboot_type, reboot.shutdown_timeout) == ("full", 7)


def test_several_instances_run_as_parallel_jobs(monkeypatch):
    queued = []

    class _Jex:
        def __init__(self, opts=None):
            pass

        def QueueJob(self, name, op):
            queued.append((name, op))

        def WaitOrShow(self, wait):
            return [(True, None), (False, "failed")]

    monkeypatch.setattr(cli, "JobExecutor", _Jex)
    assert _Run("startup", "a", "b") == 1, "one failed job fails the command"
    assert [name for name, _ in queued] == ["a", "b"]


def test_confirmations(submitted, monkeypatch):
    monkeypatch.setattr(cli, "AskUser", lambda text, choices=None: False)
    for command in ("remove", "reinstall", "failover", "migrate"):
        assert _Run(command, "inst1") == 1
    assert submitted == []
    _Run("remove", "-f", "--ignore-failures", "inst1")
    _Run("migrate", "-f", "--non-live", "inst1")
    assert submitted[0].ignore_failures and submitted[1].live is False


def test_rename_and_grow(submitted, capsys):
    submitted.results.append("new.example.com")
    _Run("rename", "--no-name-check", "old", "new")
    _Run("grow-disk", "--no-wait-for-sync", "inst1", "0", "2G")
    rename, grow = submitted
    assert (rename.new_name, rename.ip_check, rename.name_check) == ("new", False, False)
    assert (grow.disk, grow.amount, grow.wait_for_sync) == (0, 2048, False)
    assert "renamed to 'new.example.com'" in capsys.readouterr().out


def test_list_formats_values(monkeypatch, capsys):
    luxi = _Luxi([["inst1", True, False, 128 * 1024, ["n2", "n3"], 1e9, None],
                  ["inst2", False, None, None, [], None, None]])
    monkeypatch.setattr(cli, "GetClient", lambda: luxi)
    _Run("list", "-o", "name,admin_state,oper_state,oper_ram,snodes,ctime,disk.size/0",
         "--units", "g")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Instance", "Autostart", "Running", "Memory",
                                "Secondary_Nodes", "CTime", "Disk/0"]
    assert lines[1].split()[:5] == ["inst1", "yes", "stopped", "128.0", "n2,n3"]
    assert lines[2].split() == ["inst2", "no", "-", "-", "-", "-", "-"]
    _Run("list", "--no-headers", "--separator=|", "-o", "name,status", "inst1")
    assert luxi.queries[-1] == (["inst1"], ["name", "status"], False)


def test_console_builds_the_ssh_command(submitted, monkeypatch, capsys):
    from ganeti import ssconf, ssh
    monkeypatch.setattr(ssconf.SimpleStore, "GetClusterName", lambda self: "cluster.x")
    monkeypatch.setattr(ssh.netutils.Hostname, "Resolve",
                        staticmethod(lambda name: (name, "192.0.2.2")))
    submitted.results.append({"kind": constants.CONS_SSH, "host": "node2", "user": "root",
                              "command": ["socat", "STDIO", "UNIX-CONNECT:/run/x.serial"]})
    assert _Run("console", "--show-cmd", "inst1") == 0
    out = capsys.readouterr().out
    assert "root@192.0.2.2" in out and "UNIX-CONNECT:/run/x.serial" in out
    assert "-oHostKeyAlias=cluster.x" in out
    submitted.results.append({"kind": constants.CONS_MESSAGE, "message": "no console here"})
    assert _Run("console", "inst1") == 1
    assert "no console here" in capsys.readouterr().out


def test_info_needs_names_or_all(submitted, capsys):
    assert _Run("info") == 1
    assert "--all" in capsys.readouterr().err


def test_gnt_os_list_and_diagnose(monkeypatch, capsys):
    rows = [["busybox", True, ["marker", "ext2"],
             {"n1": [["/srv/ganeti/os/busybox", True, "", ["marker", "ext2"], [], [10, 15]]]}],
            ["broken", False, [],
             {"n1": [["/srv/ganeti/os/broken", False, "script 'create' is missing", [], [],
                      []]], "n2": []}]]
    seen = []
    monkeypatch.setattr(cli, "SubmitOpCode", lambda op, opts=None: seen.append(op) or rows)
    assert cli.GenericMain(gnt_os.commands, argv=["gnt-os", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Name", "busybox+ext2", "busybox+marker"]
    assert cli.GenericMain(gnt_os.commands, argv=["gnt-os", "diagnose"]) == 1
    out = capsys.readouterr().out
    assert "OS: broken [global status: invalid]" in out
    assert "invalid - script 'create' is missing" in out and "Node: n2, status: missing" in out
    assert seen[0].output_fields == ["name", "valid", "variants", "node_status"]


def test_hypervisor_option_forms():
    parse = gnt_instance._ParseHypervisorOption
    assert parse("kvm") == ("kvm", {})
    assert parse("kvm:acpi=no") == ("kvm", {"acpi": "no"})
    assert parse("kernel_path=/a:b,acpi=no") == (None, {"kernel_path": "/a:b", "acpi": "no"})
    assert parse(None) == (None, {})
    with pytest.raises(errors.ParameterError):
        parse("kvm:a=1,a=2")
