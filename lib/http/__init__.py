"""HTTP/1.1 (optionally over TLS) for ganeti's daemons and clients.

One small implementation serves the node daemon's RPC and the remote API:
ganeti.http.server (threaded server with keep-alive), ganeti.http.client
(connection-reusing client), ganeti.http.tls (contexts and the cluster
certificate check), ganeti.http.routing and ganeti.http.auth (helpers for
handlers). This module holds the names they share: methods, headers and the
exceptions a handler raises to answer with an error status.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Mapping

from ganeti import errors

HTTP_VERSION = "HTTP/1.1"
HTTP_GET = "GET"
HTTP_HEAD = "HEAD"
HTTP_POST = "POST"
HTTP_PUT = "PUT"
HTTP_DELETE = "DELETE"

HTTP_ALLOW = "Allow"
HTTP_AUTHORIZATION = "Authorization"
HTTP_CONNECTION = "Connection"
HTTP_CONTENT_LENGTH = "Content-Length"
HTTP_CONTENT_TYPE = "Content-Type"
HTTP_EXPECT = "Expect"
HTTP_HOST = "Host"
HTTP_SERVER = "Server"
HTTP_TRANSFER_ENCODING = "Transfer-Encoding"
HTTP_WWW_AUTHENTICATE = "WWW-Authenticate"

HTTP_APP_JSON = "application/json"
HTTP_APP_OCTET_STREAM = "application/octet-stream"


def StatusReason(code: int) -> str:
    """The standard reason phrase of a status code ("Unknown" if none)."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


class HttpException(errors.HttpError):
    """Raised by a request handler to answer with an error status.

    message is the short explanation put in the JSON error body; headers are
    added to the response (e.g. Allow for 405, WWW-Authenticate for 401).
    """

    code = 500

    def __init__(self, message: str | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(message or StatusReason(self.code))
        self.message = message
        self.headers = dict(headers or {})


class HttpBadRequest(HttpException):
    code = 400


class HttpUnauthorized(HttpException):
    code = 401


class HttpForbidden(HttpException):
    code = 403


class HttpNotFound(HttpException):
    code = 404


class HttpMethodNotAllowed(HttpException):
    code = 405


class HttpRequestTimeout(HttpException):
    code = 408


class HttpConflict(HttpException):
    code = 409


class HttpLengthRequired(HttpException):
    code = 411


class HttpRequestEntityTooLarge(HttpException):
    code = 413


class HttpUnsupportedMediaType(HttpException):
    code = 415


class HttpRequestHeaderFieldsTooLarge(HttpException):
    code = 431


class HttpInternalServerError(HttpException):
    code = 500


class HttpNotImplemented(HttpException):
    code = 501


class HttpServiceUnavailable(HttpException):
    code = 503


class HttpVersionNotSupported(HttpException):
    code = 505


class HttpClientError(errors.HttpError):
    """A client request failed below HTTP: connect, TLS, timeout, bad reply."""


class HttpClientTimeout(HttpClientError):
    """A client request did not complete within its timeout."""
