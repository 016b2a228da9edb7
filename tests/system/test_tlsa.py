"""`danemail tlsa` judged by independent tools (RFC 6698 §2.1-2.2 and §3, RFC 7671 §5.2, RFC 7672 §3.1).

Certificates, chains (root CA -> intermediate CA -> server) and keys, RSA and ECDSA, are made with the openssl
command line in a temporary directory. danemail's records must equal:
  - for 3 1 1: `openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256`;
  - for every other usage/selector/matching combination, and for DANE-TA records of a chain's issuers:
    hash-slinger's `tlsa --create --certificate FILE`, run in certificate-file mode (which does no DNS and no
    TLS) inside an empty network namespace when `unshare -n` is allowed, and with a resolv.conf naming only
    127.0.0.1 in any case, so that it cannot reach anything but loopback.
Key files (private/public, PEM/DER) must give the certificate's "3 1 1". Bad input must fail cleanly.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import require_tool, run

HOST = "mail.example.com"
TLSA_LINE = re.compile(r"^(\S+) IN TLSA (\d) (\d) (\d) ([0-9a-f]+)$")

CA_EXTENSIONS = """
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:mail.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def new_key_args(kind):
    return ["-newkey", "rsa:2048"] if kind == "rsa" else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]


def make_self_signed(openssl, directory, kind):
    """A self-signed server certificate (openssl's default extensions make it a CA too) and its key."""
    key, cert = directory / f"{kind}.key", directory / f"{kind}.crt"
    run([openssl, "req", "-x509", *new_key_args(kind), "-nodes", "-keyout", key, "-out", cert, "-days", "30",
         "-subj", f"/CN={HOST}", "-sha256"])
    return cert, key


def make_chain(openssl, directory, kind):
    """root CA -> intermediate CA -> server certificate; returns paths of each and chain.pem (server first)."""
    ext = directory / "extensions.cnf"
    ext.write_text(CA_EXTENSIONS)
    paths = {}
    run([openssl, "req", "-x509", *new_key_args(kind), "-nodes", "-keyout", directory / "root.key",
         "-out", directory / "root.crt", "-days", "30", "-subj", "/CN=Test Root CA", "-sha256"])
    issuer = "root"
    for name, subject, section in (("intermediate", "/CN=Test Intermediate CA", "ca"), ("leaf", f"/CN={HOST}", "leaf")):
        run([openssl, "req", "-new", *new_key_args(kind), "-nodes", "-keyout", directory / f"{name}.key",
             "-out", directory / f"{name}.csr", "-subj", subject])
        run([openssl, "x509", "-req", "-in", directory / f"{name}.csr", "-CA", directory / f"{issuer}.crt",
             "-CAkey", directory / f"{issuer}.key", "-CAcreateserial", "-out", directory / f"{name}.crt",
             "-days", "30", "-sha256", "-extfile", ext, "-extensions", section])
        issuer = name
    for name in ("root", "intermediate", "leaf"):
        paths[name] = directory / f"{name}.crt"
    chain = directory / "chain.pem"
    chain.write_text("".join(paths[n].read_text() for n in ("leaf", "intermediate", "root")))
    paths["chain"] = chain
    paths["leaf_key"] = directory / "leaf.key"
    return paths


@pytest.fixture(scope="module")
def openssl():
    return require_tool("openssl")


@pytest.fixture(params=["rsa", "ec"])
def self_signed(request, openssl, tmp_path):
    cert, key = make_self_signed(openssl, tmp_path, request.param)
    return {"kind": request.param, "cert": cert, "key": key, "dir": tmp_path}


@pytest.fixture(params=["rsa", "ec"])
def chain(request, openssl, tmp_path):
    return make_chain(openssl, tmp_path, request.param)


def parse_records(stdout):
    """danemail's output lines as (owner, usage, selector, matching type, hex) tuples."""
    records = []
    for line in stdout.splitlines():
        match = TLSA_LINE.match(line)
        assert match, f"not a TLSA presentation line: {line!r}"
        owner, usage, selector, mtype, data = match.groups()
        records.append((owner, int(usage), int(selector), int(mtype), data))
    return records


