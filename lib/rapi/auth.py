"""The RAPI users file: who may use the API, with which password and access.

One user a line, ``name password [options]``, options a comma-separated
list of which only ``write`` (and the redundant ``read``) mean anything.
Passwords are plain text, ``{cleartext}...`` or ``{HA1}<md5 hex of
user:Ganeti Remote API:password>``, the scheme prefix in any case. ``#``
starts a comment line. A malformed line is reported and skipped, never read
as something more permissive. The daemon keeps the file's users in a
UsersFile, which re-reads the file whenever it changes (ganeti.utils.
filewatch), so that adding or removing a user needs no restart.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterable

from ganeti import constants, utils
from ganeti.http import auth as http_auth
from ganeti.utils import filewatch

REALM = constants.HTTP_BASIC_AUTH_REALM
#: Seconds between forced re-reads when inotify reports nothing (and the poll
#: interval without inotify).
CHECK_INTERVAL = 60.0
POLL_INTERVAL = 1.0


class PasswordFileUser:
    """One user of the users file."""

    __slots__ = ("name", "password", "options")

    def __init__(self, name: str, password: str, options: Iterable[str] = ()):
        self.name = name
        self.password = password
        self.options = frozenset(options)

    @property
    def can_write(self) -> bool:
        return constants.RAPI_ACCESS_WRITE in self.options

    def CheckPassword(self, password: str) -> bool:
        """Whether password is this user's (constant-time comparison)."""
        return http_auth.VerifyBasicAuthPassword(self.name, password, self.password, REALM)

    def __repr__(self) -> str:
        return "<PasswordFileUser %s %s>" % (self.name, sorted(self.options))


def ParseUsers(text: str) -> tuple[dict[str, PasswordFileUser], list[str]]:
    """(users by name, problems found) of a users file's contents.

    Problems name the line; the offending line is skipped whole, and an
    unknown option is dropped (it never grants anything).
    """
    users: dict[str, PasswordFileUser] = {}
    problems: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) not in (2, 3):
            problems.append("line %d: expected 'name password [options]', found %d fields"
                            % (lineno, len(fields)))
            continue
        name, password = fields[0], fields[1]
        options = []
        if len(fields) == 3:
            for opt in fields[2].split(","):
                opt = opt.strip().lower()
                if opt in constants.RAPI_ACCESS_ALL:
                    options.append(opt)
                elif opt:
                    problems.append("line %d: unknown option %r ignored" % (lineno, opt))
        if name in users:
            problems.append("line %d: user %r defined again, the later entry wins"
                            % (lineno, name))
        users[name] = PasswordFileUser(name, password, options)
    return users, problems


def ReadUsersFile(path: str) -> dict[str, PasswordFileUser]:
    """The users of a users file; problems are logged. A missing file has no users."""
    try:
        data = utils.ReadFile(path, binary=True)
    except OSError as err:
        logging.warning("Cannot read the RAPI users file %s: %s", path, err)
        return {}
    users, problems = ParseUsers(data.decode("utf-8", "replace"))  # type: ignore[union-attr]
    for problem in problems:
        logging.warning("RAPI users file %s, %s", path, problem)
    return users


class UsersFile:
    """The current users of one file, re-read when it changes."""

    def __init__(self, path: str):
        self.path = path
        self._users: dict[str, PasswordFileUser] = {}
        self._lock = threading.Lock()
        self._watcher: filewatch.FileWatcher | None = None
        self.loads = 0  # how often the file was (re)read, for logs and tests
        self._loaded = threading.Condition(self._lock)

    def Load(self) -> None:
        """(Re-)read the file now."""
        users = ReadUsersFile(self.path)
        with self._lock:
            self._users = users
            self.loads += 1
            self._loaded.notify_all()
        logging.info("Loaded %d RAPI user(s) from %s", len(users), self.path)

    def WaitForLoad(self, count: int, timeout: float) -> bool:
        """Wait until the file was read at least count times (tests, diagnostics)."""
        with self._lock:
            return self._loaded.wait_for(lambda: self.loads >= count, timeout)

    def StartWatching(self, use_inotify: bool | None = None) -> None:
        """Re-read the file from now on whenever it is written, replaced or removed."""
        self._watcher = filewatch.FileWatcher(self.path, self.Load,
                                              check_interval=CHECK_INTERVAL,
                                              poll_interval=POLL_INTERVAL,
                                              use_inotify=use_inotify, name="rapi-users")
        self._watcher.Start()
        logging.debug("Watching %s (%s)", self.path, self._watcher.backend)

    def StopWatching(self) -> None:
        if self._watcher is not None:
            self._watcher.Stop()
            self._watcher = None

    def Get(self, name: str) -> PasswordFileUser | None:
        with self._lock:
            return self._users.get(name)

    def Authenticate(self, name: str, password: str) -> PasswordFileUser | None:
        """The user if name and password match an entry, else None."""
        user = self.Get(name)
        if user is None or not user.CheckPassword(password):
            return None
        return user
