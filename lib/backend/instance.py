"""Instances on this node: the instance_*, migration, OS and parameter procedures.

The master sends instance objects with their parameters already filled
(cluster defaults, temporary overrides) and DRBD8 physical ids computed for
this node, so what arrives here is exactly what the hypervisor must run.
Before a start the master has assembled the disks; this module finds their
devices and links them under DISK_LINKS_DIR as <instance>:<index>, so that
the paths a hypervisor records stay the same whatever the devices are
called on this node (a DRBD minor differs between the ends of a migration).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Iterable, Sequence

from ganeti import constants, errors, hypervisor, pathutils, utils
from ganeti.backend import Fail, blockdev
from ganeti.backend import os as bos


def _Hypervisor(name: str) -> Any:
    try:
        return hypervisor.GetHypervisor(name)
    except errors.HypervisorError as err:
        Fail("%s", err)


def _HvCall(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except errors.HypervisorError as err:
        Fail("%s: %s", what, err)


# --- block device links ------------------------------------------------------------

def _LinkName(instance_name: str, idx: int) -> str:
    return os.path.join(pathutils.DISK_LINKS_DIR, "%s:%d" % (instance_name, idx))


def _SymlinkAtomic(target: str, link: str) -> None:
    tmp = link + ".new"
    utils.RemoveFile(tmp)
    os.symlink(target, tmp)
    os.rename(tmp, link)


def _GatherAndLinkBlockDevs(instance: Any) -> list[tuple[Any, str]]:
    """(disk, link path) of each of the instance's (assembled) disks."""
    paths = blockdev.GetBlockDevPaths(instance.disks)
    result = []
    try:
        os.makedirs(pathutils.DISK_LINKS_DIR, mode=0o750, exist_ok=True)
        for idx, (disk, path) in enumerate(zip(instance.disks, paths)):
            link = _LinkName(instance.name, idx)
            _SymlinkAtomic(path, link)
            result.append((disk, link))
    except OSError as err:
        _RemoveBlockDevLinks(instance.name, len(instance.disks))
        Fail("Cannot link the disks of %s: %s", instance.name, err)
    return result


def _RemoveBlockDevLinks(instance_name: str, count: int) -> None:
    for idx in range(count):
        link = _LinkName(instance_name, idx)
        if os.path.islink(link):
            try:
                os.unlink(link)
            except OSError as err:
                logging.warning("Cannot remove disk link %s: %s", link, err)


# --- listing ------------------------------------------------------------------------

def GetInstanceList(hypervisor_list: Iterable[str]) -> list[str]:
    """Names of the instances running here under any of the hypervisors."""
    names: list[str] = []
    for hv_name in hypervisor_list:
        names.extend(_HvCall("Cannot list %s instances" % hv_name,
                             _Hypervisor(hv_name).ListInstances))
    return sorted(names)


def _InfoDict(info: Sequence[Any]) -> dict[str, Any]:
    return {"memory": info[2], "vcpus": info[3], "state": info[4], "time": info[5]}


def GetInstanceInfo(instance_name: str, hname: str) -> dict[str, Any]:
    """{memory, vcpus, state, time} of a running instance, {} if it is not running."""
    info = _HvCall("Cannot get information on %s" % instance_name,
                   _Hypervisor(hname).GetInstanceInfo, instance_name)
    return _InfoDict(info) if info is not None else {}


