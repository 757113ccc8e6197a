"""A cluster of fake nodes for the instance logical unit tests.

InstanceHarness runs opcodes through the real mcpu.Processor, locks and
ConfigWriter (lutestutils.LUHarness); the node daemons are a small model
that keeps per-node state (running instances, existing disks, file storage
directories, free memory and space, OS definitions), answers every
procedure the instance LUs call with real rpc.RpcResult objects, and can be
told to fail a procedure on a node. Tests then assert what the LUs did to
that state, e.g. that a failed creation left no disk anywhere.
"""

from __future__ import annotations

from typing import Any, Callable

from lutestutils import LUHarness

from ganeti import constants, locking
from ganeti.rpc import RpcResult

N1, N2, N3 = ("node%d.example.com" % i for i in (1, 2, 3))
OS_VARIANTS = {"busybox": ["marker", "ext2"], "plain-os": []}


class NodeError(Exception):
    """Raised by a fake procedure: that node's call fails with this message."""


def DiskKey(disk: Any) -> tuple:
    return (disk.dev_type, tuple(disk.logical_id))


class FakeNode:
    def __init__(self, name: str):
        self.name = name
        self.running: dict[str, dict[str, Any]] = {}
        self.disks: dict[tuple, Any] = {}  # key -> physical id it was created with
        self.children: dict[tuple, tuple] = {}  # child disk key -> its parent's key
        self.dirs: set[str] = set()
        self.memory_free = 4096
        self.file_free = 10240
        self.vg_free = 10240
        self.bridges = {"xen-br0"}


class FakeCluster:
    """The nodes' state and the procedures acting on it."""

    def __init__(self, names: list[str]):
        self.nodes = {name: FakeNode(name) for name in names}
        self.failures: dict[tuple[str, str], str] = {}
        self.calls: list[tuple[str, str, tuple]] = []
        self.os_variants = dict(OS_VARIANTS)
        self.accepted: dict[str, str] = {}  # instance -> node that accepted its migration

    def Fail(self, proc: str, node: str, message: str = "injected failure") -> None:
        self.failures[(proc, node)] = message

    def Call(self, proc: str, nodes: Any, args: tuple) -> Any:
        single = isinstance(nodes, str)
        results = {}
        for node in [nodes] if single else list(nodes):
            self.calls.append((proc, node, args))
            try:
                if (proc, node) in self.failures:
                    raise NodeError(self.failures[(proc, node)])
                handler = getattr(self, "_" + proc, None)
                payload = handler(self.nodes[node], *args) if handler else None
                results[node] = RpcResult(node, proc, payload=payload)
            except NodeError as err:
                results[node] = RpcResult(node, proc, fail_msg=str(err))
        return results[nodes] if single else results

    def Called(self, proc: str) -> list[tuple[str, tuple]]:
        return [(node, args) for name, node, args in self.calls if name == proc]

    def AllDisks(self) -> dict[str, set]:
        return {name: set(n.disks) for name, n in self.nodes.items() if n.disks}

    # --- procedures ----------------------------------------------------------
    def _hooks_runner(self, node: FakeNode, *args: Any) -> list:
        return []

    def _node_info(self, node: FakeNode, vg_name: Any, hv: Any) -> dict[str, Any]:
        return {"memory_free": node.memory_free, "vg_free": node.vg_free if vg_name else None}

    def _file_storage_space(self, node: FakeNode) -> dict[str, int]:
        return {"free": node.file_free, "total": 2 * node.file_free}

    def _os_validate(self, node: FakeNode, name: str, force: bool) -> dict[str, Any]:
        base, _, variant = name.partition("+")
        if base not in self.os_variants:
            raise NodeError("OS dir not found in search path /srv/ganeti/os")
        variants = self.os_variants[base]
        if variant and variant not in variants and not force:
            raise NodeError("Unsupported variant '%s' of OS %s; use --force-variant"
                            % (variant, base))
        return {"name": base, "variant": variant or (variants[0] if variants else ""),
                "variants": variants, "api_versions": [10, 15], "path": "/srv/ganeti/os/" + base}

    def _bridges_exist(self, node: FakeNode, bridges: list[str]) -> None:
        missing = [b for b in bridges if b not in node.bridges]
        if missing:
            raise NodeError("Missing bridges %s" % ", ".join(missing))

    def _blockdev_create(self, node: FakeNode, disk: Any, size: int, owner: str,
                         on_primary: bool, info: str, diskparams: Any) -> str:
        key = DiskKey(disk)
        if key in node.disks:
            raise NodeError("disk %s already exists" % (key,))
        node.disks[key] = disk.physical_id
        for child in disk.children:
            node.children[DiskKey(child)] = key
        return "/dev/fake/%s" % disk.iv_name

    def _blockdev_remove(self, node: FakeNode, disk: Any) -> None:
        key = DiskKey(disk)
        node.disks.pop(key, None)
        for child, parent in list(node.children.items()):
            if parent == key:
                del node.children[child]

    def _blockdev_assemble(self, node: FakeNode, disk: Any, owner: str, primary: bool,
                           diskparams: Any) -> str:
        if DiskKey(disk) not in node.disks:
            raise NodeError("disk %s not found" % disk.iv_name)
        return "/dev/fake/%s" % disk.iv_name

    def _blockdev_find(self, node: FakeNode, disk: Any) -> Any:
        if DiskKey(disk) not in node.disks and DiskKey(disk) not in node.children:
            return None
        return {"dev_path": "/dev/fake/%s" % disk.iv_name, "major": 1, "minor": 2,
                "sync_percent": None, "estimated_time": None, "is_degraded": False,
                "ldisk_status": constants.LDS_OKAY}

    def _blockdev_getmirrorstatus(self, node: FakeNode, disks: list[Any]) -> list[Any]:
        return [self._blockdev_find(node, disk) for disk in disks]

    def _drbd_wait_sync(self, node: FakeNode, nodes_ip: Any, disks: Any) -> tuple:
        return (True, 100.0)

    def _file_storage_dir_create(self, node: FakeNode, path: str) -> str:
        node.dirs.add(path)
        return path

    def _file_storage_dir_remove(self, node: FakeNode, path: str) -> None:
        if any(key[1][1].startswith(path + "/") for key in node.disks
               if key[0] == constants.LD_FILE):
            raise NodeError("directory %s not empty" % path)
        node.dirs.discard(path)

    def _file_storage_dir_rename(self, node: FakeNode, old: str, new: str) -> None:
        node.dirs.discard(old)
        node.dirs.add(new)
        for key in [k for k in node.disks if k[0] == constants.LD_FILE]:
            if key[1][1].startswith(old + "/"):
                new_key = (key[0], (key[1][0], new + key[1][1][len(old):]))
                node.disks[new_key] = node.disks.pop(key)

    def _instance_os_add(self, node: FakeNode, inst: Any, reinstall: bool, debug: int) -> str:
        return "/var/log/ganeti/os/add-%s.log" % inst.name

    def _instance_run_rename(self, node: FakeNode, inst: Any, old: str, debug: int) -> str:
        return "/var/log/ganeti/os/rename-%s.log" % inst.name

    def _instance_start(self, node: FakeNode, inst: Any) -> None:
        for disk in inst.disks:
            if DiskKey(disk) not in node.disks:
                raise NodeError("disk %s is not set up" % disk.iv_name)
        node.running[inst.name] = {"memory": inst.beparams[constants.BE_MEMORY],
                                   "vcpus": inst.beparams[constants.BE_VCPUS],
                                   "state": "running", "time": 1.0,
                                   "hvparams": dict(inst.hvparams)}

    def _instance_shutdown(self, node: FakeNode, inst: Any, timeout: int) -> None:
        node.running.pop(inst.name, None)

    def _instance_reboot(self, node: FakeNode, inst: Any, kind: str, timeout: int) -> None:
        if inst.name not in node.running:
            raise NodeError("Cannot reboot instance %s that is not running" % inst.name)

    def _instance_info(self, node: FakeNode, name: str, hv: str) -> dict[str, Any]:
        info = node.running.get(name)
        return {k: v for k, v in info.items() if k != "hvparams"} if info else {}

    def _all_instances_info(self, node: FakeNode, hvs: list[str]) -> dict[str, Any]:
        return {name: self._instance_info(node, name, "") for name in node.running}

    def _instance_list(self, node: FakeNode, hvs: list[str]) -> list[str]:
        return sorted(node.running)

    def _instance_console_info(self, node: FakeNode, inst: Any) -> dict[str, Any]:
        if inst.name not in node.running:
            raise NodeError("Instance %s is not running" % inst.name)
        return {"instance": inst.name, "kind": constants.CONS_SSH, "host": node.name,
                "user": "root", "command": ["socat", "STDIO", "UNIX-CONNECT:/x"]}

    def _migration_info(self, node: FakeNode, inst: Any) -> str:
        return "migration-info-of-%s" % inst.name

    def _accept_instance(self, node: FakeNode, inst: Any, info: str, target: str) -> None:
        self.accepted[inst.name] = node.name

    def _instance_migrate(self, node: FakeNode, inst: Any, target: str, live: bool) -> None:
        self.nodes[self.accepted.pop(inst.name)].running[inst.name] = node.running.pop(inst.name)


