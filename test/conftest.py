"""Test-wide fixtures; makes test/ importable so suites can `import testutils`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402
import testutils  # noqa: E402


@pytest.fixture
def reaper():
    """Kills, by PID, every process registered with it when the test ends."""
    r = testutils.Reaper()
    yield r
    r.KillAll()
