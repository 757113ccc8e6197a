"""Node facts and node-level actions: version, node_info, test_delay, powercycle."""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable

from ganeti import constants, errors, utils
from ganeti.backend import Fail

BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"
SYSRQ_TRIGGER = "/proc/sysrq-trigger"
POWERCYCLE_DELAY = 5.0  # seconds between answering the master and rebooting
REBOOT_COMMAND = ("reboot", "-n", "-f")


def GetVersion() -> int:
    """The RPC protocol version this node daemon speaks."""
    return constants.PROTOCOL_VERSION


def _GetBootId() -> str | None:
    try:
        return utils.ReadOneLineFile(BOOT_ID_FILE)
    except (OSError, errors.GenericError):
        return None


def _GetVgInfo(vg_name: str) -> dict[str, int | None]:
    """vg_size/vg_free in MiB; None when the volume group cannot be read."""
    from ganeti.storage import lvm
    try:
        infos = lvm.GetVGInfo([vg_name])
    except errors.GenericError as err:
        logging.warning("Cannot get information on volume group %s: %s", vg_name, err)
        infos = []
    if not infos:
        return {"vg_size": None, "vg_free": None}
    return {"vg_size": infos[0].size, "vg_free": infos[0].free}


def GetNodeInfo(vg_name: str | None, hypervisor_type: str | None) -> dict[str, Any]:
    """Memory, CPU and disk facts of this node, for allocation and `gnt-node list`.

    Keys as upstream: memory_total/memory_free/memory_dom0 (MiB),
    cpu_total/cpu_nodes/cpu_sockets, vg_size/vg_free (MiB, with vg_name) and
    bootid. With a hypervisor type, that hypervisor's view of memory and CPUs
    replaces the host's (e.g. what a Xen dom0 leaves to guests).
    """
    from ganeti import hypervisor
    from ganeti.hypervisor import hv_base
    result: dict[str, Any] = {"bootid": _GetBootId()}
    try:
        result.update(hv_base.GetLinuxNodeInfo())
        if hypervisor_type:
            result.update(hypervisor.GetHypervisor(hypervisor_type).GetNodeInfo())
    except (OSError, errors.GenericError) as err:
        Fail("Cannot get node information: %s", err)
    if vg_name:
        result.update(_GetVgInfo(vg_name))
    return result


def TestDelay(duration: float) -> None:
    """Sleep for duration seconds (exercises RPC timeouts and parallelism)."""
    if not isinstance(duration, (int, float)) or isinstance(duration, bool) or duration < 0:
        Fail("Invalid delay %r", duration)
    time.sleep(duration)


def Reboot(sysrq_trigger: str = SYSRQ_TRIGGER,
           run_fn: Callable[..., utils.RunResult] = utils.RunCmd) -> None:
    """Reboot this machine at once, without syncing or unmounting.

    The magic SysRq "b" needs neither the disk nor any process; `reboot -n
    -f` is the fallback when SysRq is disabled or unavailable.
    """
    try:
        with open(sysrq_trigger, "w") as fh:
            fh.write("b")
    except OSError as err:
        logging.error("Cannot reboot through %s: %s", sysrq_trigger, err)
    result = run_fn(list(REBOOT_COMMAND))
    logging.error("%s returned: %s %s", " ".join(REBOOT_COMMAND), result.fail_reason,
                  result.output)


def PowercycleNode(hypervisor_type: str | None) -> str:
    """Hard-reboot this node POWERCYCLE_DELAY seconds after answering.

    A child process does it, so that the reply reaches the master first. The
    node daemon's memory is locked (mlockall) and the child needs nothing
    from the disk, which is the point on a node whose system disk fails.
    hypervisor_type is accepted for upstream compatibility: every hypervisor
    we support runs on a Linux host and reboots the same way.
    """
    logging.warning("Powercycle requested (hypervisor %s), rebooting in %s seconds",
                    hypervisor_type, POWERCYCLE_DELAY)
    try:
        pid = os.fork()
    except OSError as err:
        Fail("Cannot fork for the powercycle: %s", err)
    if pid == 0:
        try:
            time.sleep(POWERCYCLE_DELAY)
            Reboot()
        finally:
            os._exit(1)
    return "Reboot scheduled in %d seconds" % POWERCYCLE_DELAY