class InstanceRpc:
    """call_<procedure> methods over a FakeCluster (what RpcRunner offers the LUs)."""

    def __init__(self, cluster: FakeCluster):
        self._cluster = cluster

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if not name.startswith("call_"):
            raise AttributeError(name)
        proc = name[5:]
        return lambda nodes, *args: self._cluster.Call(proc, nodes, args)


class InstanceHarness(LUHarness):
    """A 3-node fake-hypervisor cluster with a volume group, its fake nodes and locks."""

    def __init__(self, tmp_path: Any, nodes: int = 3, hypervisors: list[str] | None = None):
        super().__init__(tmp_path, nodes=nodes)
        cluster = self.cfg.GetClusterInfo()
        cluster.volume_group_name = "xenvg"
        cluster.enabled_hypervisors = hypervisors or [constants.HT_FAKE]
        self.cfg.Update(cluster)
        self.nodes = FakeCluster(self.cfg.GetNodeList())
        self.rpc = InstanceRpc(self.nodes)
        self.context.rpc = self.rpc

    def Create(self, name: str = "inst1.example.com", **kwargs: Any) -> Any:
        from ganeti import opcodes
        params = dict(os_type="busybox", pnode=N2, disk_template=constants.DT_DISKLESS,
                      mode=constants.INSTANCE_CREATE, disks=[], nics=[{}], name_check=False,
                      ip_check=False)
        params.update(kwargs)
        return self.Run(opcodes.OpInstanceCreate(instance_name=name, **params))

    def InstanceLocks(self) -> set[str]:
        return set(self.context.glm._names(locking.LEVEL_INSTANCE))

    def HookEnvs(self, hpath: str, phase: str = constants.HOOKS_PHASE_PRE) -> list[dict]:
        """The hooks environments sent for hpath, without the GANETI_ prefix."""
        return [{k[len("GANETI_"):]: v for k, v in args[2].items() if k.startswith("GANETI_")}
                for _, args in self.nodes.Called("hooks_runner")
                if args[0] == hpath and args[1] == phase]
