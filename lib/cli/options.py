"""Option definitions shared by the gnt-* commands (upstream's names)."""

from __future__ import annotations

import optparse
from typing import Any

from ganeti import constants, errors, utils

__all__ = [
    "cli_option", "DEBUG_OPT", "NOHDR_OPT", "SEP_OPT", "FIELDS_OPT", "USEUNITS_OPT",
    "FORCE_OPT", "SUBMIT_OPT", "DRY_RUN_OPT", "PRIORITY_OPT", "VERBOSE_OPT",
    "CONFIRM_OPT", "NODE_LIST_OPT", "HVOPTS_OPT", "BACKEND_OPT", "NIC_PARAMS_OPT",
    "HYPERVISOR_OPT", "TAG_SRC_OPT", "YES_DOIT_OPT", "TIMEOUT_OPT", "SYNC_OPT",
    "ParseKeyVal", "ParseIdentKeyVal", "ParseUnitOption", "ParseTimespec",
    "DEFAULT_PRIORITY_NAME", "PRIORITY_NAMES",
]

PRIORITY_NAMES = {
    "low": constants.OP_PRIO_LOW,
    "normal": constants.OP_PRIO_NORMAL,
    "high": constants.OP_PRIO_HIGH,
}
DEFAULT_PRIORITY_NAME = "normal"


def ParseKeyVal(opt: str, data: str) -> dict[str, Any]:
    """Parse 'a=1,b=x,no_c,-d' into a dict (no_x → False, -x → reset to default)."""
    result: dict[str, Any] = {}
    if not data:
        return result
    for elem in _SplitKeyVal(data):
        if "=" in elem:
            key, val = elem.split("=", 1)
        elif elem.startswith("no_"):
            key, val = elem[3:], False
        elif elem.startswith("-"):
            key, val = elem[1:], None
        else:
            key, val = elem, True
        if not key:
            raise errors.ParameterError("%s: empty key in '%s'" % (opt, data))
        if key in result:
            raise errors.ParameterError("%s: duplicate key '%s' in '%s'" % (opt, key, data))
        result[key] = val
    return result


def _SplitKeyVal(data: str) -> list[str]:
    """Split on commas not escaped with a backslash."""
    parts, cur, escape = [], [], False
    for char in data:
        if escape:
            cur.append(char)
            escape = False
        elif char == "\\":
            escape = True
        elif char == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(char)
    parts.append("".join(cur))
    return [p for p in parts if p]


def ParseIdentKeyVal(opt: str, value: str) -> tuple[str, Any]:
    """Parse 'ident:a=1,b=2' (also 'no_ident' / '-ident') into (ident, dict)."""
    if ":" not in value:
        ident, rest = value, ""
    else:
        ident, rest = value.split(":", 1)
    if ident.startswith("no_"):
        if rest:
            raise errors.ParameterError("%s: cannot pass options when removing '%s'" % (opt, ident))
        return ident[3:], False
    if ident.startswith("-"):
        if rest:
            raise errors.ParameterError("%s: cannot pass options when resetting '%s'" % (opt, ident))
        return ident[1:], None
    return ident, ParseKeyVal(opt, rest)


def ParseUnitOption(opt: str, value: str) -> int:
    try:
        return utils.ParseUnit(value)
    except errors.UnitParseError as err:
        raise optparse.OptionValueError("option %s: %s" % (opt, err))


def ParseTimespec(value: str) -> int:
    """Parse '30', '30s', '5m', '2h', '1d', '1w' into seconds."""
    suffixes = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    value = str(value).strip()
    if not value:
        raise errors.OpPrereqError("Empty time specification passed", errors.ECODE_INVAL)
    mult = suffixes.get(value[-1])
    number = value[:-1] if mult else value
    try:
        return int(number) * (mult or 1)
    except ValueError:
        raise errors.OpPrereqError("Invalid time specification '%s'" % value, errors.ECODE_INVAL)


def _CheckKeyVal(option, opt, value):
    try:
        return ParseKeyVal(opt, value)
    except errors.ParameterError as err:
        raise optparse.OptionValueError(str(err))