def danemail_tlsa(danemail, *args):
    """Runs `danemail tlsa ARGS`, which must succeed silently on stderr; returns its records."""
    proc = run([danemail, "tlsa", *args])
    assert proc.stderr == "", proc.stderr
    return parse_records(proc.stdout)


def danemail_tlsa_allowing_warnings(danemail, *args):
    """As danemail_tlsa, but stderr may hold warnings (usages 0 and 1 on port 25, RFC 7672 §3.1.3)."""
    proc = run([danemail, "tlsa", *args])
    assert all(line.startswith("danemail tlsa: warning: ") for line in proc.stderr.splitlines()), proc.stderr
    return parse_records(proc.stdout)


def openssl_spki_sha256(openssl, cert):
    """The 3 1 1 digest, the way DANE how-tos compute it with the openssl command line."""
    pubkey = run([openssl, "x509", "-in", cert, "-pubkey", "-noout"]).stdout
    der = subprocess.run([openssl, "pkey", "-pubin", "-outform", "DER"], input=pubkey.encode(),
                         capture_output=True, check=True).stdout
    digest = subprocess.run([openssl, "dgst", "-sha256"], input=der, capture_output=True, check=True).stdout
    return digest.decode().split("=")[-1].strip()


def openssl_cert_sha256(openssl, cert):
    der = subprocess.run([openssl, "x509", "-in", str(cert), "-outform", "DER"], capture_output=True,
                         check=True).stdout
    digest = subprocess.run([openssl, "dgst", "-sha256"], input=der, capture_output=True, check=True).stdout
    return digest.decode().split("=")[-1].strip()


def hash_slinger(tmp_path, cert, usage, selector, mtype, answers="", port=25):
    """hash-slinger's record for `cert` as (owner, u, s, m, hex). For usages 0 and 2 it asks, for each
    certificate of the file but the last, whether to use it; `answers` are the y/n lines it reads."""
    tlsa = require_tool("tlsa")
    resolv = tmp_path / "resolv-loopback.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    command = [tlsa, "--create", "--certificate", cert, "--usage", usage, "--selector", selector,
               "--mtype", mtype, "--port", port, "--output", "rfc", "--resolvconf", resolv, HOST]
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        command = [unshare, "-n", *command]  # no network at all, not even loopback
    proc = run(command, input=answers)
    # Its questions end without a newline, so the record may follow one on the same line.
    lines = [line for line in proc.stdout.splitlines() if " IN TLSA " in line]
    assert len(lines) == 1, f"hash-slinger printed no single record:\n{proc.stdout}\n{proc.stderr}"
    match = TLSA_LINE.match(lines[0].split("[y/N] ")[-1].strip())
    assert match, lines[0]
    owner, u, s, m, data = match.groups()
    return owner, int(u), int(s), int(m), data.lower()


def test_311_equals_openssl_spki_digest(danemail, openssl, self_signed):
    records = danemail_tlsa(danemail, "--cert", self_signed["cert"], "--host", HOST)
    assert records == [(f"_25._tcp.{HOST}.", 3, 1, 1, openssl_spki_sha256(openssl, self_signed["cert"]))]
    # The defaults are exactly --usage 3 --selector 1 --match 1 --port 25.
    explicit = danemail_tlsa(danemail, "--cert", self_signed["cert"], "--usage", "3", "--selector", "1",
                             "--match", "1", "--port", "25", "--host", HOST)
    assert explicit == records


@pytest.mark.parametrize("usage,selector,mtype", [
    (3, 1, 1), (3, 0, 1), (3, 1, 2), (3, 0, 2), (3, 0, 0), (3, 1, 0),
    (2, 0, 1), (2, 1, 1), (2, 1, 2), (1, 1, 1), (1, 0, 1), (0, 0, 1), (0, 1, 2),
])
def test_every_combination_equals_hash_slinger(danemail, self_signed, usage, selector, mtype):
    cert = self_signed["cert"]
    ours = danemail_tlsa_allowing_warnings(danemail, "--cert", cert, "--usage", usage, "--selector", selector,
                                           "--match", mtype, "--host", HOST)
    theirs = hash_slinger(self_signed["dir"], cert, usage, selector, mtype)
    assert ours == [theirs]


