"""What a node daemon does for the master: the node side of every RPC procedure.

One module per area (node, files, hooks, jobqueue, os, ...); ganeti.rpc.defs
maps each procedure to a function here. A function returns its result (the
RPC payload) or raises RPCFail, whose message becomes the caller's
RpcResult.fail_msg; any other exception is reported as an internal error.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from ganeti import errors


class RPCFail(errors.GenericError):
    """A node-side procedure failed; args[0] is the message for the master."""


def Fail(msg: str, *args: Any, log: bool = True) -> NoReturn:
    """Log (unless log=False) and raise RPCFail with msg % args."""
    if args:
        msg = msg % args
    if log:
        logging.error(msg)
    raise RPCFail(msg)
