"""ganeti.http.auth: Basic credentials and stored password forms."""

import base64
import hashlib

import pytest

from ganeti import http
from ganeti.http import auth, message


def _Basic(text):
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_parse_basic_auth():
    assert auth.ParseBasicAuth(_Basic("jack:se:cret")) == ("jack", "se:cret")
    assert auth.ParseBasicAuth(None) is None
    assert auth.ParseBasicAuth("Digest abc") is None
    for bad in ("Basic !!!", _Basic("no-colon")):
        with pytest.raises(http.HttpBadRequest):
            auth.ParseBasicAuth(bad)


def test_verify_password_forms():
    realm = "Ganeti Remote API"
    ha1 = hashlib.md5(b"jack:Ganeti Remote API:secret").hexdigest()
    assert auth.VerifyBasicAuthPassword("jack", "secret", "{HA1}" + ha1.upper(), realm)
    assert not auth.VerifyBasicAuthPassword("jill", "secret", "{HA1}" + ha1, realm)
    assert auth.VerifyBasicAuthPassword("jack", "secret", "{CLEARTEXT}secret", realm)
    assert auth.VerifyBasicAuthPassword("jack", "secret", "secret", realm)
    assert not auth.VerifyBasicAuthPassword("jack", "Secret", "secret", realm)


def test_require_basic_auth():
    check = lambda user, password: (user, password) == ("jack", "secret")
    headers = message.Headers({"authorization": _Basic("jack:secret")})
    assert auth.RequireBasicAuth(headers, "R", check) == "jack"
    for value in (None, _Basic("jack:wrong")):
        headers = message.Headers({} if value is None else {"authorization": value})
        with pytest.raises(http.HttpUnauthorized) as exc:
            auth.RequireBasicAuth(headers, "R", check)
        assert exc.value.code == 401
        assert exc.value.headers == {"WWW-Authenticate": 'Basic realm="R"'}
