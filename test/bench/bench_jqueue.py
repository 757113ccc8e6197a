#!/usr/bin/env python3
"""Benchmark of the job queue through a real ganeti-masterd (run by hand).

Prints: no-op job (OpTestDelay(0)) submit -> success latency, one client at a
time; throughput with 16 concurrent submitter processes, each submitting a
job and waiting for it before the next (closed loop); and throughput when
many jobs are queued at once (one SubmitManyJobs, then waiting for all).
Every job state change is durable (fsync) before it is reported.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import mastertestutils  # noqa: E402

from ganeti import constants, opcodes  # noqa: E402

SERIAL_JOBS = 300
CONCURRENT_CLIENTS = 16
JOBS_PER_CLIENT = 60
QUEUED_JOBS = 1000


def _RunJob(client, ops) -> None:
    job_id = client.SubmitJob(ops)
    _Wait(client, job_id)


def _Wait(client, job_id) -> None:
    info = None
    while True:
        result = client.WaitForJobChangeOnce(job_id, ["status"], info, None)
        if result == constants.JOB_NOTCHANGED:
            continue
        info = result[0]
        if info[0] in constants.JOBS_FINALIZED:
            assert info[0] == constants.JOB_STATUS_SUCCESS, info
            return


def _Submitter(socket_path: str, count: int, barrier) -> None:
    from ganeti import luxi
    ops = [opcodes.OpTestDelay(duration=0)]
    with luxi.Client(socket_path) as client:
        barrier.wait()
        for _ in range(count):
            _RunJob(client, ops)


def Disk(master) -> None:
    """The floor: one atomic durable write of a job-sized file, as the queue does it."""
    from ganeti import utils
    path = os.path.join(master.root, "disk-probe")
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        utils.WriteFile(path, "x" * 900)
        times.append(time.perf_counter() - t0)
    print("disk: atomic write (tmp, fsync, rename, dir fsync) median %.2f ms"
          % (statistics.median(times) * 1000))


def Serial(master) -> None:
    ops = [opcodes.OpTestDelay(duration=0)]
    latencies = []
    with master.Client() as client:
        for _ in range(20):  # warm-up
            _RunJob(client, ops)
        start = time.perf_counter()
        for _ in range(SERIAL_JOBS):
            t0 = time.perf_counter()
            _RunJob(client, ops)
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
    latencies.sort()
    print("serial: %d jobs, %.1f jobs/s, latency median %.2f ms, p90 %.2f ms, p99 %.2f ms"
          % (SERIAL_JOBS, SERIAL_JOBS / elapsed, statistics.median(latencies) * 1000,
             latencies[int(len(latencies) * 0.9)] * 1000,
             latencies[int(len(latencies) * 0.99)] * 1000))


def Concurrent(master) -> None:
    barrier = multiprocessing.Barrier(CONCURRENT_CLIENTS + 1)
    procs = [multiprocessing.Process(target=_Submitter,
                                     args=(master.socket, JOBS_PER_CLIENT, barrier))
             for _ in range(CONCURRENT_CLIENTS)]
    for proc in procs:
        proc.start()
    barrier.wait()
    start = time.perf_counter()
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0
    elapsed = time.perf_counter() - start
    total = CONCURRENT_CLIENTS * JOBS_PER_CLIENT
    print("concurrent: %d submitters x %d jobs, %.1f jobs/s"
          % (CONCURRENT_CLIENTS, JOBS_PER_CLIENT, total / elapsed))


def Queued(master) -> None:
    ops = [opcodes.OpTestDelay(duration=0)]
    with master.Client() as client:
        start = time.perf_counter()
        results = client.SubmitManyJobs([ops] * QUEUED_JOBS)
        submitted = time.perf_counter()
        for ok, job_id in results:
            assert ok, job_id
            _Wait(client, job_id)
        elapsed = time.perf_counter() - start
    print("queued: %d jobs in one SubmitManyJobs (%.0f ms to submit), %.1f jobs/s"
          % (QUEUED_JOBS, (submitted - start) * 1000, QUEUED_JOBS / elapsed))


def Main() -> None:
    master = mastertestutils.MasterDaemon()
    try:
        master.Start()
        Disk(master)
        Serial(master)
        Concurrent(master)
        Queued(master)
        with master.Client() as client:
            client.AutoArchiveJobs(-1, 30)
    finally:
        master.Cleanup()


if __name__ == "__main__":
    Main()