def test_owner_name_port_protocol_and_case(danemail, self_signed):
    records = danemail_tlsa(danemail, "--cert", self_signed["cert"], "--host", "Mail.Example.COM.",
                            "--port", "465", "--proto", "udp")
    assert records[0][0] == "_465._udp.mail.example.com."
    theirs = hash_slinger(self_signed["dir"], self_signed["cert"], 3, 1, 1, port=465)
    assert records[0][1:] == theirs[1:]
    assert theirs[0] == "_465._tcp.mail.example.com."


def test_chain_issuer_records(danemail, openssl, chain, tmp_path):
    records = danemail_tlsa(danemail, "--cert", chain["chain"], "--host", HOST, "--with-issuer")
    owner = f"_25._tcp.{HOST}."
    assert records == [
        (owner, 3, 1, 1, openssl_spki_sha256(openssl, chain["leaf"])),
        (owner, 2, 0, 1, openssl_cert_sha256(openssl, chain["intermediate"])),
    ]
    # hash-slinger, asked about the leaf (no) and then the intermediate (yes), names the same issuer.
    assert records[1] == hash_slinger(tmp_path, chain["chain"], 2, 0, 1, answers="n\ny\n")
    # --chain is the same flag.
    assert danemail_tlsa(danemail, "--cert", chain["chain"], "--host", HOST, "--chain") == records


def test_chain_root_and_issuer_parameters(danemail, openssl, chain, tmp_path):
    root = danemail_tlsa(danemail, "--cert", chain["chain"], "--host", HOST, "--issuer-depth", "2")
    assert root[1] == (f"_25._tcp.{HOST}.", 2, 0, 1, openssl_cert_sha256(openssl, chain["root"]))
    # Declining every question makes hash-slinger take the last certificate of the file: the root.
    assert root[1] == hash_slinger(tmp_path, chain["chain"], 2, 0, 1, answers="n\nn\n")

    spki = danemail_tlsa(danemail, "--cert", chain["chain"], "--host", HOST, "--usage", "3", "--selector", "0",
                         "--match", "2", "--issuer-selector", "1", "--issuer-match", "2")
    assert spki[0] == hash_slinger(tmp_path, chain["chain"], 3, 0, 2)
    assert spki[1] == hash_slinger(tmp_path, chain["chain"], 2, 1, 2, answers="n\ny\n")
    # Without --with-issuer a chain file gives the server certificate's record only.
    assert len(danemail_tlsa(danemail, "--cert", chain["chain"], "--host", HOST)) == 1


def test_key_files_give_the_certificates_311(danemail, openssl, self_signed):
    directory, key = self_signed["dir"], self_signed["key"]
    expected = danemail_tlsa(danemail, "--cert", self_signed["cert"], "--host", HOST)
    assert expected[0][4] == openssl_spki_sha256(openssl, self_signed["cert"])

    public_pem = directory / "public.pem"
    run([openssl, "pkey", "-in", key, "-pubout", "-out", public_pem])
    private_der = directory / "private.der"
    run([openssl, "pkey", "-in", key, "-outform", "DER", "-out", private_der])
    public_der = directory / "public.der"
    run([openssl, "pkey", "-in", key, "-pubout", "-outform", "DER", "-out", public_der])
    cert_der = directory / "cert.der"
    run([openssl, "x509", "-in", self_signed["cert"], "-outform", "DER", "-out", cert_der])

    for key_file in (key, public_pem, private_der, public_der):
        assert danemail_tlsa(danemail, "--key", key_file, "--host", HOST) == expected, key_file
    assert danemail_tlsa(danemail, "--cert", cert_der, "--host", HOST) == expected
    # 3 1 2 from the key equals hash-slinger's from the certificate.
    assert danemail_tlsa(danemail, "--key", key, "--match", "2", "--host", HOST) == [
        hash_slinger(directory, self_signed["cert"], 3, 1, 2)]


