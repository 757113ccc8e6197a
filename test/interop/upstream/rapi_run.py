"""Run a snippet with upstream's RAPI client (Debian's python3-ganeti-rapi).

Started by test/interop as `/usr/bin/python3 -I`, so `ganeti` here is
upstream's package, never this tree. Reads {"host", "port", "user",
"password", "cafile", "code", "args"} as JSON on stdin and runs code with
`cl` (a GanetiRapiClient verifying the server against cafile), `client`
(the module) and `args`; prints {"module", "result"}, where result is the
value the code left in `result`, or {"error": {"class", "code", "message"}}
for an exception escaping it.
"""

import json
import sys

from ganeti.rapi import client


def Main():
    request = json.load(sys.stdin)
    cl = client.GanetiRapiClient(
        request["host"], request["port"], request["user"], request["password"],
        curl_config_fn=client.GenericCurlConfig(cafile=request["cafile"]))
    scope = {"cl": cl, "client": client, "args": request["args"], "result": None}
    try:
        exec(request["code"], scope)  # the tests' own snippets
        result = scope["result"]
    except Exception as err:  # reported to the test, which asserts on it
        result = {"error": {"class": type(err).__name__, "code": getattr(err, "code", None),
                            "message": str(err)}}
    json.dump({"module": client.__file__, "result": result}, sys.stdout, default=str)


if __name__ == "__main__":
    Main()
