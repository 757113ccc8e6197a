"""node-daemon-setup: what the master runs over SSH on a node it adds.

It reads one JSON object on stdin — the cluster certificate and known_hosts
file the node daemon needs, the ssconf values — writes them under this
node's root and starts the node daemon. Everything else (config, keys for
candidates) arrives later through the node daemon, authenticated by the
certificate this step installs. Only the files named here are accepted.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

from ganeti import constants, errors, pathutils, serializer, ssconf
from ganeti.rpc import defs
from ganeti.tools import daemon_util
from ganeti.utils import io

#: cluster path -> file mode; the only files this tool writes.
ALLOWED_FILES = {
    defs.StripRoot(pathutils.NODED_CERT_FILE): constants.SECURE_FILE_MODE,
    defs.StripRoot(pathutils.SSH_KNOWN_HOSTS_FILE): 0o644,
}


def EncodeFile(cluster_path: str, data: bytes) -> dict[str, Any]:
    """The stdin entry for one file (master side)."""
    return {"path": cluster_path, "content": base64.b64encode(data).decode("ascii")}


def _Apply(request: Any) -> list[str]:
    if not isinstance(request, dict):
        raise errors.ParameterError("Expected a JSON object on stdin")
    files = request.get("files", [])
    values = request.get("ssconf", {})
    if not isinstance(files, list) or not isinstance(values, dict):
        raise errors.ParameterError("'files' must be a list and 'ssconf' an object")
    done = []
    for entry in files:
        path = entry.get("path") if isinstance(entry, dict) else None
        if path not in ALLOWED_FILES:
            raise errors.ParameterError("File %r may not be written by node setup" % (path,))
        try:
            data = base64.b64decode(entry["content"], validate=True)
        except (KeyError, TypeError, ValueError) as err:
            raise errors.ParameterError("Bad content for %s: %s" % (path, err)) from err
        io.WriteFile(pathutils.Prefix(path), data, mode=ALLOWED_FILES[path], mkdir=True)
        done.append("wrote %s" % path)
    if values:
        ssconf.WriteSsconfFiles({str(k): str(v) for k, v in values.items()})
        done.append("wrote %d ssconf files" % len(values))
    if request.get("start_daemons", True):
        done.append(daemon_util.StopDaemon(constants.NODED))
        done.append(daemon_util.StartDaemon(constants.NODED))
    return done


def Main() -> int:
    try:
        request = serializer.LoadJson(sys.stdin.read())
        for line in _Apply(request):
            print(line)
    except (errors.GenericError, OSError) as err:
        print("node-daemon-setup failed: %s" % (err.args[0] if err.args else err), file=sys.stderr)
        return constants.EXIT_FAILURE
    return constants.EXIT_SUCCESS
