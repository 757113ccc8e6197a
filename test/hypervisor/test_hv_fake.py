"""Tests of the fake hypervisor (state files under a per-node directory)."""

import hvtestutils
import pytest

from ganeti import constants, errors
from ganeti.hypervisor import hv_fake


@pytest.fixture
def hv(tmp_path):
    return hv_fake.FakeHypervisor(state_dir=str(tmp_path / "fake"))


def _Inst(name="inst1", memory=128):
    return hvtestutils.MakeInstance(name=name, hypervisor=constants.HT_FAKE, hvparams={},
                                    memory=memory, vcpus=2)


def test_lifecycle(hv):
    inst = _Inst()
    assert hv.ListInstances() == []
    assert hv.GetInstanceInfo("inst1") is None
    hv.StartInstance(inst, [])
    assert hv.ListInstances() == ["inst1"]
    name, _, memory, vcpus, state, _ = hv.GetInstanceInfo("inst1")
    assert (name, memory, vcpus, state) == ("inst1", 128, 2, "running")
    hv.RebootInstance(inst)
    assert [i[0] for i in hv.GetAllInstancesInfo()] == ["inst1"]
    hv.StopInstance(inst)
    assert hv.ListInstances() == []


def test_start_running_instance_fails(hv):
    hv.StartInstance(_Inst(), [])
    with pytest.raises(errors.HypervisorError, match="already running"):
        hv.StartInstance(_Inst(), [])


def test_stop_and_reboot_of_stopped_instance_fail(hv):
    with pytest.raises(errors.HypervisorError, match="not running"):
        hv.StopInstance(_Inst())
    with pytest.raises(errors.HypervisorError, match="not running"):
        hv.RebootInstance(_Inst())


def test_memory_is_accounted(hv):
    free = hv.GetNodeInfo()["memory_free"]
    hv.StartInstance(_Inst(memory=1024), [])
    # Other processes move the host's free memory; allow 100 MiB of noise.
    assert abs(hv.GetNodeInfo()["memory_free"] - (free - 1024)) < 100
    with pytest.raises(errors.HypervisorError, match="Not enough memory"):
        hv.StartInstance(_Inst(name="huge", memory=10 ** 9), [])


def test_bad_names_refused(hv):
    with pytest.raises(errors.HypervisorError, match="Invalid instance name"):
        hv.StartInstance(_Inst(name="../etc"), [])


def test_migration_moves_state(tmp_path):
    src = hv_fake.FakeHypervisor(state_dir=str(tmp_path / "a"))
    dst = hv_fake.FakeHypervisor(state_dir=str(tmp_path / "b"))
    inst = _Inst()
    src.StartInstance(inst, [])
    info = src.MigrationInfo(inst)
    dst.AcceptInstance(inst, info, "127.0.0.2")
    src.MigrateInstance(inst, "127.0.0.2", True)
    dst.FinalizeMigration(inst, info, True)
    assert src.ListInstances() == []
    assert dst.ListInstances() == ["inst1"]
    with pytest.raises(errors.HypervisorError, match="already running on the target"):
        dst.AcceptInstance(inst, info, "127.0.0.2")


def test_console_is_a_message(hv):
    console = hv.GetInstanceConsole(_Inst(), {}, {})
    assert console["kind"] == constants.CONS_MESSAGE
    assert console["instance"] == "inst1"


def test_parameters(hv):
    hv_fake.FakeHypervisor.CheckParameterSyntax({constants.HV_MIGRATION_PORT: 8102})
    with pytest.raises(errors.HypervisorError):
        hv_fake.FakeHypervisor.CheckParameterSyntax({constants.HV_KERNEL_PATH: "/x"})
    assert hv.Verify() is None
