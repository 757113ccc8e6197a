"""The fake hypervisor: instances are state files, for fast cluster tests.

One JSON file per "running" instance under pathutils.FAKE_HV_DIR (so each
node of a virtual cluster has its own). It behaves like a hypervisor where
that matters to the layers above: starting a running instance fails, stopping
a stopped one fails, node memory goes down as instances start, migration
moves the state file from the source node to the target.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ganeti import constants, errors, pathutils, serializer, utils
from ganeti.hypervisor import hv_base


class FakeHypervisor(hv_base.BaseHypervisor):
    """Fake hypervisor: no processes, just files."""

    PARAMETERS = {
        constants.HV_MIGRATION_PORT: hv_base.NET_PORT_CHECK,
    }
    CAN_MIGRATE = True

    def __init__(self, state_dir: str | None = None):
        self._dir = state_dir or pathutils.FAKE_HV_DIR

    def _StateFile(self, name: str) -> str:
        if not name or "/" in name or name.startswith("."):
            raise errors.HypervisorError("Invalid instance name %r" % name)
        return os.path.join(self._dir, name)

    def _ReadState(self, name: str) -> dict[str, Any] | None:
        try:
            return serializer.LoadJson(utils.ReadFile(self._StateFile(name)))
        except FileNotFoundError:
            return None

    def _WriteState(self, instance: Any) -> None:
        state = {
            "name": instance.name,
            "uuid": getattr(instance, "uuid", None),
            "memory": int(instance.beparams.get(constants.BE_MEMORY, 0)),
            "vcpus": int(instance.beparams.get(constants.BE_VCPUS, 1)),
            "start_time": time.time(),
        }
        utils.WriteFile(self._StateFile(instance.name), serializer.DumpJson(state),
                        mkdir=True, fsync=False)

    def ListInstances(self) -> list[str]:
        try:
            return utils.ListVisibleFiles(self._dir)
        except FileNotFoundError:
            return []

    def GetInstanceInfo(self, instance_name: str) -> hv_base.InstanceInfo | None:
        state = self._ReadState(instance_name)
        if state is None:
            return None
        return (state["name"], -1, state["memory"], state["vcpus"], "running",
                round(time.time() - state["start_time"], 1))

    def StartInstance(self, instance: Any, block_devices: list[tuple[Any, str]],
                      startup_paused: bool = False) -> None:
        if self._ReadState(instance.name) is not None:
            raise errors.HypervisorError("Failed to start instance %s: already running"
                                         % instance.name)
        free = self.GetNodeInfo()["memory_free"]
        memory = int(instance.beparams.get(constants.BE_MEMORY, 0))
        if memory > free:
            raise errors.HypervisorError("Not enough memory to start instance %s: %d MiB"
                                         " needed, %d MiB free" % (instance.name, memory, free))
        self._WriteState(instance)

    def StopInstance(self, instance: Any, force: bool = False, retry: bool = False,
                     name: str | None = None, timeout: float | None = None) -> None:
        name = name or instance.name
        if self._ReadState(name) is None:
            raise errors.HypervisorError("Failed to stop instance %s: not running" % name)
        utils.RemoveFile(self._StateFile(name))

    def RebootInstance(self, instance: Any) -> None:
        if self._ReadState(instance.name) is None:
            raise errors.HypervisorError("Failed to reboot instance %s: not running"
                                         % instance.name)
        self._WriteState(instance)

    def GetNodeInfo(self) -> dict[str, Any]:
        """Host figures, minus the memory the fake instances "use"."""
        info = hv_base.GetLinuxNodeInfo()
        states = [self._ReadState(n) for n in self.ListInstances()]
        used = sum(s["memory"] for s in states if s is not None)
        info["memory_free"] = max(info["memory_free"] - used, 0)
        return info

    def GetInstanceConsole(self, instance: Any, hvparams: dict[str, Any],
                           beparams: dict[str, Any]) -> dict[str, Any]:
        return hv_base.ConsoleInfo(instance.name, constants.CONS_MESSAGE,
                                   message="Console not available for fake hypervisor")

    def Verify(self) -> str | None:
        if os.path.exists(self._dir) and not os.access(self._dir, os.W_OK):
            return "Fake hypervisor directory %s is not writable" % self._dir
        return None

    # Migration: the source drops its state file, the target writes one.
    def MigrationInfo(self, instance: Any) -> str:
        return ""

    def AcceptInstance(self, instance: Any, info: str, target: str) -> None:
        if self._ReadState(instance.name) is not None:
            raise errors.HypervisorError("Instance %s is already running on the target"
                                         % instance.name)

    def MigrateInstance(self, instance: Any, target: str, live: bool) -> None:
        self.StopInstance(instance)

    def FinalizeMigration(self, instance: Any, info: str, success: bool) -> None:
        if success:
            self._WriteState(instance)
