"""Issue 6 end to end: the instance lifecycle on a real 3-node virtual cluster.

gnt-cluster init + gnt-node add build the cluster (sshd, noded, masterd,
confd per node); every node gets the example OS (tools/os/ganeti-os-busybox)
in its OS search path. The fake hypervisor runs each operation; the KVM
tests boot the test guest under qemu (TCG is fine) from a file disk the OS
installed, and read its serial console.
"""

import json
import os
import re
import shutil
import sys
import time

import pytest
import testutils
import vclusterutils

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "hypervisor"))

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not vclusterutils.TestCluster.Available(),
                                 reason="needs root, sshd and ssh")]

N1, N2, N3 = ("node%d.example.com" % i for i in (1, 2, 3))
FS = "/srv/ganeti/file-storage"
OS_SRC = os.path.join(vclusterutils.TOP, "tools", "os", "ganeti-os-busybox")
NOCHECK = ["--no-name-check"]


@pytest.fixture(scope="module")
def tc():
    with vclusterutils.TestCluster(nodes=3) as cluster:
        cluster.Init(hypervisors="fake,kvm")
        cluster.AddNodes()
        for node in cluster.names:
            shutil.copytree(OS_SRC, cluster.Root(node) + "/srv/ganeti/os/busybox")
        hooks = cluster.Root(N1) + "/etc/ganeti/hooks/instance-add-post.d"
        os.makedirs(hooks)
        with open(hooks + "/dump-env", "w") as fh:
            fh.write("#!/bin/sh\nenv > \"%s/hook-env-$GANETI_INSTANCE_NAME\"\n"
                     % cluster.directory)
        os.chmod(hooks + "/dump-env", 0o755)
        yield cluster


def _Gi(tc, *args, check=True, node=N1):
    return tc.Gnt(node, "gnt-instance", *args, check=check)


def _Add(tc, name, *args, check=True, template="diskless", pnode=N2, os_name="busybox"):
    return _Gi(tc, "add", "-t", template, "-o", os_name, "-n", pnode, *NOCHECK, *args, name,
               check=check)


def _Rows(tc, fields, *names):
    out = _Gi(tc, "list", "--no-headers", "--separator=|", "-o", fields, *names).stdout
    return [line.split("|") for line in out.splitlines() if line]


def _Names(tc):
    return [row[0] for row in _Rows(tc, "name")]


def _ConfigInstances(tc):
    with open(tc.Root(N1) + "/var/lib/ganeti/config.data") as fh:
        return sorted(json.load(fh)["instances"])


def _Files(tc, node, path=FS):
    root = tc.Root(node) + path
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def _Refused(tc, name, *args, match, template="diskless", os_name="busybox", pnode=N2):
    result = _Add(tc, name, *args, check=False, template=template, os_name=os_name, pnode=pnode)
    assert result.returncode == 1, result.stdout
    assert re.search(match, result.stderr), result.stderr
    assert name not in _Names(tc) and name not in _ConfigInstances(tc)
    for node in tc.names:
        assert name not in _Files(tc, node), "left a file storage dir on %s" % node
    return result.stderr


# --- the fake hypervisor: every operation ------------------------------------------------

def test_os_list_and_diagnose(tc):
    assert _Gi(tc, "list").returncode == 0
    out = tc.Gnt(N1, "gnt-os", "list").stdout.split()
    assert out == ["Name", "busybox+ext2", "busybox+marker"]
    diag = tc.Gnt(N1, "gnt-os", "diagnose").stdout
    assert "OS: busybox [global status: valid]" in diag
    assert all("Node: %s, status: valid" % n in diag for n in tc.names)


