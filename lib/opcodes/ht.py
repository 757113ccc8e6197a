"""A small vocabulary of parameter checks for opcodes.

Each check is a callable returning whether a value is acceptable, and knows
how to describe itself, so that a refused parameter produces a message such
as "parameter 'duration' must be a non-negative number, got -1" without
every opcode writing its own checks.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable


class Check:
    """A named predicate on parameter values."""

    def __init__(self, fn: Callable[[Any], bool], description: str):
        self._fn = fn
        self.description = description

    def __call__(self, value: Any) -> bool:
        try:
            return bool(self._fn(value))
        except (TypeError, ValueError):
            return False

    def __repr__(self) -> str:
        return "<Check %s>" % self.description


def _IsInt(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _IsNumber(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


TAny = Check(lambda _: True, "anything")
TNone = Check(lambda v: v is None, "none")
TBool = Check(lambda v: isinstance(v, bool), "a boolean")
TString = Check(lambda v: isinstance(v, str), "a string")
TNonEmptyString = Check(lambda v: isinstance(v, str) and bool(v), "a non-empty string")
TInt = Check(_IsInt, "an integer")
TNonNegativeInt = Check(lambda v: _IsInt(v) and v >= 0, "a non-negative integer")
TPositiveInt = Check(lambda v: _IsInt(v) and v > 0, "a positive integer")
TNumber = Check(_IsNumber, "a number")
TNonNegativeNumber = Check(lambda v: _IsNumber(v) and v >= 0, "a non-negative number")
TList = Check(lambda v: isinstance(v, list), "a list")
TDict = Check(lambda v: isinstance(v, dict), "a dictionary")


def TMaybe(check: Check) -> Check:
    """check, or None (for "not given, use the cluster default")."""
    return Check(lambda v: v is None or check(v), "%s or none" % check.description)


def TOr(*checks: Check) -> Check:
    return Check(lambda v: any(c(v) for c in checks),
                 " or ".join(c.description for c in checks))


def TAnd(*checks: Check) -> Check:
    return Check(lambda v: all(c(v) for c in checks),
                 " and ".join(c.description for c in checks))


def TElemOf(values: Iterable[Any]) -> Check:
    allowed = frozenset(values)
    return Check(lambda v: v in allowed,
                 "one of %s" % ", ".join(sorted(repr(a) for a in allowed)))


def TListOf(check: Check) -> Check:
    return Check(lambda v: isinstance(v, list) and all(check(i) for i in v),
                 "a list of %s" % _Plural(check.description))


def TDictOf(key_check: Check, value_check: Check) -> Check:
    return Check(lambda v: isinstance(v, dict) and
                 all(key_check(k) and value_check(i) for k, i in v.items()),
                 "a dictionary of %s to %s" % (_Plural(key_check.description),
                                               _Plural(value_check.description)))


def TTupleOf(*checks: Check) -> Check:
    """A fixed-length sequence (JSON makes tuples lists) of the given checks."""
    return Check(lambda v: isinstance(v, (list, tuple)) and len(v) == len(checks) and
                 all(c(i) for c, i in zip(checks, v)),
                 "a (%s) pair" % ", ".join(c.description for c in checks)
                 if len(checks) == 2 else
                 "a sequence of (%s)" % ", ".join(c.description for c in checks))


def _Plural(description: str) -> str:
    for article in ("a ", "an "):
        if description.startswith(article):
            return description[len(article):] + "s"
    return description


TStrings = TListOf(TNonEmptyString)
TMaybeString = TMaybe(TNonEmptyString)
TMaybeStrings = TMaybe(TStrings)
TStringDict = TDictOf(TNonEmptyString, TAny)
TMaybeDict = TMaybe(TDict)
TUidRange = TTupleOf(TNonNegativeInt, TNonNegativeInt)
