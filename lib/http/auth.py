"""HTTP Basic authentication helpers for server handlers (RAPI).

The server leaves authentication to handlers: a handler's PreHandleRequest
calls RequireBasicAuth with its own password check, before the body is read.
Stored passwords may be clear text or upstream's "{HA1}" form, the hex MD5
of "user:realm:password", so that a users file never needs plain passwords.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Callable

from ganeti import http
from ganeti.http import message

_HA1_PREFIX = "{ha1}"
_CLEARTEXT_PREFIX = "{cleartext}"


def ParseBasicAuth(value: str | None) -> tuple[str, str] | None:
    """(user, password) of an Authorization header; None if absent or not Basic."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise http.HttpBadRequest("Malformed Basic authorization") from None
    user, sep, password = decoded.partition(":")
    if not sep:
        raise http.HttpBadRequest("Malformed Basic authorization")
    return user, password


def VerifyBasicAuthPassword(user: str, password: str, expected: str, realm: str) -> bool:
    """Check a password against a stored one ("{HA1}<md5>", "{cleartext}..." or plain)."""
    lowered = expected.lower()
    if lowered.startswith(_HA1_PREFIX):
        digest = hashlib.md5(("%s:%s:%s" % (user, realm, password)).encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, lowered[len(_HA1_PREFIX):])
    if lowered.startswith(_CLEARTEXT_PREFIX):
        expected = expected[len(_CLEARTEXT_PREFIX):]
    return hmac.compare_digest(password.encode("utf-8"), expected.encode("utf-8"))


def RequireBasicAuth(headers: message.Headers, realm: str,
                     check_fn: Callable[[str, str], bool]) -> str:
    """The authenticated user name, or HttpUnauthorized with a Basic challenge."""
    creds = ParseBasicAuth(headers.get(http.HTTP_AUTHORIZATION))
    if creds is None or not check_fn(*creds):
        raise http.HttpUnauthorized(headers={http.HTTP_WWW_AUTHENTICATE:
                                             'Basic realm="%s"' % realm})
    return creds[0]
