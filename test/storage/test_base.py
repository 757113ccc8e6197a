"""The block device base: disk parameters, command failures, combined status."""

from __future__ import annotations

import pytest

from ganeti import constants, errors
from ganeti.storage import NodeContext, base


def test_filled_diskparams_defaults_and_overrides():
    params = NodeContext("n1", diskparams={constants.LDP_STRIPES: 3}).FilledDiskParams()
    assert params[constants.LDP_STRIPES] == 3
    assert params[constants.LDP_STRIPE_SIZE] == constants.DISK_DT_DEFAULTS[constants.LDP_STRIPE_SIZE]
    assert params[constants.LDP_META_FLUSHES] is True


@pytest.mark.parametrize("params", [
    {constants.LDP_STRIPES: True}, {constants.LDP_STRIPES: -1},
    {constants.LDP_STRIPE_SIZE: 2}, {constants.LDP_STRIPE_SIZE: 96},
    {constants.LDP_DATA_FLUSHES: 0},
])
def test_bad_diskparams(params):
    with pytest.raises(errors.BlockDeviceError, match="Disk parameter"):
        base.CheckDiskParams(params)


def test_other_components_params_are_left_alone():
    base.CheckDiskParams({"resync_rate": "fast", constants.LDP_STRIPE_SIZE: 1024})


def test_run_checked_error_has_command_and_output():
    with pytest.raises(errors.StorageError) as exc:
        base.RunChecked(["sh", "-c", "echo out; echo oops >&2; exit 3"], "Trying",
                        errors.StorageError)
    msg = str(exc.value)
    assert "Trying failed" in msg and "exit code 3" in msg and "out" in msg and "oops" in msg
    assert base.RunChecked(["true"], "Nothing").exit_code == 0


class _Dev(base.BlockDev):
    def __init__(self, status, present=True, children=()):
        super().__init__(("x",), list(children), 1, NodeContext("n1"))
        self._status = status
        self._present = present

    def Attach(self):
        self.attached = self._present
        return self.attached

    def GetSyncStatus(self):
        return base.SyncStatus(*self._status)


def test_combined_status_worst_wins():
    ok = (None, None, None, None, None, False, constants.LDS_OKAY)
    syncing = ("/dev/b", None, None, 40.0, 90, True, constants.LDS_UNKNOWN)
    top = _Dev(ok, children=[_Dev(ok), _Dev(syncing)])
    status = top.CombinedSyncStatus()
    assert (status.is_degraded, status.ldisk_status, status.sync_percent,
            status.estimated_time) == (True, constants.LDS_UNKNOWN, 40.0, 90)
    lost = _Dev(ok, children=[_Dev(ok, present=False)]).CombinedSyncStatus()
    assert lost.is_degraded and lost.ldisk_status == constants.LDS_FAULTY
    assert set(lost.ToDict()) == {"dev_path", "major", "minor", "sync_percent", "estimated_time",
                                  "is_degraded", "ldisk_status"}
