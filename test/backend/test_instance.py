"""The node side of instances and their disks (backend.instance, backend.blockdev).

Runs as a node of a virtual cluster (noderoot): real file disks under the
node's file storage dir (named by its ssconf), the fake hypervisor's state
files, the example OS from tools/os.
"""

import os
import shutil

import pytest

from ganeti import constants, objects, pathutils, ssconf
from ganeti.backend import RPCFail, blockdev
from ganeti.backend import instance as binst

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FS_DIR = "/srv/ganeti/file-storage"


@pytest.fixture
def node(noderoot):
    ssconf.WriteSsconfFiles({constants.SS_FILE_STORAGE_DIR: FS_DIR,
                             constants.SS_NODE_SECONDARY_IPS: "node1.example.com 127.0.0.1"})
    os_dir = noderoot / "srv" / "ganeti" / "os"
    os_dir.mkdir(parents=True)
    shutil.copytree(os.path.join(TOP, "tools", "os", "ganeti-os-busybox"), os_dir / "busybox")
    return noderoot


def _FileDisk(idx=0, size=8, inst="inst1"):
    return objects.Disk(dev_type=constants.LD_FILE, size=size, iv_name="disk/%d" % idx,
                        logical_id=["loop", "%s/%s/disk%d" % (FS_DIR, inst, idx)])


def _Instance(name="inst1", disks=(), hv=constants.HT_FAKE, os_name="busybox+marker"):
    return objects.Instance(name=name, uuid="u-" + name, primary_node="node1.example.com",
                            os=os_name, hypervisor=hv,
                            hvparams=dict(constants.HVC_DEFAULTS[hv]),
                            beparams={constants.BE_MEMORY: 64, constants.BE_VCPUS: 1},
                            nics=[], disks=list(disks), disk_template=constants.DT_FILE)


def _Local(node, path):
    return str(node) + path


def test_file_disk_lifecycle(node):
    disk = _FileDisk(size=16)
    assert blockdev.FileStorageDirCreate(FS_DIR + "/inst1") == _Local(node, FS_DIR + "/inst1")
    path = blockdev.BlockdevCreate(disk, 16, "inst1", True, "originstname+inst1", {})
    assert path == _Local(node, FS_DIR + "/inst1/disk0")
    assert os.path.getsize(path) == 16 << 20
    assert blockdev.BlockdevAssemble(disk, "inst1", True, {}) == path
    assert blockdev.BlockdevFind(disk)["is_degraded"] is False
    blockdev.BlockdevGrow(disk, 8, True)
    assert os.path.getsize(path) == 16 << 20, "a dry run changes nothing"
    blockdev.BlockdevGrow(disk, 8, False)
    assert os.path.getsize(path) == 24 << 20
    assert blockdev.BlockdevGetSizes([disk]) == [24]
    with pytest.raises(RPCFail, match="already exists"):
        blockdev.BlockdevCreate(disk, 16, "inst1", True, "", {})
    with pytest.raises(RPCFail, match="not empty|Directory not empty"):
        blockdev.FileStorageDirRemove(FS_DIR + "/inst1")
    blockdev.BlockdevRemove(disk)
    assert not os.path.exists(path) and blockdev.BlockdevFind(disk) is None
    blockdev.BlockdevRemove(disk)  # already gone is fine
    blockdev.FileStorageDirRemove(FS_DIR + "/inst1")
    assert not os.path.exists(_Local(node, FS_DIR + "/inst1"))


def test_file_disks_stay_inside_the_storage_dir(node):
    outside = objects.Disk(dev_type=constants.LD_FILE, size=1, iv_name="disk/0",
                           logical_id=["loop", "/etc/ganeti/evil"])
    with pytest.raises(RPCFail, match="outside the file storage"):
        blockdev.BlockdevCreate(outside, 1, "x", True, "", {})
    with pytest.raises(RPCFail, match="outside the file storage"):
        blockdev.FileStorageDirCreate(FS_DIR + "/../../etc")
    with pytest.raises(RPCFail, match="Size mismatch"):
        blockdev.BlockdevCreate(_FileDisk(size=4), 5, "x", True, "", {})


def test_file_storage_space_and_rename(node):
    space = blockdev.FileStorageSpace()
    assert 0 < space["free"] <= space["total"], "measured on the nearest existing parent"
    blockdev.FileStorageDirCreate(FS_DIR + "/old")
    blockdev.FileStorageDirRename(FS_DIR + "/old", FS_DIR + "/new")
    assert os.path.isdir(_Local(node, FS_DIR + "/new"))
    blockdev.FileStorageDirRename(FS_DIR + "/old", FS_DIR + "/new")  # done already is fine


def test_missing_ssconf_refuses_file_disks(noderoot):
    with pytest.raises(RPCFail, match="No file storage directory"):
        blockdev.FileStorageSpace()
    with pytest.raises(RPCFail, match="No file storage directory"):
        blockdev.BlockdevCreate(_FileDisk(), 8, "x", True, "", {})


def _WithDisk(node, name="inst1"):
    disk = _FileDisk(inst=name)
    blockdev.FileStorageDirCreate(FS_DIR + "/" + name)
    blockdev.BlockdevCreate(disk, disk.size, name, True, "", {})
    return _Instance(name, disks=[disk])


