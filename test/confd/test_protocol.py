"""Tests for ganeti.confd.protocol: the plj0 wire format, byte for byte."""

import hashlib
import hmac
import json

import pytest

from ganeti import constants, errors
from ganeti.confd import protocol

# The two datagrams of the 2.1 design ("Wire protocol"), as upstream's
# Python client and server put them on the wire: unsorted keys, ", "
# separators, msg ending in a newline. The design's hmac values were made
# with a key nobody knows, so they must fail verification with any of ours.
SPEC_QUERY = (b'plj0{"msg": "{\\"type\\": 1, \\"rsalt\\": \\"9aa6ce92-8336-11de-af38-001d093e835f\\",'
              b' \\"protocol\\": 1, \\"query\\": \\"node1.example.com\\"}\\n", "salt": "1249637704",'
              b' "hmac": "4a4139b2c3c5921f7e439469a0a45ad200aead0f"}')
SPEC_REPLY = (b'plj0{"msg": "{\\"status\\": 0, \\"answer\\": 0, \\"serial\\": 42, \\"protocol\\": 1}\\n",'
              b' "salt": "9aa6ce92-8336-11de-af38-001d093e835f",'
              b' "hmac": "aaeccc0dff9328fdf7967cb600b6a80a6a9332af"}')
SPEC_QUERY_MSG = ('{"type": 1, "rsalt": "9aa6ce92-8336-11de-af38-001d093e835f", "protocol": 1,'
                  ' "query": "node1.example.com"}\n')
SPEC_REPLY_MSG = '{"status": 0, "answer": 0, "serial": 42, "protocol": 1}\n'
SPEC_TIME = 1249637704
KEY = b"0123456789abcdef0123456789abcdef01234567\n"


def _Resign(datagram: bytes, key: bytes) -> bytes:
    """The same datagram with its hmac recomputed by hand (independently of our code)."""
    envelope = json.loads(datagram[4:])
    digest = hmac.new(key, (envelope["salt"] + envelope["msg"]).encode(), hashlib.sha1)
    return datagram.replace(envelope["hmac"].encode(), digest.hexdigest().encode())


def test_spec_datagrams_parse_to_the_design_fields():
    for datagram, msg in ((SPEC_QUERY, SPEC_QUERY_MSG), (SPEC_REPLY, SPEC_REPLY_MSG)):
        envelope = json.loads(protocol.UnpackMagic(datagram))
        assert envelope["msg"] == msg
    query = json.loads(SPEC_QUERY_MSG)
    assert query == {"type": constants.CONFD_REQ_NODE_ROLE_BYNAME, "protocol": 1,
                     "rsalt": "9aa6ce92-8336-11de-af38-001d093e835f",
                     "query": "node1.example.com"}


def test_spec_datagrams_fail_with_our_key():
    for unpack in (lambda d: protocol.UnpackRequest(d, KEY, now=SPEC_TIME),
                   lambda d: protocol.UnpackReply(d, KEY)):
        for datagram in (SPEC_QUERY, SPEC_REPLY):
            with pytest.raises(protocol.ConfdDropError) as err:
                unpack(datagram)
            assert err.value.reason == protocol.DROP_BAD_SIGNATURE


def test_spec_query_signed_with_our_key_is_accepted_as_is():
    datagram = _Resign(SPEC_QUERY, KEY)
    request = protocol.UnpackRequest(datagram, KEY, now=SPEC_TIME + 299)
    assert (request.protocol, request.type, request.query, request.rsalt) == (
        1, 1, "node1.example.com", "9aa6ce92-8336-11de-af38-001d093e835f")


def test_spec_reply_signed_with_our_key_is_accepted_as_is():
    reply, salt = protocol.UnpackReply(_Resign(SPEC_REPLY, KEY), KEY)
    assert salt == "9aa6ce92-8336-11de-af38-001d093e835f"
    assert reply.ToDict() == {"status": 0, "answer": 0, "serial": 42, "protocol": 1}


def test_packed_request_is_the_documented_format():
    request = protocol.ConfdRequest(constants.CONFD_REQ_NODE_ROLE_BYNAME, "node1.example.com",
                                    rsalt="9aa6ce92-8336-11de-af38-001d093e835f")
    datagram = protocol.PackRequest(request, KEY, now=SPEC_TIME + 0.9)
    assert datagram.startswith(b"plj0{")
    envelope = json.loads(datagram[4:])
    assert set(envelope) == {"msg", "salt", "hmac"}
    assert envelope["salt"] == str(SPEC_TIME)
    assert envelope["msg"].endswith("\n")
    assert json.loads(envelope["msg"]) == json.loads(SPEC_QUERY_MSG)
    expected = hmac.new(KEY, (envelope["salt"] + envelope["msg"]).encode(), hashlib.sha1)
    assert envelope["hmac"] == expected.hexdigest()
    # compact JSON with sorted keys, as protocol-facts.md fixes
    assert datagram[4:].decode() == json.dumps(envelope, sort_keys=True,
                                               separators=(",", ":")) + "\n"


def test_query_without_query_field_leaves_it_out():
    request = protocol.ConfdRequest(constants.CONFD_REQ_PING, rsalt="r")
    envelope = json.loads(protocol.PackRequest(request, KEY)[4:])
    assert "query" not in json.loads(envelope["msg"])


