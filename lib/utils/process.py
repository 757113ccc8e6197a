"""Running commands and managing processes.

RunCmd is the one way ganeti starts an external program: output captured,
environment controlled, a timeout that kills the whole process group.
"""

from __future__ import annotations

import errno
import os
import shlex
import signal
import subprocess
import time
from typing import Callable, Mapping, Sequence

from ganeti import errors
from ganeti.utils import io

_SAFE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             "LC_ALL": "C"}


class RunResult:
    """Outcome of RunCmd."""

    __slots__ = ("exit_code", "signal", "stdout", "stderr", "cmd", "fail_reason", "timed_out")

    def __init__(self, exit_code: int | None, signal_: int | None, stdout: str, stderr: str,
                 cmd: str, timed_out: bool = False):
        self.exit_code = exit_code
        self.signal = signal_
        self.stdout = stdout
        self.stderr = stderr
        self.cmd = cmd
        self.timed_out = timed_out
        if timed_out:
            self.fail_reason = "timed out"
        elif signal_ is not None:
            self.fail_reason = "terminated by signal %s" % signal_
        elif exit_code:
            self.fail_reason = "exited with exit code %s" % exit_code
        else:
            self.fail_reason = None

    @property
    def failed(self) -> bool:
        return self.fail_reason is not None

    @property
    def output(self) -> str:
        """stdout and stderr together, as a log would show them."""
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return "<RunResult %r: %s>" % (self.cmd, self.fail_reason or "ok")


def ShellQuoteArgs(args: Sequence[str]) -> str:
    """A command line that a shell would split back into args."""
    return " ".join(shlex.quote(str(a)) for a in args)


def RunCmd(cmd: Sequence[str] | str, env: Mapping[str, str] | None = None,
           cwd: str = "/", timeout: float | None = None, input_data: str | bytes | None = None,
           reset_env: bool = False, output_file: str | None = None) -> RunResult:
    """Run a command and capture its output.

    A string is run through /bin/sh; a list is executed directly. env adds to
    (or, with reset_env, replaces) a small safe environment. On timeout the
    command's process group gets SIGTERM, then SIGKILL.
    """
    if isinstance(cmd, str):
        strcmd, argv, shell = cmd, cmd, True
    else:
        argv = [str(a) for a in cmd]
        strcmd, shell = ShellQuoteArgs(argv), False
    cmd_env = dict(_SAFE_ENV) if reset_env else dict(os.environ, LC_ALL="C")
    if env:
        cmd_env.update(env)
    out_fh = open(output_file, "ab") if output_file else None
    try:
        try:
            proc = subprocess.Popen(
                argv, shell=shell, env=cmd_env, cwd=cwd,
                stdin=subprocess.PIPE if input_data is not None else subprocess.DEVNULL,
                stdout=out_fh or subprocess.PIPE,
                stderr=subprocess.STDOUT if out_fh else subprocess.PIPE,
                start_new_session=True, close_fds=True)
        except OSError as err:
            raise errors.CommandError("Can't execute '%s': %s" % (strcmd, err)) from err
        timed_out = False
        try:
            stdout, stderr = proc.communicate(
                input=input_data.encode() if isinstance(input_data, str) else input_data,
                timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _KillGroup(proc)
            stdout, stderr = proc.communicate()
    finally:
        if out_fh:
            out_fh.close()
    rc = proc.returncode
    sig = -rc if rc is not None and rc < 0 else None
    return RunResult(None if sig else rc, sig,
                     (stdout or b"").decode("utf-8", "replace"),
                     (stderr or b"").decode("utf-8", "replace"), strcmd, timed_out)


def _KillGroup(proc: subprocess.Popen, grace: float = 2.0) -> None:
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def IsProcessAlive(pid: int | None) -> bool:
    """Whether a process exists and is not a zombie."""
    if not pid or pid <= 0:
        return False
    try:
        with open("/proc/%d/stat" % pid) as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def KillProcess(pid: int, signal_: int = signal.SIGTERM, timeout: float = 30,
                waitpid: bool = False) -> None:
    """Send a signal and, for SIGTERM, escalate to SIGKILL after timeout."""
    if pid <= 0:
        raise errors.ProgrammerError("Invalid pid %r" % pid)

    def _reap() -> None:
        if waitpid:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass

    try:
        os.kill(pid, signal_)
    except ProcessLookupError:
        return
    if signal_ != signal.SIGTERM or timeout <= 0:
        return
    if _WaitForDeath(pid, timeout, _reap):
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    _WaitForDeath(pid, 5.0, _reap)


def _WaitForDeath(pid: int, timeout: float, reap: Callable[[], None]) -> bool:
    """Whether pid is gone (or a zombie) within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        reap()
        if not IsProcessAlive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def ReadPidFile(pidfile: str) -> int:
    """The pid in a pid file, or 0 if there is none or it is unreadable."""
    try:
        return int(io.ReadOneLineFile(pidfile))
    except (OSError, ValueError, errors.GenericError):
        return 0


def WritePidFile(pidfile: str, pid: int | None = None) -> None:
    """Write our pid, refusing if another live process owns the file."""
    old = ReadPidFile(pidfile)
    if old and old != (pid or os.getpid()) and IsProcessAlive(old):
        raise errors.GenericError("%s contains a live process id (%d)" % (pidfile, old))
    io.WriteFile(pidfile, "%d\n" % (pid or os.getpid()), mkdir=True, fsync=False)


def RemovePidFile(pidfile: str) -> None:
    """Remove a pid file if it is ours."""
    if ReadPidFile(pidfile) in (0, os.getpid()):
        io.RemoveFile(pidfile)


def Daemonize(logfile: str) -> int:
    """Detach from the terminal (double fork); returns the write end of a pipe.

    The caller writes one byte (or an error message) to that fd once it is
    ready, and the original parent exits with 0 (or 1 printing the message),
    so that `ganeti-noded` returns only when the daemon really serves.
    """
    rfd, wfd = os.pipe()
    if os.fork() != 0:
        os.close(wfd)
        data = b""
        while True:
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            data += chunk
        if data == b"\x00":
            os._exit(0)
        os.write(2, data or b"Daemon exited before it was ready\n")
        os._exit(1)
    os.close(rfd)
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    os.chdir("/")
    os.umask(0o077)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.makedirs(os.path.dirname(logfile), exist_ok=True)
    logfd = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(logfd, 1)
    os.dup2(logfd, 2)
    os.close(logfd)
    return wfd


def DaemonReady(wfd: int, error: str | None = None) -> None:
    """Tell the waiting parent of Daemonize that we are ready (or failed)."""
    try:
        os.write(wfd, b"\x00" if error is None else error.encode() + b"\n")
        os.close(wfd)
    except OSError as err:
        if err.errno != errno.EBADF:
            raise
