"""Helpers for running upstream Ganeti 3.0's own clients and OS definitions against ours.

Debian packages upstream's pieces (tools/install-deps installs them). They
run as separate processes with the system /usr/bin/python3 in isolated mode
(-I: no PYTHONPATH, no current directory, no user site), so upstream's
`ganeti` package and ours never meet in one interpreter. One 3-node virtual
cluster serves every test of this directory (conftest.py). A test whose package is
missing skips with the package's name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

import pytest
import vclusterutils

N1, N2, N3 = ("node%d.example.com" % i for i in (1, 2, 3))
ADMIN = ("admin", "s3cret")
READER = ("viewer", "look")

UPSTREAM_PYTHON = "/usr/bin/python3"
#: python3-ganeti-rapi: upstream's RAPI client for the system Python.
RAPI_CLIENT = "/usr/lib/python3/dist-packages/ganeti/rapi/client.py"
#: ganeti-3.0: upstream's Python components (not on the system path by itself).
UPSTREAM_SHARE = "/usr/share/ganeti/3.0"
CONFD_CLIENT = UPSTREAM_SHARE + "/ganeti/confd/client.py"
#: ganeti-htools-3.0: hbal, hscan, hspace (the `ganeti` package would link them
#: into /usr/bin; it also brings the daemons' init scripts, so we do without it).
HTOOLS_DIR = "/usr/lib/ganeti/3.0/usr/bin"
#: ganeti-os-noop, installed; ganeti-instance-debootstrap, unpacked (install-deps).
NOOP_OS = "/usr/share/ganeti/os/noop"
DEBOOTSTRAP_ROOT = "/opt/ganeti-interop/ganeti-instance-debootstrap"
DEBIAN_OS_DIR = "/usr/share/ganeti/os"

_HERE = os.path.dirname(os.path.abspath(__file__))


def Requires(path: str, package: str) -> pytest.MarkDecorator:
    """Skip unless a Debian package's file is present."""
    return pytest.mark.skipif(not os.path.exists(path),
                              reason="needs Debian's %s (tools/install-deps)" % package)


NEEDS_CLUSTER = pytest.mark.skipif(not vclusterutils.TestCluster.Available(),
                                   reason="needs root, sshd and ssh")


def RunUpstream(runner: str, request: dict[str, Any], timeout: float = 120) -> Any:
    """Run test/interop/upstream/<runner> under upstream's Python; its JSON answer."""
    with tempfile.TemporaryDirectory(prefix="upstream") as cwd:
        result = subprocess.run(
            [UPSTREAM_PYTHON, "-I", os.path.join(_HERE, "upstream", runner)],
            input=json.dumps(request), capture_output=True, text=True, timeout=timeout,
            cwd=cwd, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    if result.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (runner, result.returncode,
                                                        result.stdout, result.stderr))
    answer = json.loads(result.stdout)
    assert answer["module"].startswith("/usr/"), "upstream's module, not ours"
    return answer["result"]


def RunHtool(tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run one of upstream's htools with a clean environment."""
    with tempfile.TemporaryDirectory(prefix="htools") as cwd:
        return subprocess.run([os.path.join(HTOOLS_DIR, tool), *args], capture_output=True,
                              text=True, timeout=timeout, cwd=cwd,
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})


def InstallDebianOses(root: str) -> None:
    """Place the Debian OS definitions in a node root as dpkg places them on a host.

    noop is linked to the installed package. debootstrap comes from its
    unpacked package: its variants.list is a symlink into
    /etc/ganeti/instance-debootstrap, which the node gets in its own root.
    """
    os_dir = root + DEBIAN_OS_DIR
    os.makedirs(os_dir, exist_ok=True)
    if os.path.isdir(NOOP_OS):
        os.symlink(NOOP_OS, os.path.join(os_dir, "noop"))
    src = DEBOOTSTRAP_ROOT + DEBIAN_OS_DIR + "/debootstrap"
    if os.path.isdir(src):
        dst = os.path.join(os_dir, "debootstrap")
        shutil.copytree(src, dst, symlinks=True)
        etc = "/etc/ganeti/instance-debootstrap"
        shutil.copytree(DEBOOTSTRAP_ROOT + etc, root + etc, symlinks=True)
        os.unlink(os.path.join(dst, "variants.list"))
        os.symlink(root + etc + "/variants.list", os.path.join(dst, "variants.list"))


class UpstreamRapi:
    """Runs snippets with upstream's GanetiRapiClient (`cl`) against the cluster."""

    def __init__(self, tc: vclusterutils.TestCluster, user: tuple[str, str] | None = ADMIN):
        self.request = {"host": tc.master_ip, "port": 5080,
                        "user": user[0] if user else None,
                        "password": user[1] if user else None,
                        "cafile": tc.Root(N1) + "/var/lib/ganeti/rapi.pem"}

    def Run(self, code: str, **args: Any) -> Any:
        """The value the code leaves in `result` (or the exception escaping it)."""
        return RunUpstream("rapi_run.py", dict(self.request, code=code, args=args))

    def Call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.Run("result = getattr(cl, args['m'])(*args['a'], **args['k'])",
                        m=method, a=list(args), k=kwargs)
