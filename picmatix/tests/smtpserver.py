"""A real SMTP server on 127.0.0.1 for the email tests: aiosmtpd with STARTTLS and AUTH LOGIN.

`mail_server` starts it on a free port with a certificate made for the test (its own CA,
trusted through SSL_CERT_FILE, the variable OpenSSL reads, so Django's SMTP backend verifies the
certificate and the host name exactly as in production) and points Django's email settings at it the
way the production environment does (PICMATIX_EMAIL=smtp, EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS,
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD). Each test scripts the server's answers with `server.script`.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

USER = "shop@example.test"
PASSWORD = "s3cret-for-the-test"

# What the server does with one attempt to deliver a message.
ACCEPT = "accept"
REFUSE_RECIPIENT_550 = "550 5.1.1 No such user here"
REFUSE_RECIPIENT_451 = "451 4.3.0 Mailbox temporarily unavailable, try again later"
REFUSE_DATA_554 = "554 5.7.1 Message rejected as spam"
DROP_CONNECTION = "drop"


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: Message


@dataclass
class MailServer:
    """The server's record of what happened, and the answers it will give, attempt by attempt."""

    port: int = 0
    # One entry per delivery attempt (RCPT TO), used in order; ACCEPT once the list is exhausted.
    script: list[str] = field(default_factory=list)
    attempts: int = 0
    delivered: list[Delivered] = field(default_factory=list)
    logins: list[tuple[str, str, bool]] = field(default_factory=list)  # (mechanism, user, over TLS)
    _current: str = ACCEPT

    # aiosmtpd handler hooks ------------------------------------------------------------------------
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        self.attempts += 1
        self._current = self.script.pop(0) if self.script else ACCEPT
        if self._current == DROP_CONNECTION:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()  # the connection dies mid-conversation
            return "421 4.4.2 gone"
        if self._current.startswith(("4", "5")) and self._current != REFUSE_DATA_554:
            return self._current
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._current == REFUSE_DATA_554:
            return REFUSE_DATA_554
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        self.delivered.append(Delivered(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((mechanism, user, session.ssl is not None))
        return AuthResult(success=user == USER and password == PASSWORD)


class _FreePortController(Controller):
    """aiosmtpd's controller, bound to a port the OS picks (never a fixed one)."""

    def _create_server(self) -> Any:
        async def create() -> asyncio.AbstractServer:
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0)
            self.port = server.sockets[0].getsockname()[1]
            return server

        return create()


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) for 127.0.0.1, written to ``folder``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "picmatix test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # certificate and CRL signing only
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server-key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


@contextmanager
def mail_server(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """The server, running, with Django's email settings pointing at it (for a test's fixture)."""
    ca_path, cert_path, key_path = _certificates(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_path, key_path)
    state = MailServer()
    controller = _FreePortController(
        state,
        hostname="127.0.0.1",
        server_hostname="mail.picmatix.test",
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        auth_exclude_mechanism=["PLAIN"],  # the client must use AUTH LOGIN
        authenticator=state.authenticate,
    )
    controller.start()
    state.port = controller.port
    # Trust the test's CA the way an operator trusts a private one; the verification stays on.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    # What production's environment gives (picmatix/settings.py: PICMATIX_EMAIL=smtp, EMAIL_*).
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = state.port
    settings.EMAIL_USE_TLS = True
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = USER
    settings.EMAIL_HOST_PASSWORD = PASSWORD
    settings.EMAIL_TIMEOUT = 5
    try:
        yield state
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend is configured to use."""
    with mail_server(settings, tmp_path, monkeypatch) as server:
        yield server
