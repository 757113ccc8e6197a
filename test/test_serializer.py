"""Tests for ganeti.serializer: the JSON dialect and signed envelopes."""

import pytest

from ganeti import errors, serializer


def test_dump_is_sorted_compact_with_newline():
    assert serializer.DumpJson({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}\n'


def test_load_rejects_garbage_with_typed_error():
    with pytest.raises(errors.ParseError):
        serializer.LoadJson("{not json")


def test_signed_roundtrip_and_tamper_detection():
    text = serializer.DumpSignedJson({"q": 1}, "secret", salt="1249637704")
    assert serializer.LoadSignedJson(text, "secret") == ({"q": 1}, "1249637704")
    with pytest.raises(errors.SignatureError):
        serializer.LoadSignedJson(text, "other-key")
    tampered = text.replace('\\"q\\":1', '\\"q\\":2')
    assert tampered != text
    with pytest.raises(errors.SignatureError):
        serializer.LoadSignedJson(tampered, "secret")


def test_hmac_is_over_salt_plus_msg():
    import hashlib
    import hmac
    expected = hmac.new(b"k", b"saltmsg", hashlib.sha1).hexdigest()
    assert serializer.Sha1Hmac("k", "msg", salt="salt") == expected
    assert serializer.VerifySha1Hmac("k", "msg", expected.upper(), salt="salt")
