"""ganeti.utils.process: commands with timeouts, pid files, daemonizing."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

from ganeti import errors, utils


def test_runcmd_output_and_status():
    result = utils.RunCmd(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert result.failed and "exit code 3" in result.fail_reason
    ok = utils.RunCmd("echo $FOO", env={"FOO": "bar"})
    assert not ok.failed and ok.stdout == "bar\n"


def test_runcmd_timeout_kills_the_group():
    start = time.monotonic()
    result = utils.RunCmd(["sh", "-c", "sleep 30 & sleep 30; wait"], timeout=0.3)
    assert result.timed_out and result.failed
    assert time.monotonic() - start < 5


def test_runcmd_missing_binary():
    with pytest.raises(errors.CommandError):
        utils.RunCmd(["/nonexistent/binary"])


def test_runcmd_input_and_reset_env():
    result = utils.RunCmd(["cat"], input_data="abc")
    assert result.stdout == "abc"
    result = utils.RunCmd(["sh", "-c", "echo ${HOME:-unset}"], reset_env=True)
    assert result.stdout == "unset\n"


def test_pidfile(tmp_path):
    pidfile = str(tmp_path / "d.pid")
    utils.WritePidFile(pidfile)
    assert utils.ReadPidFile(pidfile) == os.getpid()
    other = subprocess.Popen(["sleep", "30"])
    try:
        with pytest.raises(errors.GenericError, match="live process"):
            _WriteForeign(pidfile, other.pid)
    finally:
        other.kill()
        other.wait()
    utils.WritePidFile(pidfile)  # the old owner is dead: taking over is fine
    utils.RemovePidFile(pidfile)
    assert utils.ReadPidFile(pidfile) == 0


def _WriteForeign(pidfile, pid):
    utils.WriteFile(pidfile, "%d\n" % pid)
    utils.WritePidFile(pidfile)


def test_kill_process_escalates():
    proc = subprocess.Popen([sys.executable, "-c",
                             "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                             "print('x', flush=True); time.sleep(30)"], stdout=subprocess.PIPE)
    proc.stdout.readline()
    start = time.monotonic()
    utils.KillProcess(proc.pid, timeout=0.2, waitpid=True)
    assert not utils.IsProcessAlive(proc.pid), "SIGTERM ignored: SIGKILL follows"
    assert time.monotonic() - start < 3


_DAEMON = textwrap.dedent("""
    import os, sys, time
    from ganeti.utils import process
    fd = process.Daemonize(sys.argv[1])
    if sys.argv[2] == "fail":
        process.DaemonReady(fd, error="cannot bind")
        os._exit(1)
    print("daemon pid", os.getpid(), flush=True)
    process.DaemonReady(fd)
    time.sleep(0.2)
""")


def test_daemonize_reports_readiness_and_errors(tmp_path):
    log = str(tmp_path / "d.log")
    ok = subprocess.run([sys.executable, "-c", _DAEMON, log, "ok"], capture_output=True, text=True)
    assert ok.returncode == 0
    bad = subprocess.run([sys.executable, "-c", _DAEMON, log, "fail"], capture_output=True,
                         text=True)
    assert bad.returncode == 1 and "cannot bind" in bad.stderr
    deadline = time.monotonic() + 5
    while "daemon pid" not in utils.ReadFile(log) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "daemon pid" in utils.ReadFile(log), "the daemon's output goes to its log"
