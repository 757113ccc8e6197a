"""GenericMain: the skeleton of every gnt-* command."""

from __future__ import annotations

import logging
import optparse
import os
import sys
from typing import Any, Callable

from ganeti import constants, errors
from ganeti.cli.jobs import JobSubmittedException
from ganeti.cli.options import DEBUG_OPT
from ganeti.cli.output import ToStderr, ToStdout
from ganeti.utils import log as ulog


class _Argument:
    """Positional argument spec: min/max count (max None = unlimited)."""

    def __init__(self, min: int = 0, max: int | None = None):  # noqa: A002 - upstream names
        self.min = min
        self.max = max

    def __repr__(self) -> str:
        return "<%s min=%s max=%s>" % (self.__class__.__name__, self.min, self.max)


class ArgUnknown(_Argument):
    pass


class ArgInstance(_Argument):
    pass


class ArgNode(_Argument):
    pass


class ArgJobId(_Argument):
    pass


class ArgFile(_Argument):
    pass


class ArgCommand(_Argument):
    pass


class ArgHost(_Argument):
    pass


class ArgOs(_Argument):
    pass


ARGS_NONE: list[_Argument] = []
ARGS_MANY_INSTANCES = [ArgInstance()]
ARGS_MANY_NODES = [ArgNode()]
ARGS_ONE_INSTANCE = [ArgInstance(min=1, max=1)]
ARGS_ONE_NODE = [ArgNode(min=1, max=1)]

Command = tuple  # (function, args spec, options, usage, description)


def _CheckArguments(cmd: str, args_def: list[_Argument], args: list[str]) -> bool:
    """Whether args fit args_def; prints why not."""
    min_count = sum(a.min for a in args_def)
    max_count: int | None = 0
    for arg in args_def:
        max_count = None if (max_count is None or arg.max is None) else max_count + arg.max
    if len(args) < min_count:
        ToStderr("Error: Command %s expects at least %d argument(s)", cmd, min_count)
        return False
    if max_count is not None and len(args) > max_count:
        ToStderr("Error: Command %s expects at most %d argument(s)", cmd, max_count)
        return False
    return True


def _Usage(binary: str, commands: dict[str, Command]) -> str:
    lines = ["Usage: %s {command} [options...] [argument...]" % binary,
             "%s <command> --help to see details, or man %s" % (binary, binary), "",
             "Commands:"]
    width = max(len(c) for c in commands)
    for name in sorted(commands):
        lines.append("  %-*s  %s" % (width, name, commands[name][4]))
    return "\n".join(lines)


def GenericMain(commands: dict[str, Command], aliases: dict[str, str] | None = None,
                argv: list[str] | None = None) -> int:
    """Parse argv against a command table, run the command, map errors to exit codes."""
    argv = list(sys.argv if argv is None else argv)
    binary = os.path.basename(argv[0])
    aliases = aliases or {}
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        ToStdout(_Usage(binary, commands))
        return 0 if len(argv) >= 2 else 1
    if argv[1] == "--version":
        ToStdout("%s (ganeti) %s", binary, constants.RELEASE_VERSION)
        return 0
    cmd = aliases.get(argv[1], argv[1])
    if cmd not in commands:
        ToStderr("Unknown command '%s'\n\n%s", argv[1], _Usage(binary, commands))
        return 1
    func, args_def, options, usage, description = commands[cmd]
    parser = optparse.OptionParser(prog="%s %s" % (binary, cmd),
                                   usage="%%prog %s" % usage, description=description,
                                   option_list=[DEBUG_OPT] + list(options))
    parser.set_defaults(debug=0)
    opts, args = parser.parse_args(argv[2:])
    if args_def is not None and not _CheckArguments(cmd, args_def, args):
        return 1
    ulog.SetupLogging(None, binary, debug=opts.debug, stderr_logging=bool(opts.debug))
    return RunCommand(func, opts, args)


def _NoMasterMessage(err: errors.NoMasterError) -> str:
    """Why the master socket is not there: not a cluster node, or not the master."""
    if not isinstance(err, errors.PermissionDeniedError):
        from ganeti import ssconf
        try:
            master, myself = ssconf.GetMasterAndMyself()
        except errors.ConfigurationError:
            return "Cluster not initialized or this machine is not part of a cluster"
        if master != myself:
            return ("This is not the master node, please connect to node '%s' and rerun"
                    " the command" % master)
    return errors.FormatError(err)


def RunCommand(func: Callable[[Any, list[str]], int | None], opts: Any, args: list[str]) -> int:
    """Run one command function; print typed errors the way users expect."""
    try:
        result = func(opts, args)
    except JobSubmittedException as err:
        ToStdout("JobID: %s", err.args[0])
        return 0
    except errors.NoMasterError as err:
        logging.debug("Cannot reach the master daemon", exc_info=True)
        ToStderr(_NoMasterMessage(err))
        return 1
    except errors.GenericError as err:
        logging.debug("Error while running command", exc_info=True)
        ToStderr(errors.FormatError(err))
        return 1
    except KeyboardInterrupt:
        ToStderr("Aborted. Note that if the operation created any jobs, they might have been"
                 " submitted and will continue to run in the background.")
        return 1
    return int(result or 0)


def AskUser(text: str, choices: list[tuple[str, Any, str]] | None = None) -> Any:
    """Ask a question on the terminal; without a terminal, answer the safe default.

    choices are (key, value, help); the last one is the default. Without
    choices it is a y/n question defaulting to False.
    """
    if choices is None:
        choices = [("y", True, "Perform the operation"), ("n", False, "Do not perform")]
    default = choices[-1][1]
    try:
        tty = open("/dev/tty", "a+")
    except OSError:
        return default
    with tty:
        keys = "/".join(c[0] for c in choices)
        for _ in range(5):
            tty.write("%s (%s) " % (text, keys))
            tty.flush()
            answer = tty.readline().strip().lower()
            if not answer:
                return default
            for key, value, _ in choices:
                if answer == key:
                    return value
            if answer == "?":
                for key, _, help_text in choices:
                    tty.write(" %s - %s\n" % (key, help_text))
    return default