def test_key_and_chain_in_one_file(danemail, openssl, chain):
    """A file with the private key and the chain (as some servers want it): --cert skips the key block."""
    combined = chain["chain"].parent / "combined.pem"
    combined.write_text(chain["leaf_key"].read_text() + chain["chain"].read_text())
    records = danemail_tlsa(danemail, "--cert", combined, "--host", HOST)
    assert records[0][4] == openssl_spki_sha256(openssl, chain["leaf"])
    assert danemail_tlsa(danemail, "--key", combined, "--host", HOST) == records


def expect_failure(danemail, args, message):
    proc = run([danemail, "tlsa", *args], check=False)
    assert proc.returncode != 0, proc.stdout
    assert proc.stdout == ""
    assert message in proc.stderr, proc.stderr
    return proc


def test_errors(danemail, openssl, self_signed, tmp_path):
    cert, key = self_signed["cert"], self_signed["key"]
    expect_failure(danemail, ["--cert", tmp_path / "missing.pem", "--host", HOST], "cannot open")
    expect_failure(danemail, ["--cert", tmp_path, "--host", HOST], "read failed")  # a directory
    text = tmp_path / "notes.txt"
    text.write_text("this is not a certificate\n")
    expect_failure(danemail, ["--cert", text, "--host", HOST], "not a PEM or DER certificate")
    expect_failure(danemail, ["--cert", key, "--host", HOST], "no CERTIFICATE block")
    expect_failure(danemail, ["--key", cert, "--host", HOST], "holds a certificate, not a key")
    expect_failure(danemail, ["--cert", cert, "--usage", "4", "--host", HOST], "--usage")
    expect_failure(danemail, ["--cert", cert, "--selector", "2", "--host", HOST], "--selector")
    expect_failure(danemail, ["--cert", cert, "--match", "3", "--host", HOST], "--match")
    expect_failure(danemail, ["--cert", cert, "--port", "0", "--host", HOST], "--port")
    expect_failure(danemail, ["--cert", cert, "--proto", "quic", "--host", HOST], "--proto")
    expect_failure(danemail, ["--key", key, "--selector", "0", "--host", HOST], "selector 0")
    expect_failure(danemail, ["--host", HOST], "--cert FILE or --key FILE")
    expect_failure(danemail, ["--cert", cert, "--key", key, "--host", HOST], "excludes")
    expect_failure(danemail, ["--cert", cert], "--host")
    expect_failure(danemail, ["--cert", cert, "--host", "mail example.com"], "not a host name")
    expect_failure(danemail, ["--cert", cert, "--host", HOST, "--with-issuer"], "no issuer at depth 1")
    expect_failure(danemail, ["--key", key, "--host", HOST, "--with-issuer"], "needs the certificate chain")

    encrypted = tmp_path / "encrypted.key"
    run([openssl, "pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", encrypted])
    proc = expect_failure(danemail, ["--key", encrypted, "--host", HOST], "encrypted")
    assert "assphrase" not in proc.stderr  # refused, never prompted for


def test_chain_out_of_order_is_refused(danemail, chain):
    shuffled = chain["chain"].parent / "shuffled.pem"
    shuffled.write_text("".join(chain[n].read_text() for n in ("leaf", "root", "intermediate")))
    expect_failure(danemail, ["--cert", shuffled, "--host", HOST, "--with-issuer"], "did not issue")


def test_ca_usage_on_a_server_certificate_warns(danemail, chain):
    proc = run([danemail, "tlsa", "--cert", chain["chain"], "--host", HOST, "--usage", "2", "--selector", "0"])
    assert len(parse_records(proc.stdout)) == 1
    assert "not a CA" in proc.stderr and "--with-issuer" in proc.stderr, proc.stderr
