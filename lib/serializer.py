"""JSON serialisation and HMAC-signed messages.

One place decides the JSON dialect (simplejson, sorted keys, trailing
newline), because confd signs the exact bytes and the job queue and config
files must be stable across writes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import simplejson
from simplejson.encoder import encode_basestring_ascii as _EncodeString

from ganeti import errors

_DUMP_COMPACT = dict(sort_keys=True, separators=(",", ":"))
_DUMP_PRETTY = dict(sort_keys=True, indent=2, separators=(",", ": "))
# Built once: simplejson.dumps(**options) constructs an encoder per call, which
# costs more than encoding a small confd message.
_COMPACT_ENCODER = simplejson.JSONEncoder(**_DUMP_COMPACT)
_PRETTY_ENCODER = simplejson.JSONEncoder(**_DUMP_PRETTY)


def DumpJson(data: Any, indent: bool = False) -> str:
    """Serialise to JSON text with a trailing newline."""
    try:
        text = (_PRETTY_ENCODER if indent else _COMPACT_ENCODER).encode(data)
    except (TypeError, ValueError) as err:
        raise errors.ProgrammerError("Cannot serialise %r: %s" % (type(data), err)) from err
    return text + "\n"


def LoadJson(text: str | bytes) -> Any:
    """Parse JSON text; raise ParseError (not ValueError) on bad input."""
    try:
        return simplejson.loads(text)
    except (ValueError, TypeError) as err:
        raise errors.ParseError("Invalid JSON: %s" % err) from err


def Sha1Hmac(key: bytes | str, text: str | bytes, salt: str | bytes = b"") -> str:
    """Hex HMAC-SHA1 of salt+text; the signature confd and signed files use."""
    if isinstance(key, str):
        key = key.encode()
    if isinstance(text, str):
        text = text.encode()
    if isinstance(salt, str):
        salt = salt.encode()
    return hmac.new(key, salt + text, hashlib.sha1).hexdigest()


def VerifySha1Hmac(key: bytes | str, text: str | bytes, digest: str,
                   salt: str | bytes = b"") -> bool:
    """Constant-time check of a Sha1Hmac signature."""
    if not isinstance(digest, str):
        return False
    return hmac.compare_digest(Sha1Hmac(key, text, salt=salt), digest.lower())


def DumpSignedJson(data: Any, key: bytes | str, salt: str = "") -> str:
    """Wrap data as {"msg": <json text>, "salt", "hmac"} (the confd envelope)."""
    return SignMessage(DumpJson(data), key, salt=salt)


def SignMessage(msg: str, key: bytes | str, salt: str = "") -> str:
    """The signed envelope of already serialised JSON text (lets confd cache msg).

    Formatted directly, byte for byte what DumpJson would give for the dict
    (sorted keys, compact, ASCII escapes): confd does this for every query.
    """
    return '{"hmac":"%s","msg":%s,"salt":%s}\n' % (Sha1Hmac(key, msg, salt=salt),
                                                   _EncodeString(msg), _EncodeString(salt))


def LoadSignedJson(text: str | bytes, key: bytes | str) -> tuple[Any, str]:
    """Verify and unwrap a DumpSignedJson envelope; returns (data, salt)."""
    envelope = LoadJson(text)
    if not isinstance(envelope, dict):
        raise errors.SignatureError("Signed message is not a JSON object")
    try:
        msg = envelope["msg"]
        salt = envelope["salt"]
        digest = envelope["hmac"]
    except KeyError as err:
        raise errors.SignatureError("Signed message lacks field %s" % err) from err
    if not (isinstance(msg, str) and isinstance(salt, str)):
        raise errors.SignatureError("Signed message fields have wrong types")
    if not VerifySha1Hmac(key, msg, digest, salt=salt):
        raise errors.SignatureError("Invalid signature")
    return LoadJson(msg), salt
