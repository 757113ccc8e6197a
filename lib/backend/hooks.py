"""hooks_runner: run one hooks directory's scripts for an operation's phase.

The scripts of /etc/ganeti/hooks/<hpath>-<phase>.d/ run in name order with
exactly the environment the master built (ganeti.hooksmaster), from /, each
with a timeout. Names that are not plain (letters, digits, - and _) are
ignored, as upstream does, so that editor backups and package manager
leftovers (script~, script.dpkg-old) never run; non-executable files are
reported as skipped.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from typing import Any

from ganeti import constants, errors, pathutils, utils
from ganeti.backend import Fail

HOOK_TIMEOUT = 300  # seconds per script; the RPC's timeout covers several
_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+\Z")
_PHASES = frozenset([constants.HOOKS_PHASE_PRE, constants.HOOKS_PHASE_POST])

HookResult = tuple[str, int, str]


def _RunScript(path: str, env: dict[str, str], timeout: float) -> tuple[int, str]:
    try:
        result = utils.RunCmd([path], env=env, reset_env=True, cwd="/", timeout=timeout)
    except errors.CommandError as err:
        return constants.HKR_FAIL, str(err)
    output = result.output.strip()
    if result.timed_out:
        return constants.HKR_FAIL, ("%s\n" % output if output else "") + \
            "Hook script timed out after %s seconds" % timeout
    if result.failed:
        return constants.HKR_FAIL, output
    return constants.HKR_SUCCESS, output


def RunHooks(hpath: str, phase: str, env: dict[str, Any],
             timeout: float = HOOK_TIMEOUT) -> list[HookResult]:
    """[(subdir/script, HKR_SUCCESS|HKR_FAIL|HKR_SKIP, output)] in script order.

    A missing hooks directory means no hooks (an empty list).
    """
    if not isinstance(hpath, str) or not _NAME_RE.match(hpath):
        Fail("Invalid hooks path %r", hpath)
    if phase not in _PHASES:
        Fail("Unknown hooks phase %r", phase)
    if not isinstance(env, dict):
        Fail("Invalid hooks environment %r", type(env).__name__)
    env = {str(k): str(v) for k, v in env.items()}
    subdir = "%s-%s.d" % (hpath, phase)
    dir_name = os.path.join(pathutils.HOOKS_BASE_DIR, subdir)
    try:
        names = sorted(os.listdir(dir_name))
    except FileNotFoundError:
        return []
    except OSError as err:
        Fail("Cannot list hooks directory %s: %s", dir_name, err)
    results: list[HookResult] = []
    for name in names:
        if not _NAME_RE.match(name):
            continue
        path = os.path.join(dir_name, name)
        relname = "%s/%s" % (subdir, name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or not os.access(path, os.X_OK):
            results.append((relname, constants.HKR_SKIP, ""))
            continue
        status, output = _RunScript(path, env, timeout)
        if status == constants.HKR_FAIL:
            logging.warning("Hook %s failed: %s", relname, output[:200])
        results.append((relname, status, output))
    return results
