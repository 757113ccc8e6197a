"""Tests of locking.LockAttemptTimeoutStrategy: the retry schedule."""

from __future__ import annotations

import pytest

from ganeti import errors, locking


def _Schedule(calls, **kwargs):
    sleeps = []
    strategy = locking.LockAttemptTimeoutStrategy(sleep_fn=sleeps.append, **kwargs)
    return [strategy.NextAttempt() for _ in range(calls)], sleeps


def test_default_is_two_to_the_tries_then_blocking():
    timeouts, sleeps = _Schedule(7, random_fn=lambda: 0.0)
    assert timeouts == [1.0, 2.0, 4.0, 8.0, 16.0, None, None]
    # A (here zero) pause after each failed timed attempt, none before the first.
    assert sleeps == [0.0] * 5


def test_jitter_lengthens_and_backoff_pauses():
    timeouts, sleeps = _Schedule(4, attempts=3, random_fn=lambda: 1.0)
    assert timeouts == pytest.approx([1.1, 2.2, 4.4, None])
    assert sleeps == pytest.approx([0.11, 0.22, 0.44])


def test_cap_and_custom_schedule():
    timeouts, _ = _Schedule(7, attempts=6, start=0.5, factor=3.0, cap=5.0, jitter=0.0,
                            backoff=0.0)
    assert timeouts == [0.5, 1.5, 4.5, 5.0, 5.0, 5.0, None]


def test_zero_attempts_blocks_at_once():
    timeouts, sleeps = _Schedule(2, attempts=0)
    assert timeouts == [None, None] and sleeps == []


def test_default_constructor_as_mcpu_calls_it():
    strategy = locking.LockAttemptTimeoutStrategy()
    first = strategy.NextAttempt()
    assert 1.0 <= first <= 1.1


@pytest.mark.parametrize("kwargs", [{"attempts": -1}, {"start": 0}, {"factor": 0.5},
                                    {"cap": 0.5}, {"jitter": -0.1}, {"backoff": -1}])
def test_invalid_schedules(kwargs):
    with pytest.raises(errors.ProgrammerError):
        locking.LockAttemptTimeoutStrategy(**kwargs)
