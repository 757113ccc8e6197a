"""Temporary reservations of unique resources, per execution context.

A job that creates an instance picks MACs, DRBD minors and secrets before the
instance is in the configuration; until it is added (or the job ends), other
jobs must not pick the same values. Reservations are keyed by the execution
context id (the job id) and dropped together when the job finishes.
"""

from __future__ import annotations

import collections
import random
from typing import Callable, Hashable, Iterable

from ganeti import errors


class TemporaryReservationManager:
    """Values reserved by running jobs, each under its job's ec_id."""

    def __init__(self) -> None:
        self._by_ec: dict[Hashable, set] = collections.defaultdict(set)

    def Reserve(self, ec_id: Hashable, value: Hashable) -> None:
        """Reserve value for ec_id; ReservationError if another job holds it."""
        for owner, values in self._by_ec.items():
            if value in values and owner != ec_id:
                raise errors.ReservationError("Duplicate reservation of %r" % (value,))
        self._by_ec[ec_id].add(value)

    def Release(self, value: Hashable) -> None:
        """Forget one value, whoever reserved it (it is now in the configuration)."""
        for values in self._by_ec.values():
            values.discard(value)

    def DropECReservations(self, ec_id: Hashable) -> None:
        self._by_ec.pop(ec_id, None)

    def GetReserved(self) -> set:
        return set().union(*self._by_ec.values()) if self._by_ec else set()

    def Generate(self, existing: Iterable[Hashable], generate_one: Callable[[], Hashable],
                 ec_id: Hashable, attempts: int = 64) -> Hashable:
        """A new value not in existing and not reserved, reserved for ec_id."""
        taken = set(existing) | self.GetReserved()
        for _ in range(attempts):
            value = generate_one()
            if value not in taken:
                self.Reserve(ec_id, value)
                return value
        raise errors.ReservationError("Unable to generate a unique value after %d attempts"
                                      % attempts)


def RandomMac(prefix: str) -> str:
    """prefix (three octets, "aa:00:00") plus three random octets."""
    return "%s:%02x:%02x:%02x" % (prefix, random.randint(0, 255), random.randint(0, 255),
                                  random.randint(0, 255))


def RandomSecret() -> str:
    """A DRBD shared secret (hex; drbd accepts up to 64 characters)."""
    return "%032x" % random.SystemRandom().getrandbits(128)


def FreeMinor(used: Iterable[int]) -> int:
    """The lowest non-negative integer not in used."""
    taken = set(used)
    minor = 0
    while minor in taken:
        minor += 1
    return minor
