"""Reading and writing HTTP/1.1 messages: start line, header fields, body.

Shared by the server (requests) and the client (responses). Parsing works on
a buffered binary file over the socket so that line splitting happens in C;
every read is bounded, and malformed input raises the HttpException the
server answers with (the client turns it into HttpClientError).
"""

from __future__ import annotations

import io
import re
from typing import Iterable

from ganeti import errors, http

MAX_START_LINE = 8192
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_COUNT = 128
_MAX_CHUNK_LINE = 1024
CHUNKED = -1  # BodyLength result for Transfer-Encoding: chunked
_TOKEN_RE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


class ConnectionClosed(errors.HttpError):
    """The peer closed the connection before a new message began."""


class IncompleteMessage(errors.HttpError):
    """The peer closed the connection in the middle of a message."""


class Headers(dict):
    """Header fields keyed by lower-case name; repeated fields joined by ", ".

    Lookups ignore case (headers.get("Content-Length") works); iteration
    yields the lower-case names.
    """

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __setitem__(self, name: str, value: str) -> None:
        dict.__setitem__(self, name.lower(), value)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return dict.get(self, name.lower(), default)


def ReadStartLine(rfile: io.BufferedIOBase) -> str:
    """The first line of a message, without its line end.

    Raises ConnectionClosed if the peer closed before sending anything (the
    normal end of a kept-alive connection).
    """
    line = rfile.readline(MAX_START_LINE + 1)
    if not line:
        raise ConnectionClosed("Connection closed")
    if not line.endswith(b"\n"):
        if len(line) > MAX_START_LINE:
            raise http.HttpBadRequest("Start line too long")
        raise IncompleteMessage("Connection closed in the start line")
    return line.rstrip(b"\r\n").decode("latin-1")


def ReadHeaders(rfile: io.BufferedIOBase) -> Headers:
    """Header fields up to the empty line that ends them."""
    headers = Headers()
    total = 0
    while True:
        line = rfile.readline(MAX_HEADER_BYTES + 1)
        total += len(line)
        if total > MAX_HEADER_BYTES or len(headers) >= MAX_HEADER_COUNT:
            raise http.HttpRequestHeaderFieldsTooLarge("Header fields too large")
        if not line.endswith(b"\n"):
            raise IncompleteMessage("Connection closed in the header fields")
        if line in (b"\r\n", b"\n"):
            return headers
        if line[:1] in (b" ", b"\t"):
            raise http.HttpBadRequest("Obsolete header line folding is not accepted")
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN_RE.match(name):
            raise http.HttpBadRequest("Malformed header line")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        old = dict.get(headers, key)
        dict.__setitem__(headers, key, text if old is None else old + ", " + text)


def ParseRequestLine(line: str) -> tuple[str, str, str]:
    """(method, target, version) of a request line."""
    parts = line.split(" ")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise http.HttpBadRequest("Malformed request line")
    method, target, version = parts
    if not method.isalpha() or not method.isupper():
        raise http.HttpBadRequest("Malformed request method")
    if not version.startswith("HTTP/"):
        raise http.HttpBadRequest("Malformed protocol version")
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise http.HttpVersionNotSupported("Unsupported protocol version %s" % version[:16])
    return method, target, version


def ParseStatusLine(line: str) -> tuple[str, int, str]:
    """(version, status code, reason) of a response's status line."""
    version, _, rest = line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise http.HttpBadRequest("Malformed status line")
    return version, int(code), reason


def BodyLength(headers: Headers) -> int | None:
    """Length the body announces: bytes, CHUNKED, or None (no length given)."""
    te = headers.get("transfer-encoding")
    if te is not None:
        if te.strip().lower() != "chunked":
            raise http.HttpNotImplemented("Unsupported transfer coding %r" % te[:32])
        if "content-length" in headers:
            raise http.HttpBadRequest("Both Content-Length and Transfer-Encoding given")
        return CHUNKED
    value = headers.get("content-length")
    if value is None:
        return None
    values = {v.strip() for v in value.split(",")}
    if len(values) != 1:
        raise http.HttpBadRequest("Conflicting Content-Length values")
    value = values.pop()
    if not value.isdigit() or len(value) > 18:
        raise http.HttpBadRequest("Invalid Content-Length")
    return int(value)


def ReadBody(rfile: io.BufferedIOBase, length: int | None, max_size: int) -> bytes:
    """Read a body of the given BodyLength (None: no body), at most max_size bytes."""
    if not length:
        return b""
    if length == CHUNKED:
        return _ReadChunked(rfile, max_size)
    if length > max_size:
        raise http.HttpRequestEntityTooLarge("Body of %d bytes exceeds the limit of %d"
                                             % (length, max_size))
    data = rfile.read(length)
    if len(data) != length:
        raise IncompleteMessage("Connection closed after %d of %d body bytes"
                                % (len(data), length))
    return data


def _ReadChunked(rfile: io.BufferedIOBase, max_size: int) -> bytes:
    parts = []
    total = 0
    while True:
        line = rfile.readline(_MAX_CHUNK_LINE + 1)
        if not line.endswith(b"\n"):
            if len(line) > _MAX_CHUNK_LINE:
                raise http.HttpBadRequest("Chunk size line too long")
            raise IncompleteMessage("Connection closed in a chunked body")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise http.HttpBadRequest("Invalid chunk size") from None
        if size < 0:
            raise http.HttpBadRequest("Invalid chunk size")
        if size == 0:
            ReadHeaders(rfile)  # trailer fields, ignored
            return b"".join(parts)
        total += size
        if total > max_size:
            raise http.HttpRequestEntityTooLarge("Chunked body exceeds the limit of %d" % max_size)
        data = rfile.read(size + 2)
        if len(data) != size + 2:
            raise IncompleteMessage("Connection closed in a chunk")
        if data[-2:] != b"\r\n":
            raise http.HttpBadRequest("Chunk not terminated by CRLF")
        parts.append(data[:-2])


def WantsClose(version: str, headers: Headers) -> bool:
    """Whether the sender of a message asks to close the connection after it."""
    tokens = {t.strip().lower() for t in (headers.get("connection") or "").split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" not in tokens
    return "close" in tokens


def FormatHead(start_line: str, fields: Iterable[tuple[str, str]]) -> bytes:
    """The start line and header fields of a message, ready to send."""
    lines = [start_line]
    for name, value in fields:
        value = str(value)
        if "\r" in value or "\n" in value:
            raise errors.ProgrammerError("Header %s contains a line break" % name)
        lines.append("%s: %s" % (name, value))
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")