def test_start_links_disks_and_shutdown_unlinks(node):
    inst = _WithDisk(node)
    binst.StartInstance(inst)
    link = os.path.join(pathutils.DISK_LINKS_DIR, "inst1:0")
    assert os.readlink(link) == _Local(node, FS_DIR + "/inst1/disk0")
    assert binst.GetInstanceList([constants.HT_FAKE]) == ["inst1"]
    info = binst.GetInstanceInfo("inst1", constants.HT_FAKE)
    assert (info["memory"], info["vcpus"], info["state"]) == (64, 1, "running")
    assert binst.GetAllInstancesInfo([constants.HT_FAKE])["inst1"]["memory"] == 64
    binst.StartInstance(inst)  # already running: fine
    binst.InstanceMigratable(inst)
    binst.InstanceReboot(inst, constants.INSTANCE_REBOOT_SOFT, 10)
    binst.InstanceReboot(inst, constants.INSTANCE_REBOOT_HARD, 10)
    assert binst.GetInstanceList([constants.HT_FAKE]) == ["inst1"]
    binst.InstanceShutdown(inst, 10)
    assert not os.path.lexists(link) and binst.GetInstanceInfo("inst1", "fake") == {}
    binst.InstanceShutdown(inst, 10)  # idempotent
    with pytest.raises(RPCFail, match="not running"):
        binst.InstanceReboot(inst, constants.INSTANCE_REBOOT_SOFT, 10)
    with pytest.raises(RPCFail, match="not running"):
        binst.GetInstanceConsole(inst)


def test_shutdown_cleans_up_after_a_kvm_guest_that_died(node):
    from ganeti.hypervisor.hv_kvm import runtime
    inst = _Instance(hv=constants.HT_KVM)
    paths = runtime.RuntimePaths(pathutils.KVM_INSTANCE_DIR, "inst1")
    paths.Prepare()
    with open(paths.pidfile, "w") as fh:
        fh.write("%d\n" % (2 ** 22 + 1))  # above pid_max: its qemu is gone
    runtime.WriteRuntime(paths, runtime.StartSpec.FromInstance(inst, []), "tcg", ["qemu"], 0.0)
    assert binst.GetInstanceList([constants.HT_KVM]) == []
    binst.InstanceShutdown(inst, 10)
    leftovers = [p for p in (paths.pidfile, paths.runtime, paths.nic_dir, paths.chroot)
                 if os.path.exists(p)]
    assert leftovers == [], "a removed instance would keep these forever"


def test_start_needs_the_disks(node):
    inst = _Instance(disks=[_FileDisk()])
    with pytest.raises(RPCFail, match="not set up on this node"):
        binst.StartInstance(inst)
    assert binst.GetInstanceList([constants.HT_FAKE]) == []


def test_full_reboot_is_the_masters_job(node):
    inst = _WithDisk(node)
    binst.StartInstance(inst)
    with pytest.raises(RPCFail, match="full reboots are done by the master"):
        binst.InstanceReboot(inst, constants.INSTANCE_REBOOT_FULL, 10)


def test_console_of_the_fake_hypervisor(node):
    inst = _Instance()
    binst.StartInstance(inst)
    console = binst.GetInstanceConsole(inst)
    assert console["kind"] == constants.CONS_MESSAGE and "fake" in console["message"]


def test_fake_migration_moves_the_state(node):
    inst = _Instance()
    binst.StartInstance(inst)
    info = binst.MigrationInfo(inst)
    binst.MigrateInstance(inst, "127.0.0.2", True)
    assert binst.GetInstanceList([constants.HT_FAKE]) == []
    binst.AcceptInstance(inst, info, "127.0.0.1")
    binst.FinalizeMigration(inst, info, True)
    assert binst.GetInstanceList([constants.HT_FAKE]) == ["inst1"]


def test_validate_os_and_variants(node):
    assert binst.ValidateOS("busybox", False)["variant"] == "marker"
    assert binst.ValidateOS("busybox+ext2", False)["variants"] == ["marker", "ext2"]
    with pytest.raises(RPCFail, match="Unsupported variant 'x'"):
        binst.ValidateOS("busybox+x", False)
    assert binst.ValidateOS("busybox+x", True)["variant"] == "x"
    with pytest.raises(RPCFail, match="not found in search path"):
        binst.ValidateOS("nosuchos", False)


def test_os_add_writes_the_disk_and_failures_carry_the_log(node):
    inst = _WithDisk(node)
    log = binst.InstanceOsAdd(inst, False, 0)
    assert os.path.isfile(log)
    with open(_Local(node, FS_DIR + "/inst1/disk0"), "rb") as fh:
        assert fh.read(64).startswith(b"GANETI-BUSYBOX-OS variant=marker instance=inst1")
    inst.os = "busybox+weird"
    with pytest.raises(RPCFail, match="(?s)failed for instance inst1.*unsupported variant"):
        binst.InstanceOsAdd(inst, True, 0)
    inst.os = "busybox+marker"
    inst.name = "inst2"
    with pytest.raises(RPCFail, match="not set up"):
        binst.RunRenameInstance(_Instance("inst2", disks=[_FileDisk(inst="inst2")]), "inst1", 0)


def test_hv_params_and_bridges(node):
    binst.ValidateHVParams(constants.HT_KVM, dict(constants.HVC_DEFAULTS[constants.HT_KVM],
                                                  kernel_path=""))
    with pytest.raises(RPCFail, match="kernel_path"):
        binst.ValidateHVParams(constants.HT_KVM, {"kernel_path": "/nonexistent/vmlinuz"})
    with pytest.raises(RPCFail, match="Unknown or unsupported hypervisor"):
        binst.ValidateHVParams("xen-pvm", {})
    binst.BridgesExist([])
    with pytest.raises(RPCFail, match="Missing bridges gnt-no-such-br"):
        binst.BridgesExist(["gnt-no-such-br"])
