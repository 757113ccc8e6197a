"""Text helpers: units, natural sorting, UUIDs."""

from __future__ import annotations

import re
import uuid
from typing import Any, Callable, Iterable

from ganeti import errors

_UNITS = {"m": 1, "g": 1024, "t": 1024 * 1024}
_UNIT_RE = re.compile(r"^([.\d]+)\s*([a-zA-Z]+)?$")


def ParseUnit(value: str | int) -> int:
    """Parse '512', '512M', '1.5G', '2t' into MiB (rounded up to 4 MiB like LVM)."""
    if isinstance(value, int):
        return value
    match = _UNIT_RE.match(str(value).strip())
    if not match:
        raise errors.UnitParseError("Invalid format: %r" % value)
    number, unit = match.groups()
    try:
        size = float(number)
    except ValueError as err:
        raise errors.UnitParseError("Invalid number %r" % number) from err
    unit = (unit or "m").lower()
    if unit in ("mb", "mib"):
        unit = "m"
    elif unit in ("gb", "gib"):
        unit = "g"
    elif unit in ("tb", "tib"):
        unit = "t"
    if unit not in _UNITS:
        raise errors.UnitParseError("Unknown unit %r" % unit)
    result = int(size * _UNITS[unit] + 0.999999)
    if result % 4:
        result += 4 - result % 4
    return result


def FormatUnit(value: int | float, units: str = "h") -> str:
    """Format a MiB value: 'h' picks a human unit, 'm'/'g'/'t' force one."""
    if units not in ("m", "g", "t", "h"):
        raise errors.ProgrammerError("Invalid unit %r" % units)
    if units == "m" or (units == "h" and value < 1024):
        return "%dM" % round(value) if units == "h" else "%d" % round(value)
    if units == "g" or (units == "h" and value < 1024 * 1024):
        text = "%0.1f" % (value / 1024.0)
        return text + "G" if units == "h" else text
    text = "%0.1f" % (value / 1024.0 / 1024.0)
    return text + "T" if units == "h" else text


_SORT_RE = re.compile(r"(\d+|\D+)")


def NiceSortKey(name: str) -> list[Any]:
    """Key that sorts 'node2' before 'node10'."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in _SORT_RE.findall(name)]


def NiceSort(values: Iterable[str], key: Callable[[Any], str] | None = None) -> list:
    """Sort names the way people expect numbers inside them to sort."""
    if key is None:
        return sorted(values, key=NiceSortKey)
    return sorted(values, key=lambda v: NiceSortKey(key(v)))


def NewUUID() -> str:
    """A new random UUID string (the persistent object id of the 2.1 design)."""
    return str(uuid.uuid4())


def TryConvert(fn: Callable[[Any], Any], value: Any) -> Any:
    """fn(value), or value unchanged if that fails."""
    try:
        return fn(value)
    except (ValueError, TypeError):
        return value


def SafeEncode(text: str) -> str:
    """Escape non-printable characters so that text is safe in logs."""
    return "".join(c if c.isprintable() or c in "\n\t" else "\\x%02x" % ord(c) for c in text)
