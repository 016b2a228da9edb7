"""A danemail mail server for system tests: writes a configuration with an [smtp] section and a self-signed
P-256 certificate, creates the domain and accounts with the `danemail domain|user|alias` commands, starts
`danemail serve`, and reads what was delivered with `danemail mailbox list` / `danemail queue list`.

Each test module gives its own loopback address; the standard ports (25, 587, 465) are used there, so the
tests run as root (as the lab does). Use the `mail_server` factory fixture:

    from mail import mail_server  # noqa: F401 (the fixture)

    def test_x(mail_server):
        server = mail_server("127.6.1.1")
        server.add_user("alice@example.test", "secret-pass")
"""
import datetime
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import run

DOMAIN = "example.test"
HOST = "mx.example.test"


def make_certificate(directory: Path, host=HOST):
    """A self-signed P-256 certificate for `host`; returns (certificate path, key path, certificate DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "mx.crt", directory / "mx.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path, cert.public_bytes(serialization.Encoding.DER)


def port_open(address, port):
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


class MailServer:
    """danemail serving SMTP on `address` (25, 587, 465) for DOMAIN, state in `directory`/state."""

    def __init__(self, danemail, directory: Path, address, smtp_options="", domain=DOMAIN, state=None):
        self.danemail, self.dir, self.address, self.domain = danemail, directory, address, domain
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "danemail.toml"
        self.log = self.dir / "serve.log"
        self.state = Path(state) if state else self.dir / "state"
        self.certificate, self.private_key, self.certificate_der = make_certificate(self.dir)
        self.proc = None
        self.config.write_text(f"""state = "{self.state}"

[smtp]
hostname = "{HOST}"
certificate = "{self.certificate}"
private_key = "{self.private_key}"
listen = ["{address}:25"]
submission = ["{address}:587"]
submissions = ["{address}:465"]
threads = 2
{smtp_options}
""")
        self.admin("domain", "add", domain)

    # --- administration through the CLI -------------------------------------------------------------
    def admin(self, *args, stdin=None, check=True):
        proc = subprocess.run([self.danemail, *map(str, args), "-c", str(self.config)], input=stdin,
                              capture_output=True, text=True, timeout=120)
        if check:
            assert proc.returncode == 0, f"danemail {' '.join(map(str, args))}: {proc.stdout}{proc.stderr}"
        return proc

    def add_user(self, address, password):
        return self.admin("user", "add", address, "--password-stdin", stdin=password + "\n")

    def add_alias(self, address, target):
        return self.admin("alias", "add", address, target)

    def messages(self, address, mailbox="INBOX"):
        """The messages in `address`'s mailbox: a list of dicts with uid, size, flags, file and content."""
        proc = self.admin("mailbox", "list", address, "--mailbox", mailbox)
        found = []
        for line in proc.stdout.splitlines():
            uid, size, internal_date, flags, path = line.split("\t")
            found.append({"uid": int(uid), "size": int(size), "internal_date": int(internal_date),
                          "flags": flags, "file": path, "content": Path(path).read_bytes()})
        return found

    def queued(self):
        """The outbound queue's recipients: a list of dicts with id, mail_from, recipient, file."""
        proc = self.admin("queue", "list")
        found = []
        for line in proc.stdout.splitlines():
            message_id, mail_from, recipient, queued_at, path = line.split("\t")
            found.append({"id": int(message_id), "mail_from": mail_from, "recipient": recipient,
                          "queued_at": int(queued_at), "file": path})
        return found

    # --- the process ----------------------------------------------------------------------------------
    def start(self, timeout=20):
        # Another server still holding the address would answer in our place: refuse to start beside it.
        busy = [port for port in (25, 587, 465) if port_open(self.address, port)]
        assert not busy, f"{self.address} ports {busy} are already served by another process"
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([self.danemail, "serve", "-c", self.config], stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not all(port_open(self.address, port) for port in (25, 587, 465)):
            assert self.proc.poll() is None, f"danemail serve exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"danemail serve not listening:\n{self.log.read_text()}"
            time.sleep(0.05)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def log_text(self):
        return self.log.read_text() if self.log.exists() else ""


@pytest.fixture
def mail_server(danemail, tmp_path):
    """A factory: mail_server(address, smtp_options="", domain=DOMAIN, start=True) -> MailServer.
    Every server it made is stopped after the test."""
    servers = []

    def make(address, smtp_options="", domain=DOMAIN, start=True, state=None):
        server = MailServer(danemail, tmp_path / f"mail-{len(servers)}", address, smtp_options, domain, state)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()
