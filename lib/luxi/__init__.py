"""luxi: the master daemon's Unix socket protocol (upstream's ganeti.luxi).

protocol: framing, message format, method names (luxi.REQ_*) and timeouts;
client: the Client the gnt-* commands and RAPI use; server: the socket server
ganeti-masterd runs.
"""

from ganeti.luxi.client import Client  # noqa: F401
from ganeti.luxi.protocol import *  # noqa: F401,F403
