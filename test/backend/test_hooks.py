"""ganeti.backend.hooks: hooks_runner's script selection, environment, results."""

import os

import pytest

from ganeti import backend, constants, pathutils
from ganeti.backend import hooks


def _Script(dir_name, name, body, executable=True):
    path = os.path.join(dir_name, name)
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755 if executable else 0o644)


@pytest.fixture
def hooks_dir(noderoot):
    path = os.path.join(pathutils.HOOKS_BASE_DIR, "instance-start-pre.d")
    os.makedirs(path)
    return path


def test_runs_scripts_in_order_with_results(hooks_dir, monkeypatch):
    monkeypatch.setenv("OUTSIDE_SECRET", "leaked")
    _Script(hooks_dir, "20-fail", "echo failing >&2; exit 3")
    _Script(hooks_dir, "10-ok", 'echo "name=$GANETI_INSTANCE_NAME secret=${OUTSIDE_SECRET:-unset}"')
    _Script(hooks_dir, "30-noexec", "exit 0", executable=False)
    _Script(hooks_dir, "40_last", "pwd")
    for ignored in ("bad.name", "10-ok~", ".hidden", "x y"):
        _Script(hooks_dir, ignored, "exit 1")
    os.mkdir(os.path.join(hooks_dir, "50-dir"))
    env = {"GANETI_INSTANCE_NAME": "inst1.example.com", "GANETI_HOOKS_PHASE": "pre"}
    results = hooks.RunHooks("instance-start", constants.HOOKS_PHASE_PRE, env)
    assert results == [
        ("instance-start-pre.d/10-ok", constants.HKR_SUCCESS,
         "name=inst1.example.com secret=unset"),
        ("instance-start-pre.d/20-fail", constants.HKR_FAIL, "failing"),
        ("instance-start-pre.d/30-noexec", constants.HKR_SKIP, ""),
        ("instance-start-pre.d/40_last", constants.HKR_SUCCESS, "/"),
        ("instance-start-pre.d/50-dir", constants.HKR_SKIP, ""),
    ]


def test_timeout_fails_the_script(hooks_dir):
    _Script(hooks_dir, "10-hang", "echo started; exec sleep 60")
    [(name, status, output)] = hooks.RunHooks("instance-start", "pre", {}, timeout=0.5)
    assert status == constants.HKR_FAIL
    assert output.startswith("started\n") and "timed out" in output


def test_bad_interpreter_is_a_failure(hooks_dir):
    with open(os.path.join(hooks_dir, "10-broken"), "w") as fh:
        fh.write("#!/nonexistent/interpreter\n")
    os.chmod(os.path.join(hooks_dir, "10-broken"), 0o755)
    [(_, status, output)] = hooks.RunHooks("instance-start", "pre", {})
    assert status == constants.HKR_FAIL and output


def test_missing_directory_means_no_hooks(noderoot):
    assert hooks.RunHooks("cluster-verify", constants.HOOKS_PHASE_POST, {}) == []


@pytest.mark.parametrize("hpath,phase", [("../../bin", "pre"), ("a/b", "pre"), ("", "pre"),
                                         ("instance-start", "during")])
def test_invalid_path_or_phase(noderoot, hpath, phase):
    with pytest.raises(backend.RPCFail):
        hooks.RunHooks(hpath, phase, {})
