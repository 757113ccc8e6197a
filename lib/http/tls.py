"""TLS contexts for ganeti's HTTP, and the cluster-certificate peer check.

Node daemon RPC trusts one certificate: the cluster's self-signed
server.pem, which every node holds. Both ends present it and accept a peer
only if the peer presents the very same certificate. Two layers enforce
that: OpenSSL verifies the peer against that certificate as the single trust
anchor (so anything else fails in the handshake, with a TLS alert the other
side can log), and PeerDigestCheck then compares the peer's certificate
fingerprint with ours, so a different certificate made with the cluster key
is refused too.

The standard library's ssl module is used (see doc/rpc.md for why, with
figures): the handshake and record layer run in C without the GIL, timeouts
work as for plain sockets, and makefile() gives C-speed line reading.
"""

from __future__ import annotations

import hmac
import ssl

from ganeti import errors
from ganeti.utils import x509

_MIN_VERSION = ssl.TLSVersion.TLSv1_2


def _LoadChain(ctx: ssl.SSLContext, cert_file: str) -> None:
    try:
        ctx.load_cert_chain(cert_file)
    except (OSError, ssl.SSLError) as err:
        raise errors.X509CertError("Cannot load key and certificate from %s: %s"
                                   % (cert_file, err)) from err


def _TrustOnly(ctx: ssl.SSLContext, cert_pem: bytes) -> None:
    ctx.verify_mode = ssl.CERT_REQUIRED
    try:
        ctx.load_verify_locations(cadata=cert_pem.decode("ascii"))
    except (ssl.SSLError, UnicodeDecodeError) as err:
        raise errors.X509CertError("Cannot use certificate as trust anchor: %s" % err) from err


def ServerContext(cert_file: str, require_peer_cert: bool = False) -> ssl.SSLContext:
    """A server context using the key and certificate in cert_file.

    With require_peer_cert, clients must present that same certificate (the
    node daemon); without, any client may connect (RAPI, which authenticates
    users over HTTP).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = _MIN_VERSION
    ctx.num_tickets = 0  # clients do not resume sessions; they keep connections
    _LoadChain(ctx, cert_file)
    if require_peer_cert:
        _TrustOnly(ctx, x509.ReadCertificateFile(cert_file))
    return ctx


def ClientContext(trusted_cert_pem: bytes | None, client_cert_file: str | None = None
                  ) -> ssl.SSLContext:
    """A client context that trusts exactly trusted_cert_pem (None: no check).

    Host names are not checked: nodes are reached by IP address and share one
    certificate whose name is the cluster's. client_cert_file is presented to
    the server (the node daemon requires the cluster certificate).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = _MIN_VERSION
    ctx.check_hostname = False
    if trusted_cert_pem is None:
        ctx.verify_mode = ssl.CERT_NONE
    else:
        _TrustOnly(ctx, trusted_cert_pem)
    if client_cert_file is not None:
        _LoadChain(ctx, client_cert_file)
    return ctx


class PeerDigestCheck:
    """Accept a TLS peer only if its certificate is exactly the given one."""

    def __init__(self, cert_pem: bytes):
        self.digest = x509.GetCertificateDigest(cert_pem)

    def __call__(self, sock: ssl.SSLSocket) -> None:
        """Raise errors.X509CertError unless the peer presented our certificate."""
        der = sock.getpeercert(binary_form=True)
        if not der:
            raise errors.X509CertError("Peer presented no certificate")
        if not hmac.compare_digest(x509.GetCertificateDigest(der), self.digest):
            raise errors.X509CertError("Peer certificate is not the cluster certificate")


def ClusterServerContext(cert_file: str) -> tuple[ssl.SSLContext, PeerDigestCheck]:
    """Server context and peer check of the node daemon (clients need our certificate)."""
    return (ServerContext(cert_file, require_peer_cert=True),
            PeerDigestCheck(x509.ReadCertificateFile(cert_file)))


def ClusterClientContext(cert_file: str) -> tuple[ssl.SSLContext, PeerDigestCheck]:
    """Client context and peer check for RPC to node daemons."""
    cert_pem = x509.ReadCertificateFile(cert_file)
    return ClientContext(cert_pem, client_cert_file=cert_file), PeerDigestCheck(cert_pem)
