"""Benchmark ganeti-rapi: requests/s and median latency of two reads (run by hand).

Starts a single-node cluster (real ganeti-masterd and ganeti-rapi, as the
integration tests do), then for GET /2/info and GET /2/nodes?bulk=1 runs 1
and 8 client processes, each on one kept-alive HTTPS connection, for a few
seconds. Once with the daemon's default response cache and once with
--cache-ttl 0 (every request a luxi round trip). Clients are processes,
not threads, so that they do not share one interpreter lock with each other.

    python test/bench/bench_rapi.py [seconds per run]
"""

import http.client
import multiprocessing
import os
import ssl
import statistics
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [TOP, os.path.join(TOP, "test"), os.path.join(TOP, "test", "server")]
os.environ["PYTHONPATH"] = os.pathsep.join([TOP, os.environ.get("PYTHONPATH", "")])

import rapicluster  # noqa: E402
import testutils  # noqa: E402

PATHS = ["/2/info", "/2/nodes?bulk=1"]
CLIENTS = [1, 8]


def _Worker(host, port, path, seconds, start, queue):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=30)
    conn.request("GET", "/version")
    conn.getresponse().read()
    start.wait()
    latencies = []
    deadline = time.monotonic() + seconds
    while True:
        t0 = time.monotonic()
        if t0 >= deadline:
            break
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit("%s answered %d" % (path, resp.status))
        latencies.append(time.monotonic() - t0)
    queue.put(latencies)


def Run(host, port, path, clients, seconds):
    start = multiprocessing.Event()
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_Worker, args=(host, port, path, seconds, start,
                                                           queue)) for _ in range(clients)]
    for proc in procs:
        proc.start()
    time.sleep(0.5)  # let every client connect before the clock starts
    start.set()
    latencies = [lat for _ in procs for lat in queue.get(timeout=seconds + 60)]
    for proc in procs:
        proc.join()
    return len(latencies) / seconds, statistics.median(latencies) * 1000


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    for label, args in (("default cache (--cache-ttl 1)", ()), ("no cache (--cache-ttl 0)",
                                                                ("--cache-ttl", "0"))):
        reaper = testutils.Reaper()
        with tempfile.TemporaryDirectory() as root:
            try:
                cluster = rapicluster.RapiCluster(root, reaper, rapi_args=args)
                print("== ganeti-rapi, %s, %.0f s per run" % (label, seconds))
                for path in PATHS:
                    for clients in CLIENTS:
                        rate, median = Run(cluster.ip, cluster.port, path, clients, seconds)
                        print("GET %-16s %d client(s): %7.0f req/s, median %6.2f ms"
                              % (path, clients, rate, median))
            finally:
                reaper.KillAll()


if __name__ == "__main__":
    main()
