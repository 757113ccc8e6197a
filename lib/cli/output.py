"""Output helpers: tables as every gnt-* list command prints them."""

from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Sequence

from ganeti import errors, utils


def ToStdout(txt: str, *args: Any) -> None:
    _Write(sys.stdout, txt, args)


def ToStderr(txt: str, *args: Any) -> None:
    _Write(sys.stderr, txt, args)


def _Write(stream, txt: str, args: tuple) -> None:
    try:
        stream.write((txt % args if args else txt) + "\n")
        stream.flush()
    except BrokenPipeError:
        pass


def ParseFields(selected: str | None, default: Sequence[str]) -> list[str]:
    """Resolve -o: 'a,b' replaces the defaults, '+a,b' adds to them."""
    if selected is None:
        return list(default)
    if selected.startswith("+"):
        return list(default) + [f for f in selected[1:].split(",") if f]
    return [f for f in selected.split(",") if f]


def _FormatValue(value: Any, is_unit: bool, units: str) -> str:
    if value is None:
        return "-"
    if is_unit and isinstance(value, (int, float)) and not isinstance(value, bool):
        return utils.FormatUnit(value, units)
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def GenerateTable(headers: dict[str, str] | None, fields: Sequence[str],
                  separator: str | None, data: Iterable[Sequence[Any]],
                  numfields: Iterable[str] = (), unitfields: Iterable[str] = (),
                  units: str | None = None) -> list[str]:
    """Format rows as lines, the way gnt-* list commands print them.

    Without a separator columns are padded (numbers right-aligned) and units
    default to human-readable; with a separator nothing is padded and units
    default to MiB so that scripts get plain numbers. headers=None means
    --no-headers.
    """
    if units is None:
        units = "h" if separator is None else "m"
    numfields = set(numfields)
    unitfields = set(unitfields)
    rows = [[_FormatValue(v, f in unitfields, units) for f, v in zip(fields, row)]
            for row in data]
    if headers is not None:
        rows.insert(0, [headers.get(f, f) for f in fields])
    if separator is not None:
        return [separator.join(row) for row in rows]
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(fields))]
    lines = []
    for row in rows:
        cells = []
        for i, (field, cell) in enumerate(zip(fields, row)):
            last = i == len(fields) - 1
            if field in numfields or field in unitfields:
                cells.append(cell.rjust(widths[i]))
            else:
                cells.append(cell if last else cell.ljust(widths[i]))
        lines.append(" ".join(cells).rstrip())
    return lines


def FormatTimestamp(ts: Sequence[int] | float | None) -> str:
    """Format a (sec, usec) pair or a float as local time, '?' if unknown."""
    if ts is None:
        return "?"
    if isinstance(ts, (list, tuple)):
        if len(ts) != 2:
            raise errors.ProgrammerError("Invalid timestamp %r" % (ts,))
        sec, usec = ts
        return time.strftime("%F %T", time.localtime(sec)) + ".%06d" % usec
    return time.strftime("%F %T", time.localtime(ts))