def _CheckIdentKeyVal(option, opt, value):
    try:
        return ParseIdentKeyVal(opt, value)
    except errors.ParameterError as err:
        raise optparse.OptionValueError(str(err))


def _CheckUnit(option, opt, value):
    return ParseUnitOption(opt, value)


def _CheckBool(option, opt, value):
    lowered = value.lower()
    if lowered in (constants.VALUE_TRUE, "yes", "on", "1"):
        return True
    if lowered in (constants.VALUE_FALSE, "no", "off", "0"):
        return False
    raise optparse.OptionValueError("option %s: invalid boolean value %r" % (opt, value))


class CliOption(optparse.Option):
    """optparse.Option with ganeti's value types (keyval, identkeyval, unit, bool)."""

    TYPES = optparse.Option.TYPES + ("keyval", "identkeyval", "unit", "bool")
    TYPE_CHECKER = dict(optparse.Option.TYPE_CHECKER, keyval=_CheckKeyVal,
                        identkeyval=_CheckIdentKeyVal, unit=_CheckUnit, bool=_CheckBool)


cli_option = CliOption

DEBUG_OPT = cli_option("-d", "--debug", default=0, action="count",
                       help="Increase debugging level")
NOHDR_OPT = cli_option("--no-headers", default=False, action="store_true", dest="no_headers",
                       help="Don't display column headers")
SEP_OPT = cli_option("--separator", default=None, action="store", dest="separator",
                     help="Separator between output fields (defaults to one space)")
USEUNITS_OPT = cli_option("--units", default=None, dest="units", choices=("h", "m", "g", "t"),
                          help="Specify units for output (one of h/m/g/t)")
FIELDS_OPT = cli_option("-o", "--output", dest="output", action="store", type="string",
                        metavar="FIELDS",
                        help="Comma separated list of output fields (+f to add to defaults)")
FORCE_OPT = cli_option("-f", "--force", dest="force", action="store_true", default=False,
                       help="Force the operation")
CONFIRM_OPT = cli_option("--yes", dest="confirm", action="store_true", default=False,
                         help="Do not require confirmation")
YES_DOIT_OPT = cli_option("--yes-do-it", dest="yes_do_it", action="store_true", default=False,
                          help="Really do it (for destructive operations)")
SUBMIT_OPT = cli_option("--submit", dest="submit_only", default=False, action="store_true",
                        help="Submit the job and return the job ID, but don't wait for it")
SYNC_OPT = cli_option("--sync", dest="do_locking", default=False, action="store_true",
                      help="Grab locks while doing the queries to get consistent results")
DRY_RUN_OPT = cli_option("--dry-run", default=False, action="store_true",
                         help="Check the prerequisites only, don't execute the operation")
PRIORITY_OPT = cli_option("--priority", default=None, dest="priority",
                          choices=sorted(PRIORITY_NAMES),
                          help="Priority for opcode processing")
VERBOSE_OPT = cli_option("-v", "--verbose", default=False, action="store_true",
                         help="Increase the verbosity of the operation")
TIMEOUT_OPT = cli_option("--timeout", dest="timeout", type="int", default=None,
                         help="Maximum time to wait (seconds)")
NODE_LIST_OPT = cli_option("-n", "--node", dest="nodes", default=[], action="append",
                           metavar="<node>",
                           help="Node(s) to use (can be given several times)")
HVOPTS_OPT = cli_option("-H", "--hypervisor-parameters", type="keyval", default={},
                        dest="hvparams", help="Hypervisor parameters")
BACKEND_OPT = cli_option("-B", "--backend-parameters", dest="beparams", type="keyval",
                         default={}, help="Backend parameters")
NIC_PARAMS_OPT = cli_option("-N", "--nic-parameters", dest="nicparams", type="keyval",
                            default={}, help="NIC parameters")
HYPERVISOR_OPT = cli_option("-H", "--hypervisor-parameters", dest="hypervisor",
                            type="identkeyval", default=None,
                            help="Hypervisor and hypervisor options, in the format"
                                 " hypervisor:option=value,option=value,...")
TAG_SRC_OPT = cli_option("--from", dest="tags_source", default=None,
                         help="File with tag names, one per line ('-' for stdin)")
