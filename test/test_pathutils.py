"""ganeti.pathutils: GANETI_ROOTDIR relocates every path."""

import os
import subprocess
import sys

_DUMP = ("from ganeti import pathutils as p; import json; "
         "print(json.dumps({k: getattr(p, k) for k in dir(p) if k.isupper() and "
         "isinstance(getattr(p, k), str) and k not in ('ROOT_ENV', 'HOSTNAME_ENV')}))")


def _Paths(root):
    env = dict(os.environ)
    env.pop("GANETI_ROOTDIR", None)
    if root:
        env["GANETI_ROOTDIR"] = root
    out = subprocess.run([sys.executable, "-c", _DUMP], env=env, check=True,
                         capture_output=True, text=True).stdout
    import json
    return json.loads(out)


def test_rootdir_relocates_every_path(tmp_path):
    plain = _Paths(None)
    root = str(tmp_path / "node1")
    moved = _Paths(root + "/")
    assert set(plain) == set(moved) and len(plain) > 30
    for key, value in plain.items():
        if key == "ROOT_DIR":
            assert (value, moved[key]) == ("", root)
            continue
        for orig, new in zip(value.split(":"), moved[key].split(":")):
            assert new == root + orig, key


def test_hostname_override(monkeypatch):
    from ganeti import netutils
    monkeypatch.setenv("GANETI_HOSTNAME", "node7.example.com")
    assert netutils.GetHostname() == "node7.example.com"


def test_os_search_path_includes_debians_os_directory():
    # Debian's OS definition packages (ganeti-os-noop, ganeti-instance-debootstrap)
    # install under /usr/share/ganeti/os; it is searched last, as Debian builds upstream.
    assert _Paths(None)["OS_SEARCH_PATH"].split(":") == [
        "/srv/ganeti/os", "/usr/local/lib/ganeti/os", "/usr/lib/ganeti/os",
        "/usr/share/ganeti/os"]
