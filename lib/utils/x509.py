"""Certificates and keys of a cluster: the node certificate, RAPI's, confd's key.

The node daemon certificate (server.pem) is self-signed and shared by every
node; RPC trusts exactly that certificate, so making, loading and
fingerprinting it lives in one place. Files hold the private key followed by
the certificate, in PEM, readable by root only.

Uses the `cryptography` package (which pyOpenSSL is built on).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets

from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ganeti import constants, errors
from ganeti.utils import io

RSA_KEY_BITS = 2048
CERT_FILE_MODE = 0o400
_CLOCK_SKEW = datetime.timedelta(minutes=5)  # backdate notBefore: nodes' clocks differ
_PEM_CERT_RE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\s*",
                          re.DOTALL)

# Results of VerifyCertificate
CERT_OK = None
CERT_WARNING = "warning"
CERT_ERROR = "error"


def _Now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def GenerateSelfSignedX509Cert(common_name: str,
                               validity_days: int = constants.X509_CERT_DEFAULT_VALIDITY
                               ) -> tuple[bytes, bytes]:
    """A new RSA key and a self-signed certificate for it: (key PEM, cert PEM).

    The certificate is marked as a CA so that TLS libraries accept it as the
    single trust anchor a peer is verified against.
    """
    if validity_days <= 0:
        raise errors.X509CertError("Invalid certificate validity %r" % validity_days)
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _Now()
    cert = (cx509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now - _CLOCK_SKEW)
            .not_valid_after(now + datetime.timedelta(days=validity_days))
            .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def GenerateSelfSignedSslCert(file_name: str, common_name: str,
                              validity_days: int = constants.X509_CERT_DEFAULT_VALIDITY
                              ) -> bytes:
    """Write a new key and self-signed certificate to one root-only PEM file.

    Used for server.pem (the cluster's node certificate) and rapi.pem; returns
    the certificate PEM.
    """
    key_pem, cert_pem = GenerateSelfSignedX509Cert(common_name, validity_days)
    io.WriteFile(file_name, key_pem + cert_pem, mode=CERT_FILE_MODE, mkdir=True)
    return cert_pem


def GenerateHmacKey(file_name: str) -> str:
    """Write a new confd HMAC key: 40 hex characters and a newline, root-only."""
    key = secrets.token_hex(constants.HMAC_KEY_BYTES)
    io.WriteFile(file_name, key + "\n", mode=CERT_FILE_MODE, mkdir=True)
    return key


def ExtractCertificatePem(pem: bytes) -> bytes:
    """The first certificate block of a key+certificate PEM file."""
    match = _PEM_CERT_RE.search(pem)
    if not match:
        raise errors.X509CertError("No certificate found in PEM data")
    return match.group(0).strip() + b"\n"


def LoadCertificate(pem: bytes) -> cx509.Certificate:
    """Parse the certificate of a PEM blob (a key+cert file is fine)."""
    try:
        return cx509.load_pem_x509_certificate(ExtractCertificatePem(pem))
    except ValueError as err:
        raise errors.X509CertError("Invalid certificate: %s" % err) from err


def ReadCertificateFile(file_name: str) -> bytes:
    """The certificate PEM of a key+cert file, with a typed error."""
    try:
        data = io.ReadFile(file_name, binary=True)
    except OSError as err:
        raise errors.X509CertError("Cannot read certificate file %s: %s" % (file_name, err)) from err
    return ExtractCertificatePem(data)


def GetCertificateDigest(cert: bytes | cx509.Certificate) -> str:
    """SHA-256 fingerprint (hex) of a certificate given as PEM, DER or object.

    This is what RPC compares: a peer is accepted only if its certificate's
    digest equals the cluster certificate's.
    """
    if isinstance(cert, cx509.Certificate):
        der = cert.public_bytes(serialization.Encoding.DER)
    elif cert.lstrip().startswith(b"-----"):
        der = LoadCertificate(cert).public_bytes(serialization.Encoding.DER)
    else:
        der = cert
    return hashlib.sha256(der).hexdigest()


def VerifyCertificate(cert: cx509.Certificate,
                      warn_days: int = constants.SSL_CERT_EXPIRATION_WARN,
                      error_days: int = constants.SSL_CERT_EXPIRATION_ERROR,
                      now: datetime.datetime | None = None) -> tuple[str | None, str | None]:
    """Check a certificate's validity period: (CERT_OK|CERT_WARNING|CERT_ERROR, message).

    Cluster verify reports a certificate that is not yet valid, expired, or
    about to expire (within error_days: error; within warn_days: warning).
    """
    now = now or _Now()
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    if now < not_before:
        return CERT_ERROR, "Certificate not yet valid (valid from %s)" % not_before.isoformat()
    if now >= not_after:
        return CERT_ERROR, "Certificate expired on %s" % not_after.isoformat()
    days_left = (not_after - now).days
    if days_left <= error_days:
        return CERT_ERROR, "Certificate expires in %d days (%s)" % (days_left, not_after.isoformat())
    if days_left <= warn_days:
        return CERT_WARNING, "Certificate expires in %d days (%s)" % (days_left, not_after.isoformat())
    return CERT_OK, None


def CheckKeyCertFile(file_name: str) -> None:
    """Check that a key+cert PEM file holds a key matching its certificate.

    Daemons call this at start so that a broken server.pem is reported clearly
    instead of as an obscure TLS handshake failure later.
    """
    try:
        data = io.ReadFile(file_name, binary=True)
    except OSError as err:
        raise errors.X509CertError("Cannot read %s: %s" % (file_name, err)) from err
    cert = LoadCertificate(data)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise errors.X509CertError("No usable private key in %s: %s" % (file_name, err)) from err
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, pub)
            != cert.public_key().public_bytes(serialization.Encoding.DER, pub)):
        raise errors.X509CertError("The key in %s does not match its certificate" % file_name)
