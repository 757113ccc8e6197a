#!/usr/bin/env python3
"""Benchmarks of ganeti.storage, run by hand; prints the figures.

  .venv/bin/python test/bench/bench_storage.py

Measures what a node daemon pays per storage RPC: real pvs/vgs listings and
a pvchange on a loop-device VG (root only; skipped otherwise), parsing a
large lvs listing and a /proc/drbd with many minors, creating and removing a
sparse file disk, and the file storage "used" scan. Figures go to
doc/benchmarks.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from ganeti import constants, utils  # noqa: E402
from ganeti.storage import NodeContext, drbd_info, lvm, units  # noqa: E402
from ganeti.storage.filestorage import FileStorage  # noqa: E402


def _Time(fn: Callable[[], object], count: int) -> float:
    """Best-of-3 mean seconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(count):
            fn()
        best = min(best, (time.perf_counter() - start) / count)
    return best


def _Report(label: str, seconds: float) -> None:
    print("%-58s %10.3f ms" % (label, seconds * 1000))


def BenchParsers() -> None:
    lines = "".join("  xenvg|%s.disk%d|10240.00|-wi-ao----|253|%d|/dev/md1(%d)\n"
                    % (uuid.UUID(int=i), i % 4, i, i * 2560) for i in range(5000))
    real_run = utils.RunCmd
    utils.RunCmd = lambda cmd, **kw: utils.RunResult(0, None, lines, "", "lvs")
    try:
        _Report("parse lvs listing, 5000 LVs", _Time(lvm.ListLogicalVolumes, 5))
    finally:
        utils.RunCmd = real_run
    proc = ["version: 8.4.11 (api:1/proto:86-101)", "srcversion: FC3433D849E3B88C1E7B55C"]
    for minor in range(1000):
        proc.append(" %d: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----" % minor)
        proc.append("    ns:1 nr:0 dw:1 dr:1 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0")
    text = "\n".join(proc) + "\n"
    _Report("parse /proc/drbd, 1000 minors", _Time(lambda: drbd_info.DRBDProcInfo.FromText(text), 20))


def BenchFiles() -> None:
    with tempfile.TemporaryDirectory() as sdir:
        os.mkdir(os.path.join(sdir, "inst1"))
        ctx = NodeContext("node1", file_storage_dirs=[sdir])
        path = os.path.join(sdir, "inst1", "disk0")

        def _CreateRemove() -> None:
            FileStorage.Create((constants.FD_LOOP, path), [], 10240, ctx).Remove()

        _Report("file disk: create 10 GiB sparse + remove", _Time(_CreateRemove, 200))
        for idx in range(1000):
            with open(os.path.join(sdir, "inst1", "f%d" % idx), "wb") as fh:
                fh.write(b"x")
        fields = [constants.SF_NAME, constants.SF_USED, constants.SF_FREE]
        _Report("file storage list (used scan of 1000 files)",
                _Time(lambda: units.ListStorage(constants.ST_FILE, [[sdir]], None, fields), 20))


def BenchLvm() -> None:
    if os.geteuid() != 0:
        print("LVM benchmarks skipped: need root for loop devices")
        return
    vg = "gntbench%s" % uuid.uuid4().hex[:8]
    tmp = tempfile.mkdtemp()
    loops = []
    try:
        for idx in range(2):
            image = os.path.join(tmp, "pv%d.img" % idx)
            with open(image, "wb") as fh:
                fh.truncate(64 << 20)
            result = utils.RunCmd(["losetup", "--find", "--show", image])
            if result.failed:
                print("LVM benchmarks skipped: losetup failed: %s" % result.output.strip())
                return
            loops.append(result.stdout.strip())
        for argv in (["pvcreate", "-q"] + loops, ["vgcreate", "-q", vg] + loops):
            result = utils.RunCmd(argv)
            if result.failed:
                print("LVM benchmarks skipped: %s" % result.output.strip())
                return
        fields = [constants.SF_NAME, constants.SF_SIZE, constants.SF_FREE, constants.SF_ALLOCATABLE]
        _Report("lvm-pv list (one pvs run)",
                _Time(lambda: units.ListStorage(constants.ST_LVM_PV, [], None, fields), 10))
        _Report("lvm-vg list (one vgs run)",
                _Time(lambda: units.ListStorage(constants.ST_LVM_VG, [], vg, fields), 10))
        flags = iter([False, True] * 20)
        _Report("lvm-pv modify allocatable (one pvchange run)",
                _Time(lambda: units.ModifyStorage(constants.ST_LVM_PV, [], loops[0],
                                                  {constants.SF_ALLOCATABLE: next(flags)}), 10))
    finally:
        utils.RunCmd(["vgremove", "-q", "-f", vg])
        for loop in loops:
            utils.RunCmd(["pvremove", "-q", "-f", loop])
            utils.RunCmd(["losetup", "-d", loop])
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


def main() -> None:
    BenchParsers()
    BenchFiles()
    BenchLvm()


if __name__ == "__main__":
    main()