def GetAllInstancesInfo(hypervisor_list: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{name: {memory, vcpus, state, time}} of every running instance here."""
    result: dict[str, dict[str, Any]] = {}
    for hv_name in hypervisor_list:
        for info in _HvCall("Cannot list %s instances" % hv_name,
                            _Hypervisor(hv_name).GetAllInstancesInfo):
            if info[0] in result:
                Fail("Instance %s is running twice (under two hypervisors)", info[0])
            result[info[0]] = _InfoDict(info)
    return result


def _IsRunning(instance: Any) -> bool:
    return instance.name in GetInstanceList([instance.hypervisor])


# --- lifecycle -------------------------------------------------------------------------

def StartInstance(instance: Any) -> None:
    """Start an instance whose disks the master has assembled; running already is fine."""
    if _IsRunning(instance):
        logging.info("Instance %s already running, not starting", instance.name)
        return
    block_devices = _GatherAndLinkBlockDevs(instance)
    try:
        _Hypervisor(instance.hypervisor).StartInstance(instance, block_devices)
    except errors.HypervisorError as err:
        _RemoveBlockDevLinks(instance.name, len(instance.disks))
        Fail("Hypervisor error: %s", err)


def InstanceShutdown(instance: Any, timeout: int) -> None:
    """Stop an instance: clean shutdown within timeout seconds, then forced.

    An instance that is not running is fine (the operation is idempotent, so
    a retried shutdown after a master failover does no harm).
    """
    hyper = _Hypervisor(instance.hypervisor)
    if _IsRunning(instance):
        try:
            hyper.StopInstance(instance, timeout=timeout)
        except errors.HypervisorError as err:
            logging.warning("Clean shutdown of %s failed (%s), forcing it", instance.name, err)
        if _IsRunning(instance):
            _HvCall("Failed to stop instance %s" % instance.name, hyper.StopInstance, instance,
                    force=True)
        if _IsRunning(instance):
            Fail("Could not shut down instance %s even by force", instance.name)
    else:
        # a guest that died on its own: its runtime files would outlive the instance
        _HvCall("Failed to clean up after instance %s" % instance.name,
                hyper.CleanupInstance, instance.name)
    _RemoveBlockDevLinks(instance.name, len(instance.disks))


def InstanceReboot(instance: Any, reboot_type: str, shutdown_timeout: int) -> None:
    """Soft (the hypervisor resets the guest) or hard (stop and start) reboot.

    A full reboot also cycles the disks, which only the master can do.
    """
    if not _IsRunning(instance):
        Fail("Cannot reboot instance %s that is not running", instance.name)
    if reboot_type == constants.INSTANCE_REBOOT_SOFT:
        _HvCall("Failed to soft reboot instance %s" % instance.name,
                _Hypervisor(instance.hypervisor).RebootInstance, instance)
    elif reboot_type == constants.INSTANCE_REBOOT_HARD:
        InstanceShutdown(instance, shutdown_timeout)
        StartInstance(instance)
    else:
        Fail("Invalid reboot type %r for a node (full reboots are done by the master)",
             reboot_type)


def GetInstanceConsole(instance: Any) -> dict[str, Any]:
    """How to reach the running instance's console, as this node's hypervisor sees it."""
    if not _IsRunning(instance):
        Fail("Instance %s is not running", instance.name)
    return _HvCall("Cannot get the console of %s" % instance.name,
                   _Hypervisor(instance.hypervisor).GetInstanceConsole, instance,
                   instance.hvparams, instance.beparams)


# --- migration ----------------------------------------------------------------------------

def InstanceMigratable(instance: Any) -> None:
    """Check that the instance runs here with every disk linked for the hypervisor."""
    if not _IsRunning(instance):
        Fail("Instance %s is not running", instance.name)
    missing = [idx for idx in range(len(instance.disks))
               if not os.path.islink(_LinkName(instance.name, idx))]
    if missing:
        Fail("Instance %s is missing the disk links of disk(s) %s; restart it before"
             " migrating", instance.name, ", ".join(map(str, missing)))


def MigrationInfo(instance: Any) -> str:
    """What the target needs to accept the instance (source side)."""
    return _HvCall("Failed to get migration information",
                   _Hypervisor(instance.hypervisor).MigrationInfo, instance)


def AcceptInstance(instance: Any, info: str, target: str) -> None:
    """Prepare to receive a migrating instance (target side; disks already assembled)."""
    _GatherAndLinkBlockDevs(instance)
    try:
        _Hypervisor(instance.hypervisor).AcceptInstance(instance, info, target)
    except errors.HypervisorError as err:
        _RemoveBlockDevLinks(instance.name, len(instance.disks))
        Fail("Failed to accept instance: %s", err)


def FinalizeMigration(instance: Any, info: str, success: bool) -> None:
    """Finish an incoming migration, or clean up after a failed one (target side)."""
    try:
        _HvCall("Failed to finalize the migration of %s" % instance.name,
                _Hypervisor(instance.hypervisor).FinalizeMigration, instance, info, success)
    finally:
        if not success:
            _RemoveBlockDevLinks(instance.name, len(instance.disks))


def MigrateInstance(instance: Any, target: str, live: bool) -> None:
    """Send the running instance to target (source side)."""
    _HvCall("Failed to migrate instance", _Hypervisor(instance.hypervisor).MigrateInstance,
            instance, target, live)
    _RemoveBlockDevLinks(instance.name, len(instance.disks))


# --- parameters, OS and network checks -------------------------------------------------

def ValidateHVParams(hvname: str, hvparams: dict[str, Any]) -> None:
    """The node-side half of the hypervisor parameter checks (files exist...)."""
    _HvCall("Hypervisor parameter validation failed", _Hypervisor(hvname).ValidateParameters,
            hvparams)


def ValidateOS(name: str, force_variant: bool) -> dict[str, Any]:
    """Check that an OS (name[+variant]) can install instances here.

    Returns the OS's name, selected variant, API versions and variants.
    """
    try:
        os_obj = bos.OSFromDisk(name)
        variant = bos.CheckOSVariant(os_obj, name, force=force_variant)
    except errors.InvalidOS as err:
        Fail("%s", err.args[2])
    except errors.OpPrereqError as err:
        Fail("%s", err.args[0])
    return {"name": os_obj.name, "variant": variant, "path": os_obj.path,
            "api_versions": os_obj.api_versions, "variants": os_obj.supported_variants}


def BridgesExist(bridges_list: Sequence[str]) -> None:
    """Fail naming the bridges this node does not have."""
    missing = [br for br in bridges_list
               if not os.path.isdir(os.path.join("/sys/class/net", br, "bridge"))]
    if missing:
        Fail("Missing bridges %s", ", ".join(missing))


def InstanceOsAdd(instance: Any, reinstall: bool, debug: int) -> str:
    """Run the OS create script on the instance's (assembled) disks; returns its log file.

    The master has checked the OS variant (with its force option), so it is
    not refused again here.
    """
    paths = blockdev.GetBlockDevPaths(instance.disks)
    return bos.InstanceOsAdd(instance, reinstall, debug, paths, force_variant=True)


def RunRenameInstance(instance: Any, old_name: str, debug: int) -> str:
    """Run the OS rename script (instance already carries its new name); returns its log."""
    paths = blockdev.GetBlockDevPaths(instance.disks)
    return bos.RunRenameInstance(instance, old_name, debug, paths)
