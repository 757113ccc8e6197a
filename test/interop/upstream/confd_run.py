"""Ask ganeti-confd with upstream's confd client (Debian's ganeti-3.0).

Started by test/interop as `/usr/bin/python3 -I`; upstream's Python
components are put first on sys.path, so `ganeti` is upstream's package,
never this tree. Reads {"path", "key_file", "peers", "queries": [[type,
query], ...], "timeout"} as JSON on stdin. Each query goes to every peer
through upstream's ConfdClient, its ConfdFilterCallback (which keeps the
reply with the highest serial) and StoreResultCallback; upstream's client
checks each reply's magic, HMAC and salt before it gets there. Prints
{"module", "result": [{"answered", "sent", "received", "status", "answer",
"serial", "server_ip"}, ...]}.
"""

import json
import sys


def Main():
    request = json.load(sys.stdin)
    sys.path.insert(0, request["path"])
    from ganeti import utils
    from ganeti.confd import client

    store = client.StoreResultCallback()
    cl = client.ConfdClient(utils.ReadFile(request["key_file"]), request["peers"],
                            client.ConfdFilterCallback(store))
    results = []
    for rtype, query in request["queries"]:
        req = client.ConfdClientRequest(type=rtype, query=query)
        # async_=False sends now: upstream's ReceiveReply only reads
        cl.SendRequest(req, coverage=-1, async_=False)
        _, sent, received = cl.WaitForReply(req.rsalt, timeout=request["timeout"])
        answered, up = store.GetResponse(req.rsalt)
        reply = up.server_reply if answered else None
        results.append({"answered": answered, "sent": sent, "received": received,
                        "status": reply and reply.status, "answer": reply and reply.answer,
                        "serial": reply and reply.serial,
                        "server_ip": up.server_ip if answered else None})
    json.dump({"module": client.__file__, "result": results}, sys.stdout)


if __name__ == "__main__":
    Main()
