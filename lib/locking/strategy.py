"""How an operation retries taking its locks: growing timeouts, then blocking.

The 2.1 design: instead of blocking on its locks, an operation tries to take
them all within a timeout; when that expires it releases everything, pauses
and tries again with a longer timeout (2**tries seconds), and after a few
attempts it blocks.  While it is paused, operations that only needed some of
those locks get them.  ganeti.mcpu drives one strategy per opcode.
"""

from __future__ import annotations

import random
import time
from typing import Callable

from ganeti import errors


class LockAttemptTimeoutStrategy:
    """The schedule of lock-acquire timeouts for one operation.

    Attempt n (from 0) gets min(cap, start * factor**n) seconds, lengthened
    at random by up to `jitter` of itself so that jobs which timed out
    together do not retry in lock step.  After `attempts` timed attempts
    NextAttempt() returns None: block until the locks are free.  Every call
    but the first is made after a failed attempt, so it first sleeps a random
    pause of up to `backoff` times the timeout that just expired; the caller
    needs no sleep of its own.  Defaults: 1, 2, 4, 8, 16 s (+<=10%), then block.
    """

    def __init__(self, attempts: int = 5, start: float = 1.0, factor: float = 2.0,
                 cap: float = 30.0, jitter: float = 0.1, backoff: float = 0.1,
                 sleep_fn: Callable[[float], None] = time.sleep,
                 random_fn: Callable[[], float] = random.random) -> None:
        if attempts < 0 or start <= 0 or factor < 1 or cap < start or jitter < 0 or backoff < 0:
            raise errors.ProgrammerError("Invalid lock attempt schedule")
        self._attempts = attempts
        self._start = start
        self._factor = factor
        self._cap = cap
        self._jitter = jitter
        self._backoff = backoff
        self._sleep = sleep_fn
        self._random = random_fn
        self._tries = 0
        self._last: float | None = None

    def NextAttempt(self) -> float | None:
        """Pause after a failed attempt, then return the next timeout (None: block)."""
        if self._last is not None and self._backoff:
            self._sleep(self._backoff * self._last * self._random())
        if self._tries >= self._attempts:
            self._last = None
            return None
        base = min(self._cap, self._start * self._factor ** self._tries)
        self._tries += 1
        self._last = base * (1.0 + self._jitter * self._random())
        return self._last
