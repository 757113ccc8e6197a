"""Node side of the 2.1 storage units framework (gnt-node list-storage etc.)."""

from __future__ import annotations

from typing import Any

from ganeti import errors
from ganeti.backend import Fail
from ganeti.storage import units


def ListStorage(storage_type: str, args: list[Any], name: str | None,
                fields: list[str]) -> list[list[Any]]:
    try:
        return units.ListStorage(storage_type, args, name, fields)
    except errors.GenericError as err:
        Fail("Cannot list %s storage: %s", storage_type, err.args[0] if err.args else err)


def ModifyStorage(storage_type: str, args: list[Any], name: str,
                  changes: dict[str, Any]) -> None:
    try:
        units.ModifyStorage(storage_type, args, name, changes)
    except errors.GenericError as err:
        Fail("Cannot modify %s storage %s: %s", storage_type, name,
             err.args[0] if err.args else err)


def ExecuteStorageOp(storage_type: str, args: list[Any], name: str, op: str) -> list[str]:
    try:
        return units.ExecuteStorageOp(storage_type, args, name, op)
    except errors.GenericError as err:
        Fail("Cannot run %s on %s storage %s: %s", op, storage_type, name,
             err.args[0] if err.args else err)
