"""Typed parameter dicts (beparams, nicparams, diskparams, hvparams).

Values arrive as strings from the command line ("memory=512M,auto_balance=no")
and as JSON values from RAPI; ForceDictType turns both into the declared
types and names the parameter that is wrong.
"""

from __future__ import annotations

from typing import Any, Mapping

from ganeti import constants, errors
from ganeti.utils import text

VTYPE_STRING = "string"
VTYPE_MAYBE_STRING = "maybe-string"
VTYPE_BOOL = "bool"
VTYPE_SIZE = "size"
VTYPE_INT = "int"
VTYPES = frozenset([VTYPE_STRING, VTYPE_MAYBE_STRING, VTYPE_BOOL, VTYPE_SIZE, VTYPE_INT])

_TRUE = frozenset(["true", "yes", "on", "1", constants.VALUE_TRUE])
_FALSE = frozenset(["false", "no", "off", "0", constants.VALUE_FALSE])


def _Fail(key: str, value: Any, expected: str) -> errors.OpPrereqError:
    return errors.OpPrereqError("Parameter '%s' must be %s, not %r" % (key, expected, value),
                                errors.ECODE_INVAL)


def _Convert(key: str, value: Any, vtype: str) -> Any:
    if vtype == VTYPE_STRING:
        if not isinstance(value, str):
            raise _Fail(key, value, "a string")
        return value
    if vtype == VTYPE_MAYBE_STRING:
        if value is None or (isinstance(value, str) and value.lower() == constants.VALUE_NONE):
            return None
        return _Convert(key, value, VTYPE_STRING)
    if vtype == VTYPE_BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise _Fail(key, value, "a boolean")
    if vtype == VTYPE_SIZE:
        try:
            return text.ParseUnit(value) if not isinstance(value, bool) else None
        except errors.UnitParseError as err:
            raise _Fail(key, value, "a size (e.g. 512M, 2G)") from err
    if vtype == VTYPE_INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise _Fail(key, value, "an integer")
    raise errors.ProgrammerError("Unknown parameter type %r for %s" % (vtype, key))


def ForceDictType(target: dict[str, Any], key_types: Mapping[str, str],
                  allow_unknown: bool = False) -> dict[str, Any]:
    """Convert target's values in place to key_types; unknown keys are refused.

    A value of None (or "default" from the command line) means "reset to the
    inherited default" and is kept as None for the caller to remove.
    """
    for key in list(target):
        if key not in key_types:
            if allow_unknown:
                continue
            raise errors.OpPrereqError("Unknown parameter '%s' (known: %s)"
                                       % (key, ", ".join(sorted(key_types))), errors.ECODE_INVAL)
        value = target[key]
        if value is None or value == constants.VALUE_DEFAULT:
            target[key] = None
            continue
        target[key] = _Convert(key, value, key_types[key])
    return target


def UpdateParams(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """current with changes applied; a change to None removes the key (back to the default)."""
    result = dict(current)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result