def test_reply_roundtrip_uses_rsalt_as_salt():
    reply = protocol.ConfdReply(constants.CONFD_REPL_STATUS_OK, ["a", 1], 7)
    got, salt = protocol.UnpackReply(protocol.PackReply(reply, "my-rsalt", KEY), KEY)
    assert salt == "my-rsalt"
    assert got == reply


@pytest.mark.parametrize("skew,accepted", [(0, True), (300, True), (-300, True),
                                           (301, False), (-301, False), (-3600, False)])
def test_clock_window_is_five_minutes_either_way(skew, accepted):
    datagram = protocol.PackRequest(protocol.ConfdRequest(0, rsalt="r"), KEY, now=SPEC_TIME)
    if accepted:
        assert protocol.UnpackRequest(datagram, KEY, now=SPEC_TIME - skew).type == 0
    else:
        with pytest.raises(protocol.ConfdDropError) as err:
            protocol.UnpackRequest(datagram, KEY, now=SPEC_TIME - skew)
        assert err.value.reason == protocol.DROP_CLOCK_SKEW


def _Signed(msg: str, salt: str = str(SPEC_TIME)) -> bytes:
    digest = hmac.new(KEY, (salt + msg).encode(), hashlib.sha1).hexdigest()
    return b"plj0" + json.dumps({"msg": msg, "salt": salt, "hmac": digest}).encode()


@pytest.mark.parametrize("datagram,reason", [
    (b"", protocol.DROP_BAD_MAGIC),
    (b"plj", protocol.DROP_BAD_MAGIC),
    (b"xxxx{}", protocol.DROP_BAD_MAGIC),
    (b"plj0" + b" " * constants.MAX_UDP_DATA_SIZE, protocol.DROP_OVERSIZED),
    (b"plj0not json", protocol.DROP_MALFORMED),
    (b"plj0\xff\xfe", protocol.DROP_MALFORMED),
    (b"plj0[1, 2]", protocol.DROP_BAD_SIGNATURE),
    (b'plj0{"msg": "{}", "salt": "1"}', protocol.DROP_BAD_SIGNATURE),
    (b'plj0{"msg": 1, "salt": "1", "hmac": "00"}', protocol.DROP_BAD_SIGNATURE),
    (_Signed("not json"), protocol.DROP_MALFORMED),
    (_Signed("[1]"), protocol.DROP_MALFORMED),
    (_Signed('{"protocol": 1, "type": "1", "rsalt": "r"}'), protocol.DROP_MALFORMED),
    (_Signed('{"protocol": 1, "type": true, "rsalt": "r"}'), protocol.DROP_MALFORMED),
    (_Signed('{"protocol": 1, "type": 1}'), protocol.DROP_MALFORMED),
    (_Signed('{"protocol": 1, "type": 1, "rsalt": "r", "query": 5}'), protocol.DROP_MALFORMED),
    (_Signed('{"protocol": 2, "type": 1, "rsalt": "r"}'), protocol.DROP_BAD_PROTOCOL),
    (_Signed('{"protocol": 1, "type": 1, "rsalt": "r"}', salt="12.5"), protocol.DROP_MALFORMED),
    (_Signed('{"protocol": 1, "type": 1, "rsalt": "r"}', salt="1"), protocol.DROP_CLOCK_SKEW),
])
def test_bad_queries_are_dropped_with_their_reason(datagram, reason):
    with pytest.raises(protocol.ConfdDropError) as err:
        protocol.UnpackRequest(datagram, KEY, now=SPEC_TIME)
    assert err.value.reason == reason
    assert isinstance(err.value, errors.ConfdRequestError)


def test_altered_msg_or_salt_fails_the_signature():
    good = _Signed('{"protocol": 1, "type": 1, "rsalt": "r", "query": "node1"}')
    assert protocol.UnpackRequest(good, KEY, now=SPEC_TIME).query == "node1"
    for altered in (good.replace(b"node1", b"node2"),
                    good.replace(str(SPEC_TIME).encode(), str(SPEC_TIME + 1).encode())):
        with pytest.raises(protocol.ConfdDropError) as err:
            protocol.UnpackRequest(altered, KEY, now=SPEC_TIME)
        assert err.value.reason == protocol.DROP_BAD_SIGNATURE


def test_malformed_replies_are_dropped():
    for msg in ('{"status": 0, "serial": 1, "protocol": 1}', '{"status": 0, "answer": 1,'
                ' "serial": "1", "protocol": 1}', '"x"'):
        with pytest.raises(protocol.ConfdDropError) as err:
            protocol.UnpackReply(_Signed(msg, salt="r"), KEY)
        assert err.value.reason == protocol.DROP_MALFORMED


def test_too_large_request_cannot_be_packed():
    request = protocol.ConfdRequest(2, {"2": ["10.0.0.1"] * 10000}, rsalt="r")
    with pytest.raises(errors.UdpDataSizeError):
        protocol.PackRequest(request, KEY)


def test_hmac_key_is_the_whole_file(tmp_path):
    path = tmp_path / "hmac.key"
    path.write_bytes(KEY)
    assert protocol.ReadHmacKey(str(path)) == KEY
    path.write_bytes(b"\n")
    with pytest.raises(errors.ConfigurationError):
        protocol.ReadHmacKey(str(path))
    with pytest.raises(errors.ConfigurationError):
        protocol.ReadHmacKey(str(tmp_path / "missing"))