def test_diskless_lifecycle_by_name_and_uuid(tc):
    result = _Add(tc, "dl1", "-H", "fake", "-B", "memory=64")
    assert "starting instance" in result.stdout, "the job log is printed as it runs"
    uuid = _Rows(tc, "uuid", "dl1")[0][0]
    assert _Rows(tc, "name,pnode,status,oper_ram,hypervisor,be/memory", uuid) == [
        ["dl1", N2, "running", "64", "fake", "64"]]
    assert os.path.exists(tc.Root(N2) + "/var/run/ganeti/fake-hypervisor/dl1")
    _Gi(tc, "shutdown", uuid)
    assert _Rows(tc, "status,oper_state", "dl1") == [["ADMIN_down", "stopped"]]
    _Gi(tc, "startup", "-B", "memory=96", "dl1")
    assert _Rows(tc, "oper_ram,be/memory", "dl1") == [["96", "64"]], "one-off memory"
    for kind in ("soft", "hard", "full"):
        _Gi(tc, "reboot", "-t", kind, "dl1")
        assert _Rows(tc, "status", "dl1") == [["running"]]
    info = _Gi(tc, "info", uuid).stdout
    assert "Instance name: dl1" in info and "UUID: %s" % uuid in info
    assert "State: configured to be up, actual state is up" in info
    assert "migration_port" not in info, "global parameters are never shown per instance"
    env = open(os.path.join(tc.directory, "hook-env-dl1")).read()
    assert "GANETI_INSTANCE_PRIMARY=%s" % N2 in env and "GANETI_INSTANCE_NIC_COUNT=1" in env
    assert "GANETI_HOOKS_PHASE=post" in env and "GANETI_INSTANCE_HV_migration_port" in env
    console = _Gi(tc, "console", "dl1", check=False)
    assert console.returncode == 1 and "not available for fake" in console.stdout
    _Gi(tc, "remove", "-f", "dl1")
    assert "dl1" not in _Names(tc) and _ConfigInstances(tc) == []
    assert not os.path.exists(tc.Root(N2) + "/var/run/ganeti/fake-hypervisor/dl1")


def test_dry_run(tc):
    result = _Add(tc, "dry1", "--dry-run", "-t", "file", "--disk", "0:size=8M")
    assert "would be placed on %s" % N2 in result.stdout
    assert "dry1" not in _Names(tc) and _Files(tc, N2) == []


def test_file_instance_os_rename_modify_grow(tc):
    _Add(tc, "web1", "--disk", "0:size=16M", "-H", "fake", template="file",
         os_name="busybox+marker", pnode=N3)
    disk = tc.Root(N3) + FS + "/web1/disk0"
    with open(disk, "rb") as fh:
        assert fh.read(80).startswith(b"GANETI-BUSYBOX-OS variant=marker instance=web1"
                                      b" hypervisor=fake api=15")
    refused = _Gi(tc, "reinstall", "-f", "web1", check=False)
    assert refused.returncode == 1 and "marked to be up" in refused.stderr
    _Gi(tc, "shutdown", "web1")
    refused = _Gi(tc, "reinstall", "-f", "-o", "busybox+gold", "web1", check=False)
    assert "Unsupported variant 'gold'" in refused.stderr and "--force-variant" in refused.stderr
    forced = _Gi(tc, "reinstall", "-f", "-o", "busybox+gold", "--force-variant", "web1",
                 check=False)
    assert forced.returncode == 1
    assert "unsupported variant 'gold'" in forced.stderr, "the OS log is in the job's error"
    assert "last lines of" in forced.stderr
    _Gi(tc, "reinstall", "-f", "-o", "busybox+marker", "web1")
    _Gi(tc, "rename", "--no-name-check", "web1", "web2")
    assert _Files(tc, N3) == ["web2"]
    with open(tc.Root(N3) + FS + "/web2/disk0", "rb") as fh:
        assert b"instance=web2" in fh.read(80), "the OS rename script ran"
    out = _Gi(tc, "modify", "-B", "vcpus=2", "--net", "add:mode=routed,ip=192.0.2.10",
              "--disk", "add:size=8M", "web2").stdout
    assert "be/vcpus -> 2" in out and "disk/1 -> add:size=8" in out
    assert _Rows(tc, "disk.sizes,nic.modes,nic.ips,vcpus", "web2") == [
        ["16,8", "bridged,routed", "-,192.0.2.10", "2"]]
    assert os.path.getsize(tc.Root(N3) + FS + "/web2/disk1") == 8 << 20
    _Gi(tc, "grow-disk", "web2", "1", "8M")
    assert os.path.getsize(tc.Root(N3) + FS + "/web2/disk1") == 16 << 20
    assert _Rows(tc, "disk.size/1", "web2") == [["16"]]
    _Gi(tc, "modify", "--disk", "remove", "--net", "remove", "web2")
    assert not os.path.exists(tc.Root(N3) + FS + "/web2/disk1")
    out = _Gi(tc, "activate-disks", "web2").stdout
    assert out.strip() == "%s:disk/0:%s" % (N3, tc.Root(N3) + FS + "/web2/disk0")
    _Gi(tc, "deactivate-disks", "web2")
    os.unlink(tc.Root(N3) + FS + "/web2/disk0")
    _Gi(tc, "recreate-disks", "web2")
    assert os.path.getsize(tc.Root(N3) + FS + "/web2/disk0") == 16 << 20
    for command in ("failover", "migrate"):
        refused = _Gi(tc, command, "-f", "web2", check=False)
        assert "not network mirrored" in refused.stderr
    _Gi(tc, "startup", "web2")
    _Gi(tc, "remove", "-f", "web2")
    assert _Files(tc, N3) == [] and "web2" not in _ConfigInstances(tc)


