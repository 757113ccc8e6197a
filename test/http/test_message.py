"""ganeti.http.message: bounded parsing of start lines, header fields and bodies."""

import io

import pytest

from ganeti import errors, http
from ganeti.http import message


def _File(data):
    return io.BufferedReader(io.BytesIO(data))


def test_headers_are_case_insensitive_and_joined():
    headers = message.ReadHeaders(_File(b"Content-Type: a\r\nX-A: 1\r\nx-a: 2\r\n\r\nrest"))
    assert headers["content-type"] == headers.get("CONTENT-TYPE") == "a"
    assert headers["X-A"] == "1, 2" and "x-A" in headers and 5 not in headers
    assert sorted(headers) == ["content-type", "x-a"]


def test_start_line_limits():
    with pytest.raises(message.ConnectionClosed):
        message.ReadStartLine(_File(b""))
    with pytest.raises(message.IncompleteMessage):
        message.ReadStartLine(_File(b"GET / HT"))
    with pytest.raises(http.HttpBadRequest):
        message.ReadStartLine(_File(b"G" * (message.MAX_START_LINE + 10) + b"\r\n"))
    assert message.ReadStartLine(_File(b"GET / HTTP/1.1\r\n")) == "GET / HTTP/1.1"


def test_request_and_status_lines():
    assert message.ParseRequestLine("PUT /x?y HTTP/1.0") == ("PUT", "/x?y", "HTTP/1.0")
    for bad in ("GET /", "GET  / HTTP/1.1", "G3T / HTTP/1.1", "GET / FTP/1.1"):
        with pytest.raises(http.HttpBadRequest):
            message.ParseRequestLine(bad)
    with pytest.raises(http.HttpVersionNotSupported):
        message.ParseRequestLine("GET / HTTP/3")
    assert message.ParseStatusLine("HTTP/1.1 404 Not Found") == ("HTTP/1.1", 404, "Not Found")
    assert message.ParseStatusLine("HTTP/1.1 204") == ("HTTP/1.1", 204, "")
    with pytest.raises(http.HttpBadRequest):
        message.ParseStatusLine("HTTP/1.1 2000 Huh")


def test_header_count_limit():
    data = b"".join(b"X-%d: v\r\n" % i for i in range(message.MAX_HEADER_COUNT + 1)) + b"\r\n"
    with pytest.raises(http.HttpRequestHeaderFieldsTooLarge):
        message.ReadHeaders(_File(data))


def test_body_lengths():
    assert message.BodyLength(message.Headers()) is None
    assert message.BodyLength(message.Headers({"content-length": "12"})) == 12
    assert message.BodyLength(message.Headers({"content-length": "5, 5"})) == 5
    assert message.BodyLength(message.Headers({"transfer-encoding": "Chunked"})) == message.CHUNKED
    for bad in ({"content-length": "-1"}, {"content-length": "1e3"},
                {"content-length": "9" * 19}):
        with pytest.raises(http.HttpBadRequest):
            message.BodyLength(message.Headers(bad))


def test_read_body():
    assert message.ReadBody(_File(b"abcdef"), 3, 10) == b"abc"
    assert message.ReadBody(_File(b""), None, 10) == b""
    with pytest.raises(http.HttpRequestEntityTooLarge):
        message.ReadBody(_File(b"abcdef"), 6, 5)
    with pytest.raises(message.IncompleteMessage):
        message.ReadBody(_File(b"ab"), 3, 10)
    chunked = b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nExpires: never\r\n\r\n"
    assert message.ReadBody(_File(chunked), message.CHUNKED, 100) == b"Wikipedia"
    with pytest.raises(http.HttpRequestEntityTooLarge):
        message.ReadBody(_File(chunked), message.CHUNKED, 8)
    with pytest.raises(http.HttpBadRequest):
        message.ReadBody(_File(b"4\r\nWikiXX0\r\n\r\n"), message.CHUNKED, 100)


def test_wants_close():
    h = message.Headers
    assert not message.WantsClose("HTTP/1.1", h())
    assert message.WantsClose("HTTP/1.1", h({"connection": "Keep-Alive, Close"}))
    assert message.WantsClose("HTTP/1.0", h())
    assert not message.WantsClose("HTTP/1.0", h({"connection": "keep-alive"}))


def test_format_head_refuses_header_injection():
    assert message.FormatHead("HTTP/1.1 200 OK", [("A", 1)]) == b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n"
    with pytest.raises(errors.ProgrammerError):
        message.FormatHead("GET / HTTP/1.1", [("X", "a\r\nEvil: 1")])
