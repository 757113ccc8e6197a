"""gnt-debug and gnt-job against a real ganeti-masterd (commands run as users run them)."""

import json
import os
import subprocess
import sys
import time

import pytest
from mastertestutils import TOP, MasterDaemon


@pytest.fixture(scope="module")
def master():
    daemon = MasterDaemon()
    daemon.Start()
    yield daemon
    daemon.Cleanup()


def _Cmd(master, tool, *args):
    result = subprocess.run([sys.executable, os.path.join(TOP, "scripts", tool)] + list(args),
                            env=master.Env(), capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout.splitlines(), result.stderr


def test_delay_prints_the_job_log_as_it_runs(master):
    rc, out, err = _Cmd(master, "gnt-debug", "delay", "-r", "2", "0.01")
    assert rc == 0, err
    assert [line[25:] for line in out] == [
        " - INFO: Test delay iteration 1/2", " - INFO: Test delay iteration 2/2"]
    for line in out:  # "<ctime> <message>", as upstream prints job logs
        time.strptime(line[:24], "%a %b %d %H:%M:%S %Y")


def test_submit_prints_the_job_id_and_job_commands_follow_it(master):
    rc, out, err = _Cmd(master, "gnt-debug", "delay", "--submit", "0")
    assert rc == 0, err
    assert len(out) == 1 and out[0].startswith("JobID: ")
    job_id = out[0].split()[1]
    rc, out, _ = _Cmd(master, "gnt-job", "watch", job_id)
    assert rc == 0 and out[0] == "Output from job %s follows" % job_id
    assert out[1] == "-" * len(out[0])
    rc, out, _ = _Cmd(master, "gnt-job", "list", "--no-headers", "-o", "id,status,summary",
                      job_id)
    assert out == ["%s success TEST_DELAY(0.0)" % job_id]
    rc, out, _ = _Cmd(master, "gnt-job", "info", job_id)
    assert out[:2] == ["Job ID: %s" % job_id, "  Status: success"]
    rc, out, _ = _Cmd(master, "gnt-job", "archive", job_id)
    assert rc == 0
    assert os.path.exists(os.path.join(master.queue_dir, "archive", "0", "job-%s" % job_id))


def test_submit_job_from_files(master, tmp_path):
    good = tmp_path / "ops.json"
    good.write_text(json.dumps([{"OP_ID": "OP_TEST_DELAY", "duration": 0}]))
    rc, out, err = _Cmd(master, "gnt-debug", "submit-job", "--job-repeat", "2", str(good))
    assert rc == 0, err
    assert out[0].startswith("Submitted jobs ")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"OP_ID": "OP_TEST_DELAY", "duration": -5}]))
    rc, out, err = _Cmd(master, "gnt-debug", "submit-job", str(bad))
    assert rc == 1 and "duration" in err


def test_locks(master):
    rc, out, err = _Cmd(master, "gnt-debug", "locks")
    assert rc == 0, err
    assert out[0].split() == ["Name", "Mode", "Owner", "Pending"]
    assert "cluster/BGL" in [line.split()[0] for line in out[1:]]
