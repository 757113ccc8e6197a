#!/usr/bin/env python3
"""Benchmark: instance start+stop with the fake and the KVM hypervisors.

Run by hand (from the top of the tree): .venv/bin/python test/bench/bench_hypervisor.py
Prints, for the fake hypervisor, the time of one start+stop cycle; for KVM
(with kvm_accel=auto, i.e. TCG where KVM is unusable) the time StartInstance
takes to return, the boot time to the test guest's marker line, and the time
of a clean (ACPI) and of a forced stop. Needs the test guest
(tools/build-test-guest) and qemu.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, TOP)
sys.path.insert(0, os.path.join(TOP, "test", "hypervisor"))

import guestutils  # noqa: E402
import hvtestutils  # noqa: E402

from ganeti import constants  # noqa: E402
from ganeti.hypervisor import hv_fake  # noqa: E402
from ganeti.hypervisor.hv_kvm import accel  # noqa: E402

FAKE_CYCLES = 500
KVM_RUNS = 3


def BenchFake() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hv = hv_fake.FakeHypervisor(state_dir=tmp)
        inst = hvtestutils.MakeInstance(name="bench1", hypervisor=constants.HT_FAKE, hvparams={})
        start = time.perf_counter()
        for _ in range(FAKE_CYCLES):
            hv.StartInstance(inst, [])
            hv.StopInstance(inst)
        per = (time.perf_counter() - start) / FAKE_CYCLES
    print("fake: start+stop %.3f ms per cycle (%d cycles)" % (per * 1000, FAKE_CYCLES))


def BenchKvm() -> None:
    guest = hvtestutils.EnsureGuest()
    if guest is None:
        print("kvm: skipped (cannot build the test guest)")
        return
    t0 = time.perf_counter()
    usable, reason = accel.ProbeKvm()
    print("kvm: probe %.3f s -> %s (%s)" % (time.perf_counter() - t0,
                                          "kvm" if usable else "tcg", reason))
    accel.ChooseAccel("auto")  # probe once, outside the timed runs
    figures: dict[str, list[float]] = {"start": [], "boot": [], "acpi_stop": [], "start+stop": [],
                                       "forced_stop": []}
    node = guestutils.KvmNode()
    try:
        for run in range(KVM_RUNS):
            name = "bench%d" % run
            inst = hvtestutils.MakeInstance(name=name, hvparams=guestutils.GuestParams(
                guest, "guest_name=%s" % name))
            t0 = time.perf_counter()
            node.hv.StartInstance(inst, [])
            t1 = time.perf_counter()
            serial = guestutils.Serial(node.Paths(name).serial)
            serial.WaitFor(guestutils.MARKER)
            t2 = time.perf_counter()
            node.hv.StopInstance(inst, timeout=60)
            t3 = time.perf_counter()
            serial.Close()
            figures["start"].append(t1 - t0)
            figures["boot"].append(t2 - t0)
            figures["acpi_stop"].append(t3 - t2)
            figures["start+stop"].append(t3 - t0)
            node.hv.StartInstance(inst, [])
            t4 = time.perf_counter()
            node.hv.StopInstance(inst, force=True)
            figures["forced_stop"].append(time.perf_counter() - t4)
    finally:
        node.Cleanup()
    for key, values in figures.items():
        print("kvm: %-12s median %.2f s (min %.2f, max %.2f, %d runs)"
              % (key, statistics.median(values), min(values), max(values), len(values)))


if __name__ == "__main__":
    BenchFake()
    BenchKvm()
