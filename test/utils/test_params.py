"""ganeti.utils.params: typed parameter dicts from strings and JSON."""

import pytest

from ganeti import constants, errors
from ganeti.utils import params


def test_force_types_from_strings():
    target = {"memory": "512M", "vcpus": "2", "auto_balance": "no"}
    params.ForceDictType(target, constants.BES_PARAMETER_TYPES)
    assert target == {"memory": 512, "vcpus": 2, "auto_balance": False}
    json_target = {"memory": 1024, "vcpus": 4, "auto_balance": True}
    assert params.ForceDictType(dict(json_target), constants.BES_PARAMETER_TYPES) == json_target


@pytest.mark.parametrize("bad", [{"memory": "lots"}, {"vcpus": "two"}, {"auto_balance": "maybe"},
                                 {"colour": "red"}, {"vcpus": True}])
def test_refusals_name_the_parameter(bad):
    with pytest.raises(errors.OpPrereqError) as err:
        params.ForceDictType(dict(bad), constants.BES_PARAMETER_TYPES)
    assert list(bad)[0] in err.value.args[0] and err.value.args[1] == errors.ECODE_INVAL


def test_default_resets_and_update():
    changes = params.ForceDictType({"memory": "default", "vcpus": 3},
                                   constants.BES_PARAMETER_TYPES)
    assert changes == {"memory": None, "vcpus": 3}
    assert params.UpdateParams({"memory": 128, "vcpus": 1}, changes) == {"vcpus": 3}


def test_maybe_string():
    target = params.ForceDictType({"link": "none"}, constants.NICS_PARAMETER_TYPES)
    assert target == {"link": None}
