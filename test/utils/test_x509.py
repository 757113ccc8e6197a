"""ganeti.utils.x509: cluster certificates, HMAC key, digests, validity checks."""

import datetime
import os
import ssl

import pytest

from ganeti import errors
from ganeti.utils import x509


def test_self_signed_cert_file(tmp_path):
    path = str(tmp_path / "sub" / "server.pem")
    cert_pem = x509.GenerateSelfSignedSslCert(path, "cluster.example.com", validity_days=10)
    assert os.stat(path).st_mode & 0o777 == 0o400
    data = open(path, "rb").read()
    assert data.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert x509.ExtractCertificatePem(data) == cert_pem
    x509.CheckKeyCertFile(path)
    cert = x509.LoadCertificate(data)
    assert cert.subject.rfc4514_string() == "CN=cluster.example.com"
    assert cert.issuer == cert.subject
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 10
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path)  # what the daemons do with it


def test_digest_is_the_same_for_pem_der_and_object(tmp_path):
    key_pem, cert_pem = x509.GenerateSelfSignedX509Cert("a")
    cert = x509.LoadCertificate(key_pem + cert_pem)
    der = ssl.PEM_cert_to_DER_cert(cert_pem.decode())
    digests = {x509.GetCertificateDigest(v) for v in (cert_pem, der, cert)}
    assert len(digests) == 1 and len(digests.pop()) == 64
    other = x509.GenerateSelfSignedX509Cert("a")[1]
    assert x509.GetCertificateDigest(other) != x509.GetCertificateDigest(cert_pem)


def test_hmac_key(tmp_path):
    path = str(tmp_path / "hmac.key")
    key = x509.GenerateHmacKey(path)
    content = open(path).read()
    assert content == key + "\n" and len(key) == 40 and int(key, 16) >= 0
    assert os.stat(path).st_mode & 0o777 == 0o400
    assert x509.GenerateHmacKey(str(tmp_path / "other")) != key


def test_check_key_cert_file_errors(tmp_path):
    first = str(tmp_path / "first.pem")
    x509.GenerateSelfSignedSslCert(first, "a")
    key2, cert2 = x509.GenerateSelfSignedX509Cert("b")
    mismatched = tmp_path / "mismatch.pem"
    mismatched.write_bytes(key2 + open(first, "rb").read().split(b"-----END RSA PRIVATE KEY-----\n")[1])
    with pytest.raises(errors.X509CertError, match="does not match"):
        x509.CheckKeyCertFile(str(mismatched))
    only_cert = tmp_path / "cert.pem"
    only_cert.write_bytes(cert2)
    with pytest.raises(errors.X509CertError, match="private key"):
        x509.CheckKeyCertFile(str(only_cert))
    with pytest.raises(errors.X509CertError, match="Cannot read"):
        x509.CheckKeyCertFile(str(tmp_path / "missing.pem"))
    with pytest.raises(errors.X509CertError, match="No certificate"):
        x509.LoadCertificate(b"garbage")


def test_verify_certificate_validity():
    cert = x509.LoadCertificate(x509.GenerateSelfSignedX509Cert("a", validity_days=100)[1])
    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    assert x509.VerifyCertificate(cert) == (x509.CERT_OK, None)
    assert x509.VerifyCertificate(cert, now=now + 80 * day)[0] == x509.CERT_WARNING
    assert x509.VerifyCertificate(cert, now=now + 95 * day)[0] == x509.CERT_ERROR
    status, msg = x509.VerifyCertificate(cert, now=now + 101 * day)
    assert status == x509.CERT_ERROR and "expired" in msg
    status, msg = x509.VerifyCertificate(cert, now=now - day)
    assert status == x509.CERT_ERROR and "not yet valid" in msg
    with pytest.raises(errors.X509CertError):
        x509.GenerateSelfSignedX509Cert("a", validity_days=0)
