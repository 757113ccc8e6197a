"""Fixtures of the storage tests: recorded command outputs, stand-in disks, loop VGs."""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from typing import Any, Callable, Iterator

import pytest

from ganeti import objects, pathutils, utils
from ganeti.storage import drbd_info

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def ReadData(name: str) -> str:
    with open(os.path.join(DATA_DIR, name)) as fh:
        return fh.read()


@dataclasses.dataclass
class _Response:
    tokens: list[str]
    results: list[tuple[int, str, str, Callable[[], None] | None]]


class RecordedRunner:
    """Stands in for utils.RunCmd: answers commands with recorded outputs.

    A response matches a command whose argv[0] is the first token and which
    contains all the other tokens; its results are returned in order, the
    last one repeating. Every command is recorded in calls; a command nobody
    expected fails the test.
    """

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self._responses: list[_Response] = []

    def Add(self, tokens: list[str], stdout: str = "", stderr: str = "", exit_code: int = 0,
            effect: Callable[[], None] | None = None) -> None:
        """Answer commands matching tokens (appends to that matcher's results)."""
        for resp in self._responses:
            if resp.tokens == tokens:
                resp.results.append((exit_code, stdout, stderr, effect))
                return
        self._responses.append(_Response(tokens, [(exit_code, stdout, stderr, effect)]))

    def __call__(self, cmd: Any, **kwargs: Any) -> utils.RunResult:
        argv = [str(a) for a in cmd]
        self.calls.append(argv)
        for resp in self._responses:
            if argv[0] == resp.tokens[0] and all(t in argv[1:] for t in resp.tokens[1:]):
                exit_code, stdout, stderr, effect = (resp.results.pop(0) if len(resp.results) > 1
                                                     else resp.results[0])
                if effect:
                    effect()
                return utils.RunResult(exit_code, None, stdout, stderr, utils.ShellQuoteArgs(argv))
        raise AssertionError("Unexpected command %r" % argv)

    def Commands(self, program: str) -> list[list[str]]:
        return [c for c in self.calls if c[0] == program]


@pytest.fixture(autouse=True)
def _real_node_root(monkeypatch):
    """Storage tests run as a real node (paths not re-rooted) unless they say otherwise."""
    monkeypatch.delenv(pathutils.ROOT_ENV, raising=False)


@pytest.fixture
def recorded(monkeypatch) -> RecordedRunner:
    """utils.RunCmd replaced by a RecordedRunner for the test's duration."""
    runner = RecordedRunner()
    monkeypatch.setattr(utils, "RunCmd", runner)
    return runner


class ProcDrbd:
    """A stand-in /proc/drbd file whose content a test switches between states."""

    def __init__(self, path: str):
        self.path = path

    def Use(self, name: str) -> None:
        """Copy a recorded /proc/drbd from test/storage/data."""
        shutil.copyfile(os.path.join(DATA_DIR, name), self.path)

    def Write(self, text: str) -> None:
        with open(self.path, "w") as fh:
            fh.write(text)


@pytest.fixture
def proc_drbd(tmp_path, monkeypatch) -> ProcDrbd:
    """Point the DRBD code at a ProcDrbd file instead of /proc/drbd."""
    proc = ProcDrbd(str(tmp_path / "proc_drbd"))
    monkeypatch.setattr(drbd_info, "DRBD_STATUS_FILE", proc.path)
    return proc


@pytest.fixture
def read_data() -> Callable[[str], str]:
    """Reads a recorded output from test/storage/data."""
    return ReadData


def MakeDisk(dev_type: str, logical_id: Any, size: int, children: list | None = None,
             physical_id: Any = None) -> objects.Disk:
    """An objects.Disk as the master would send it."""
    return objects.Disk(dev_type=dev_type, logical_id=list(logical_id), size=size,
                        children=children or [], iv_name="disk/0",
                        physical_id=list(physical_id) if physical_id else None)


@pytest.fixture
def make_disk() -> Callable[..., objects.Disk]:
    return MakeDisk


# --- real LVM on loop devices ------------------------------------------------

LOOP_IMAGE_MIB = 64
EXTENT_MIB = 4
PE_START_MIB = 1  # LVM's default data alignment / first extent offset


def _Run(argv: list[str]) -> utils.RunResult:
    return utils.RunCmd(argv, timeout=60)


@dataclasses.dataclass
class LoopVG:
    vg_name: str
    pvs: list[str]
    images: list[str]

    @property
    def pv_size(self) -> int:
        """What LVM should report per PV: whole extents after the metadata area."""
        return (LOOP_IMAGE_MIB - PE_START_MIB) // EXTENT_MIB * EXTENT_MIB


def _SkipUnlessLvmPossible() -> None:
    if os.geteuid() != 0:
        pytest.skip("LVM on loop devices needs root")
    for tool in ("losetup", "pvcreate", "vgcreate", "vgremove", "pvremove"):
        if shutil.which(tool) is None:
            pytest.skip("%s is not installed (tools/install-deps installs lvm2)" % tool)


@pytest.fixture
def loop_vg(tmp_path) -> Iterator[LoopVG]:
    """A VG of two 64 MiB loop-device PVs, removed with its devices afterwards."""
    _SkipUnlessLvmPossible()
    vg = LoopVG("gnttest%s" % uuid.uuid4().hex[:10], [], [])
    try:
        for idx in range(2):
            image = os.path.realpath(str(tmp_path / ("pv%d.img" % idx)))
            with open(image, "wb") as fh:
                fh.truncate(LOOP_IMAGE_MIB * 1024 * 1024)
            vg.images.append(image)
            result = _Run(["losetup", "--find", "--show", image])
            if result.failed:
                pytest.skip("losetup is not permitted here: %s" % result.output.strip())
            vg.pvs.append(result.stdout.strip())
        for argv in (["pvcreate", "-q"] + vg.pvs,
                     ["vgcreate", "-q", "-s", "%dm" % EXTENT_MIB, vg.vg_name] + vg.pvs):
            result = _Run(argv)
            assert not result.failed, result.output
        yield vg
    finally:
        _Run(["vgremove", "-q", "-f", vg.vg_name])
        for pv, image in zip(vg.pvs, vg.images):
            if LoopBackingFile(pv) == image:  # never touch a loop device reused by others
                _Run(["pvremove", "-q", "-f", pv])
                _Run(["losetup", "-d", pv])


def LoopBackingFile(device: str) -> str | None:
    """The image a loop device is attached to, or None if it is not attached."""
    try:
        with open("/sys/block/%s/loop/backing_file" % os.path.basename(device)) as fh:
            return fh.read().strip()
    except OSError:
        return None
