"""Makes the source tree importable as `ganeti` for tests and their children.

lib/ is the ganeti package; a `ganeti -> lib` symlink at the top (made here
and by `make`) lets tests, daemons and tools started by tests import it
without an install, via PYTHONPATH.
"""

import os
import sys

TOP = os.path.dirname(os.path.abspath(__file__))
_LINK = os.path.join(TOP, "ganeti")
if not os.path.islink(_LINK):
    try:
        os.symlink("lib", _LINK)
    except FileExistsError:
        pass
if TOP not in sys.path:
    sys.path.insert(0, TOP)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [TOP] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != TOP])
os.environ["PATH"] = os.pathsep.join(
    [os.path.join(TOP, "scripts"), os.path.join(TOP, "daemons"), os.path.join(TOP, "tools"),
     os.path.dirname(sys.executable), os.environ.get("PATH", "")])