def test_bad_input_leaves_nothing(tc):
    _Add(tc, "taken", "--net", "0:mac=aa:00:00:12:34:56,ip=192.0.2.77,mode=routed",
         "-H", "fake")
    _Refused(tc, "bad1", "-H", "fake:no_such_param=1", match="Unknown hypervisor parameter")
    _Refused(tc, "bad2", "-H", "fake:migration_port=1",
             match="global and cannot be customized at instance level")
    _Refused(tc, "bad3", "--net", "0:mode=routed", match="routed mode requires an IP")
    dup = _Add(tc, "taken", "-H", "fake", check=False)
    assert dup.returncode == 1 and "Instance 'taken' is already in the cluster" in dup.stderr
    assert _ConfigInstances(tc) == ["taken"]
    _Refused(tc, "bad4", "--net", "0:mac=aa:00:00:12:34:56", match="MAC address .* in use")
    _Refused(tc, "bad5", "--net", "0:ip=192.0.2.77", match="IP address 192.0.2.77 already in"
             " use by instance taken")
    _Refused(tc, "bad6", os_name="nosuchos", match="Cannot use OS 'nosuchos'")
    _Refused(tc, "bad7", "--disk", "0:size=64T", template="file",
             match="Not enough disk space on target node")
    _Refused(tc, "bad8", "--disk", "0:size=8M", template="file", os_name="busybox+nope",
             match="Unsupported variant 'nope'")
    _Refused(tc, "bad9", "--disk", "0:size=8M", template="drbd", match="need a mirror node|"
             "does not support lvm-based instances")
    _Refused(tc, "bad10", "-B", "memory=64T", match="Not enough memory on node")
    err = _Refused(tc, "bad11", "--disk", "0:size=8M", "--force-variant", template="file",
                   os_name="busybox+nope", match="Could not add os for instance bad11")
    assert "unsupported variant 'nope'" in err and "last lines of" in err
    no_node = _Gi(tc, "add", "-t", "diskless", "-o", "busybox", *NOCHECK, "bad12", check=False)
    assert "No primary node given" in no_node.stderr
    _Add(tc, "bad11", "--disk", "0:size=8M", "-H", "fake", template="file")
    assert "bad11" in _Names(tc), "a failed name can be used again"
    for name in ("taken", "bad11"):
        _Gi(tc, "remove", "-f", name)


def test_many_instances_and_status(tc):
    for idx, node in enumerate((N1, N2, N3)):
        _Add(tc, "many%d" % idx, "-H", "fake", "--no-start", pnode=node)
    _Gi(tc, "startup", "many0", "many1", "many2")
    assert _Rows(tc, "name,pnode,status") == [["many0", N1, "running"], ["many1", N2, "running"],
                                            ["many2", N3, "running"]]
    fake_dir = "/var/run/ganeti/fake-hypervisor/"
    with open(tc.Root(N3) + fake_dir + "many2") as fh:
        state = json.load(fh)
    for node, name in ((N1, "ghost1"), (N2, "many0")):  # started behind the cluster's back
        with open(tc.Root(node) + fake_dir + name, "w") as fh:
            json.dump(dict(state, name=name), fh)
    os.unlink(tc.Root(N3) + fake_dir + "many2")
    assert _Rows(tc, "name,status", "many0", "many2") == [["many0", "ERROR_wrongnode"],
                                                        ["many2", "ERROR_down"]]
    verify = tc.Gnt(N1, "gnt-cluster", "verify", "--error-codes", check=False)
    assert verify.returncode == 1
    problems = sorted(line for line in verify.stdout.splitlines() if "ERROR:" in line)
    assert problems == [
        "  - ERROR:EINSTANCEDOWN:instance:many2:instance not running on its primary node " + N3,
        "  - ERROR:EINSTANCEWRONGNODE:instance:many0:instance should not run on node " + N2,
        "  - ERROR:ENODEORPHANINSTANCE:node:%s:instance ghost1 on node %s should not exist"
        % (N1, N1)], verify.stdout
    for node, name in ((N1, "ghost1"), (N2, "many0")):
        os.unlink(tc.Root(node) + fake_dir + name)
    _Gi(tc, "shutdown", "many0", "many1", "many2")
    for name in ("many0", "many1", "many2"):
        _Gi(tc, "remove", "-f", name)


