"""Remote procedure calls from the master to the node daemons.

ganeti.rpc.defs is the table of procedures shared with ganeti-noded,
ganeti.rpc.client the parallel HTTPS transport and RpcResult, and
ganeti.rpc.node the RpcRunner whose call_<procedure> methods logical units
use. The wire format and security model are described in doc/rpc.md.
"""

from ganeti.rpc.client import OFFLINE_MSG, RpcResult, Target  # noqa: F401
from ganeti.rpc.node import (  # noqa: F401
    ConfigResolver,
    HostnameResolver,
    RpcRunner,
    StaticResolver,
)
