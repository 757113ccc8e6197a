"""ganeti.http.routing: path patterns, 404, 405 with Allow, HEAD served by GET."""

import pytest

from ganeti import http
from ganeti.http import routing


class _Resource:
    def GET(self, name):
        return "get " + name

    def PUT(self, name):
        return "put " + name


def _Router():
    router = routing.Router()
    router.Add(r"/2/instances/([^/]+)", _Resource())
    router.Add(r"/2/instances/([^/]+)/(tags)", object())
    return router


def test_resolve_and_decode_groups():
    fn, groups = _Router().Resolve("GET", "/2/instances/inst%201.example.com")
    assert groups == ("inst 1.example.com",) and fn(*groups) == "get inst 1.example.com"
    fn, _ = _Router().Resolve("HEAD", "/2/instances/x")
    assert fn("x") == "get x"


def test_not_found_requires_full_match():
    for path in ("/2/instances", "/2/instances/a/b", "/x/2/instances/a"):
        with pytest.raises(http.HttpNotFound):
            _Router().Resolve("GET", path)


def test_method_not_allowed_lists_allowed_methods():
    with pytest.raises(http.HttpMethodNotAllowed) as exc:
        _Router().Resolve("DELETE", "/2/instances/a")
    assert exc.value.code == 405
    assert exc.value.headers == {"Allow": "GET, HEAD, PUT"}
    with pytest.raises(http.HttpMethodNotAllowed):
        _Router().Resolve("__init__", "/2/instances/a")
    with pytest.raises(http.HttpMethodNotAllowed) as exc:
        _Router().Resolve("GET", "/2/instances/a/tags")
    assert exc.value.headers == {"Allow": ""}