def _RunWatcher(tc):
    """ganeti-watcher on the master, then wait for the jobs it submitted."""
    tc.Gnt(N1, "ganeti-watcher")
    out = tc.Gnt(N1, "gnt-job", "list", "--no-headers", "--separator=|", "-o", "id,status").stdout
    for job_id, status in (line.split("|") for line in out.splitlines()):
        if status in ("queued", "waiting", "running"):
            tc.Gnt(N1, "gnt-job", "watch", job_id, check=False)


def _WatcherState(tc):
    with open(tc.Root(N1) + "/var/lib/ganeti/watcher.data") as fh:
        return json.load(fh)["instance"]


def test_watcher_restarts_an_instance_and_gives_up_on_a_broken_one(tc):
    _Add(tc, "wd1", "-H", "fake", pnode=N3)
    os.unlink(tc.Root(N3) + "/var/run/ganeti/fake-hypervisor/wd1")  # died behind our back
    assert _Rows(tc, "status", "wd1") == [["ERROR_down"]]
    _RunWatcher(tc)
    assert _Rows(tc, "status", "wd1") == [["running"]]
    _RunWatcher(tc)
    assert "wd1" not in _WatcherState(tc), "seen running: its restart count is reset"
    # a start that always fails: not enough memory on the node for the fake hypervisor
    _Gi(tc, "modify", "--force", "-B", "memory=64T", "wd1")
    os.unlink(tc.Root(N3) + "/var/run/ganeti/fake-hypervisor/wd1")
    for _ in range(7):
        _RunWatcher(tc)
    jobs = tc.Gnt(N1, "gnt-job", "list", "--no-headers", "--separator=|", "-o",
                  "status,summary").stdout.splitlines()
    assert jobs.count("error|INSTANCE_STARTUP(wd1)") == 5, "5 attempts, then it gave up"
    assert _WatcherState(tc)["wd1"]["restart_count"] == 6
    with open(tc.Root(N1) + "/var/log/ganeti/watcher.log") as fh:
        assert "Instance wd1 could not be restarted 5 times, giving up" in fh.read()
    assert _Rows(tc, "status", "wd1") == [["ERROR_down"]]
    _Gi(tc, "remove", "-f", "wd1")
    _RunWatcher(tc)
    assert "wd1" not in _WatcherState(tc), "a removed instance is forgotten"


# --- kvm: a real guest -----------------------------------------------------------------

@pytest.fixture(scope="module")
def guest():
    import guestutils
    return guestutils.RequireGuest()


def _SerialPath(tc, name):
    out = _Gi(tc, "console", "--show-cmd", name).stdout
    return re.search(r"UNIX-CONNECT:([^\s'\"]+)", out).group(1)


def test_kvm_guest_boots_reboots_and_stops(tc, guest):
    import guestutils
    kernel, initrd = guest
    hv = "kvm:kernel_path=%s,initrd_path=%s,root_path=,kernel_args=quiet guest_name=kvm1" % (
        kernel, initrd)
    _Add(tc, "kvm1", "--disk", "0:size=8M", "--no-nics", "-H", hv, template="file",
         os_name="busybox+marker")
    serial = guestutils.Serial(_SerialPath(tc, "kvm1"))
    try:
        first = serial.WaitFor(b"GANETI-GUEST-UP kvm1")
        assert b"GANETI-BUSYBOX-OS variant=marker instance=kvm1 hypervisor=kvm" in serial.data
        assert _Rows(tc, "status,oper_ram,hypervisor", "kvm1") == [["running", "128", "kvm"]]
        _Gi(tc, "reboot", "-t", "soft", "kvm1")
        serial.WaitFor(b"GANETI-GUEST-UP kvm1", start=first)
        started = time.monotonic()
        _Gi(tc, "shutdown", "--timeout", "60", "kvm1")
        assert time.monotonic() - started < 60, "the guest powered off on the ACPI button"
        serial.WaitFor(guestutils.POWEROFF, timeout=5)
    finally:
        serial.Close()
    assert _Rows(tc, "status", "kvm1") == [["ADMIN_down"]]
    testutils.WaitFor(lambda: not _KvmProcesses("kvm1"), what="qemu gone")
    _Gi(tc, "remove", "-f", "kvm1")
    assert _Files(tc, N2) == []


def _KvmProcesses(name):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as fh:
                args = fh.read().split(b"\0")
        except OSError:
            continue
        if b"-name" in args and args[args.index(b"-name") + 1].split(b",")[0] == name.encode():
            found.append(int(pid))
    return found
