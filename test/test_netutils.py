"""ganeti.netutils: the virtual cluster's hosts file comes before DNS."""

import pytest

from ganeti import errors, netutils


@pytest.fixture
def hosts(tmp_path, monkeypatch):
    path = tmp_path / "hosts"
    path.write_text("# virtual cluster\n127.1.2.1 node1.example.com node1\n"
                    "127.1.2.2 node2.example.com node2  # second\n")
    monkeypatch.setattr(netutils.pathutils, "HOSTS_FILE", str(path))
    return path


def test_hosts_file_resolution(hosts):
    assert netutils.Hostname.Resolve("node1") == ("node1.example.com", "127.1.2.1")
    assert netutils.Hostname.Resolve("node2.example.com") == ("node2.example.com", "127.1.2.2")
    assert netutils.Hostname.Resolve("127.9.9.9") == ("127.9.9.9", "127.9.9.9")


def test_unknown_name(hosts):
    with pytest.raises(errors.ResolverError):
        netutils.Hostname.Resolve("no-such-host.invalid")


def test_ip_checks():
    assert netutils.IsValidIP4("127.0.0.1") and not netutils.IsValidIP4("::1")
    assert netutils.IsValidIP6("::1") and not netutils.IsValidIP("nope")
    with pytest.raises(errors.IPAddressError):
        netutils.GetAddressFamily("300.1.1.1")
