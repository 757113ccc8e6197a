#!/usr/bin/env python3
"""Benchmark of ganeti-confd and its client library, run by hand; prints figures.

  .venv/bin/python test/bench/bench_confd.py [--quick] [--duration S]

Starts one real ganeti-confd on a random 127.x.y.z address (its own
GANETI_ROOTDIR, as the tests do) and measures, over loopback:

- round trip of a blocking ConfdClient.Query() (median, p99), and of a bare
  loop using only confd.protocol (what any client must at least pay);
- sustained answered queries/s with 8 queries in flight, from 1 and from 4
  client processes (8 in flight each), and 1 process with 1 in flight;
- whether the client slows down as it runs: answers/s in the first and the
  last second of a long run, and the size of its timer heap; and the cost
  of handling one reply with 0, 1,000 and 100,000 other requests pending
  (upstream's library rescanned them all on every reply).

Goals (doc/confd.md): median <= 100 us, >= 10,000 q/s to one client process,
>= 15,000 q/s to four. Figures go to doc/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, TOP)
sys.path.insert(0, os.path.join(TOP, "test"))
sys.path.insert(0, os.path.join(TOP, "test", "confd"))

import confdtest  # noqa: E402
import testutils  # noqa: E402

from ganeti import constants  # noqa: E402
from ganeti.confd import client, protocol  # noqa: E402

QUERY = (constants.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(3))


def _Percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100.0))]


def BenchLatency(key: bytes, server: str, count: int) -> None:
    """Blocking round trips, one at a time."""
    times = []
    with client.ConfdClient(key, [server]) as cl:
        for _ in range(200):
            cl.Query(*QUERY, mode=client.MODE_FIRST, coverage=1)
        for _ in range(count):
            start = time.perf_counter()
            cl.Query(*QUERY, mode=client.MODE_FIRST, coverage=1)
            times.append(time.perf_counter() - start)
    _PrintLatency("ConfdClient.Query round trip", times)

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((server, constants.DEFAULT_CONFD_PORT))
    times = []
    for idx in range(count + 200):
        start = time.perf_counter()
        request = protocol.ConfdRequest(QUERY[0], QUERY[1], rsalt="bench-%d" % idx)
        sock.send(protocol.PackRequest(request, key))
        reply, salt = protocol.UnpackReply(sock.recv(65536), key)
        assert salt == request.rsalt and reply.answer == constants.CONFD_NODE_ROLE_REGULAR
        if idx >= 200:
            times.append(time.perf_counter() - start)
    sock.close()
    _PrintLatency("bare protocol round trip", times)


def _PrintLatency(label: str, times: list[float]) -> None:
    print("%-32s median %6.1f us   p99 %6.1f us   (%d queries)"
          % (label, statistics.median(times) * 1e6, _Percentile(times, 99) * 1e6, len(times)))


def _LoadWorker(key: bytes, server: str, inflight: int, duration: float, start_at: float,
                queue: "multiprocessing.Queue") -> None:
    """Keep `inflight` queries outstanding for duration seconds; report answers per second."""
    done = [0]
    per_second: list[int] = []

    def callback(up: client.ConfdUpcallPayload) -> None:
        if up.type == client.UPCALL_REPLY:
            done[0] += 1
        elif time.monotonic() < end:  # finished (answered) or expired: send the next
            cl.SendRequest(client.ConfdClientRequest(*QUERY), coverage=1)

    cl = client.ConfdClient(key, [server], callback)
    while time.time() < start_at:
        time.sleep(0.001)
    begin = time.monotonic()
    end = begin + duration
    for _ in range(inflight):
        cl.SendRequest(client.ConfdClientRequest(*QUERY), coverage=1)
    next_mark, last = begin + 1.0, 0
    while time.monotonic() < end:
        cl.ReceiveReply(0.05)
        if time.monotonic() >= next_mark:
            per_second.append(done[0] - last)
            last = done[0]
            next_mark += 1.0
    queue.put((done[0], time.monotonic() - begin, per_second, len(cl._timers),
               cl.counters["retries"]))
    cl.Close()


def _CpuSeconds(pid: int) -> float:
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def BenchThroughput(key: bytes, server: str, processes: int, inflight: int,
                    duration: float, server_pid: int) -> list:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    cpu_before = _CpuSeconds(server_pid)
    start_at = time.time() + 0.3
    workers = [multiprocessing.Process(target=_LoadWorker,
                                       args=(key, server, inflight, duration, start_at, queue))
               for _ in range(processes)]
    for proc in workers:
        proc.start()
    results = [queue.get() for _ in workers]
    for proc in workers:
        proc.join()
    total = sum(r[0] for r in results)
    elapsed = max(r[1] for r in results)
    server_cpu = (_CpuSeconds(server_pid) - cpu_before) / elapsed
    print("%d client process(es) x %d in flight: %8.0f answers/s  (server CPU %3.0f%%,"
          " retries %d)" % (processes, inflight, total / elapsed, server_cpu * 100,
                           sum(r[4] for r in results)))
    return results


def BenchPendingScaling(key: bytes) -> None:
    """Cost of one reply while many other requests wait (no network: replies are fed in)."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))  # receives the queries, never answers
    # no retry or expiry may fall due while the table fills: measure lookups only
    constants.CONFD_CLIENT_EXPIRE_TIMEOUT = 3600
    for pending in (0, 1000, 100000):
        cl = client.ConfdClient(key, ["127.0.0.1"], lambda up: None, port=sink.getsockname()[1],
                                retry_interval=3600)
        for _ in range(pending):
            cl.SendRequest(client.ConfdClientRequest(*QUERY))
            if cl.counters["sent"] % 512 == 0:
                _Drain(sink)
        requests = [client.ConfdClientRequest(*QUERY) for _ in range(2000)]
        replies = [protocol.PackReply(protocol.ConfdReply(0, 4, 1), r.rsalt, key)
                   for r in requests]
        for request in requests:
            cl.SendRequest(request)
            if cl.counters["sent"] % 512 == 0:
                _Drain(sink)
        start = time.perf_counter()
        for datagram in replies:
            cl.HandleResponse(datagram, "127.0.0.1", constants.DEFAULT_CONFD_PORT)
        per_reply = (time.perf_counter() - start) / len(replies)
        print("one reply with %6d other requests pending: %5.1f us" % (pending, per_reply * 1e6))
        cl.Close()
        _Drain(sink)
    sink.close()


def _Drain(sock: socket.socket) -> None:
    sock.setblocking(False)
    try:
        while True:
            sock.recv(65536)
    except BlockingIOError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load run")
    opts = parser.parse_args()
    duration = 1.0 if opts.quick else opts.duration
    count = 2000 if opts.quick else 20000
    print("Python %s on %s, %d CPUs" % (platform.python_version(), platform.machine(),
                                        os.cpu_count()))
    reaper = testutils.Reaper()
    with tempfile.TemporaryDirectory() as base:
        cluster = confdtest.Cluster(base, reaper)
        try:
            node = cluster.Start(1)
            BenchLatency(cluster.key, node.ip, count)
            for processes, inflight in ((1, 1), (1, 8), (4, 2), (4, 8)):
                BenchThroughput(cluster.key, node.ip, processes, inflight, duration, node.pid)
            long_run = BenchThroughput(cluster.key, node.ip, 1, 8, duration * 4, node.pid)[0]
            rates = long_run[2]
            print("long run: first second %d answers/s, last second %d, timer heap %d entries"
                  % (rates[0], rates[-1], long_run[3]))
            BenchPendingScaling(cluster.key)
        finally:
            reaper.KillAll()


if __name__ == "__main__":
    main()
