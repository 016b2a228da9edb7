"""Attacks on danemail's SMTP service that must fail, each its own test, driven byte by byte through
smtp_client.SmtpClient: STARTTLS command injection (RFC 3207 §4.2, CVE-2011-0411 and kin), SMTP smuggling
with non-standard DATA endings (CVE-2023-51764/51765/51766; RFC 5321 §4.1.1.4, §2.3.8), relaying through odd
address forms (RFC 5321 §4.1.1.3, §3.6, App. C), AUTH before TLS (RFC 4954 §4, RFC 8314), password guessing,
a TLS close_notify followed by plaintext in the middle of DATA or BDAT, and the limits of RFC 5321 §4.5.3
(line length, errors, timeouts). Whatever the attack, nothing may be stored or queued that should not be.
"""
import base64
import re
import time

import pytest

from mail import DOMAIN, mail_server, port_open  # noqa: F401 (the fixture)
from smtp_client import ConnectionClosed, SmtpClient, split_received

ADDRESS = "127.6.2.1"
OTHER_CLIENT = "127.6.2.2"  # a second client address, for the per-client limits
VICTIM, VICTIM_PASSWORD = f"victim@{DOMAIN}", "victim-Secret-1"
LOCAL_U = f"u@{DOMAIN}"
EVIL = "evil@ext.example"
OUTSIDER = "sender@ext.example"


def provider(mail_server, smtp_options=""):  # noqa: F811 (the fixture, passed on)
    # Another run on the same address would answer in our place (mail.py's start only waits for the ports).
    assert not any(port_open(ADDRESS, port) for port in (25, 587, 465)), f"{ADDRESS} is already served"
    server = mail_server(ADDRESS, smtp_options)
    server.add_user(VICTIM, VICTIM_PASSWORD)
    server.add_user(LOCAL_U, "u-Secret-2")
    return server


def auth_plain_line(user=VICTIM, password=VICTIM_PASSWORD):
    return "AUTH PLAIN " + base64.b64encode(f"\0{user}\0{password}".encode()).decode()


def assert_nothing_delivered(server):
    assert server.messages(VICTIM) == [], "a message reached the victim's INBOX"
    assert server.messages(LOCAL_U) == [], f"a message reached {LOCAL_U}"
    assert server.queued() == [], "a message was queued for relaying"


def open_session(port, login=False):
    """A client past the greeting and EHLO: on 465 in TLS, elsewhere in clear; logged in when asked."""
    client = SmtpClient(ADDRESS, port, implicit_tls=(port == 465))
    client.greeting()
    client.ehlo()
    if login:
        client.expect(auth_plain_line(), 235)
    return client


# --- STARTTLS command injection (RFC 3207 §4.2) -------------------------------------------------------
def inject_after_starttls(client, injected: bytes):
    """Sends STARTTLS and `injected` in one segment, handshakes, and checks nothing answered the injection:
    no byte in clear after the 220, and no reply inside TLS before we say something."""
    client.send(b"STARTTLS\r\n" + injected)
    reply = client.read_reply()
    assert reply.code == 220, reply
    assert client.clear_bytes_pending() == b"", "the injected command was answered in clear"
    client.start_tls()
    assert client.nothing_within(1.0), f"a reply inside TLS to the injected command: {client.buffer!r} " \
                                          f"(closed: {client.closed_reason})"
    extensions = client.extensions(client.ehlo())  # a real EHLO reply, not a stale one-line 250
    assert "PIPELINING" in extensions and "STARTTLS" not in extensions, extensions


@pytest.mark.parametrize("port", [25, 587])
def test_starttls_injected_rset_is_never_answered(mail_server, port):
    provider(mail_server)
    with open_session(port) as client:
        inject_after_starttls(client, b"RSET\r\n")
        client.expect("NOOP", 250)
        assert client.nothing_within(0.5)


@pytest.mark.parametrize("port", [25, 587])
def test_starttls_injected_envelope_is_forgotten(mail_server, port):
    server = provider(mail_server)
    with open_session(port) as client:
        inject_after_starttls(client, f"MAIL FROM:<{EVIL}>\r\nRCPT TO:<{VICTIM}>\r\n".encode())
        if port == 587:
            # AUTH is refused inside a mail transaction (RFC 4954 §4): 235 shows there is none.
            client.expect(auth_plain_line(), 235)
        reply = client.command(f"RCPT TO:<{VICTIM}>")
        assert reply.code == 503, f"RCPT after TLS without MAIL: {reply}"
        reply = client.command("DATA")
        assert reply.code == 503, f"DATA after TLS without MAIL: {reply}"
    assert_nothing_delivered(server)


def test_starttls_injected_auth_on_587_does_not_log_in(mail_server):
    server = provider(mail_server)
    with open_session(587) as client:
        inject_after_starttls(client, (auth_plain_line() + "\r\n").encode())
        reply = client.command(f"MAIL FROM:<{VICTIM}>")
        assert reply.code == 530 and reply.status == "5.7.0", f"MAIL after TLS without AUTH: {reply}"
    assert_nothing_delivered(server)


# --- SMTP smuggling (CVE-2023-51764/5/6) ----------------------------------------------------------------
SMUGGLING_ENDINGS = {"LF.LF": b"\n.\n", "LF.CRLF": b"\n.\r\n", "CRLF.LF": b"\r\n.\n", "CR.CR": b"\r.\r",
                     "CRLF.CR-CRLF": b"\r\n.\r\r\n"}


def smuggle(ending: bytes):
    """One DATA whose body hides a second transaction behind a non-standard end of data; returns every reply
    after the 354 until the server closes (QUIT is pipelined at the end)."""
    with open_session(25) as client:
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        client.expect(f"RCPT TO:<{VICTIM}>", 250)
        client.expect("DATA", 354)
        hidden = f"MAIL FROM:<{EVIL}>\r\nRCPT TO:<{VICTIM}>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n"
        client.send(b"Subject: first\r\n\r\nbody" + ending + hidden.encode() + b"QUIT\r\n")
        return client.replies_until_close()


@pytest.mark.parametrize("ending", SMUGGLING_ENDINGS.values(), ids=SMUGGLING_ENDINGS.keys())
def test_smuggling_ending_is_not_an_end_of_data_rejected_by_default(mail_server, ending):
    server = provider(mail_server)
    replies = smuggle(ending)
    # Exactly one reply for the one real end of data, then the QUIT's: nothing answered the smuggled lines.
    assert [r.code for r in replies] == [550, 221], [str(r) for r in replies]
    assert replies[0].status == "5.6.0", replies[0]
    assert_nothing_delivered(server)


@pytest.mark.parametrize("ending", SMUGGLING_ENDINGS.values(), ids=SMUGGLING_ENDINGS.keys())
def test_smuggling_ending_is_not_an_end_of_data_when_normalizing(mail_server, ending):
    server = provider(mail_server, 'bare_line_endings = "normalize"')
    replies = smuggle(ending)
    assert [r.code for r in replies] == [250, 221], [str(r) for r in replies]
    stored = server.messages(VICTIM)
    assert len(stored) == 1, f"{len(stored)} messages: the smuggled one was stored separately"
    headers, _, body = split_received(stored[0]["content"])[1].partition(b"\r\n\r\n")
    assert headers == b"Subject: first", headers
    assert body.count(b"Subject: smuggled") == 1 and body.count(f"MAIL FROM:<{EVIL}>".encode()) == 1, body
    assert b"\n" not in body.replace(b"\r\n", b"") and b"\r" not in body.replace(b"\r\n", b""), body
    assert server.queued() == []


# --- relaying through odd address forms (port 25 never relays) ---------------------------------------
RELAY_FORMS = ["u@ext.example", f"u%ext.example@{DOMAIN}", f'"u@ext.example"@{DOMAIN}',
               f"@{DOMAIN}:u@ext.example", f"ext.example!u@{DOMAIN}", f"u@ext.example@{DOMAIN}",
               f"@{DOMAIN},@mx.{DOMAIN}:u@ext.example", "u@[127.6.2.1]"]


@pytest.mark.parametrize("recipient", RELAY_FORMS)
def test_relay_attempt_is_refused_and_nothing_queued(mail_server, recipient):
    server = provider(mail_server)
    with open_session(25) as client:
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        reply = client.command(f"RCPT TO:<{recipient}>")
        assert 500 <= reply.code < 600, f"RCPT TO:<{recipient}>: {reply}"
        reply = client.command("DATA")
        if reply.code == 354:  # a broken server; finish the message so the check below sees it
            client.command(b"Subject: relayed\r\n\r\nx\r\n.")
        assert reply.code >= 500, f"DATA without a recipient: {reply}"
        client.expect("QUIT", 221)
    assert_nothing_delivered(server)


# --- AUTH outside TLS -----------------------------------------------------------------------------------
def test_auth_before_starttls_on_587_gets_530_and_is_not_advertised(mail_server):
    provider(mail_server)
    with SmtpClient(ADDRESS, 587) as client:
        client.greeting()
        assert "AUTH" not in client.extensions(client.ehlo())
        for line in (auth_plain_line(), "AUTH LOGIN", "AUTH PLAIN", f"MAIL FROM:<{VICTIM}>"):
            reply = client.command(line)
            assert reply.code == 530 and reply.status == "5.7.0", f"{line.split()[0]} before TLS: {reply}"
        # The same credentials work once TLS is on: the 530s were about TLS, not about the password.
        client.starttls()
        client.ehlo()
        client.expect(auth_plain_line(), 235)


@pytest.mark.parametrize("with_tls", [False, True], ids=["plain", "after-starttls"])
def test_auth_on_25_is_refused(mail_server, with_tls):
    provider(mail_server)
    with open_session(25) as client:
        if with_tls:
            client.starttls()
            assert "AUTH" not in client.extensions(client.ehlo())
        for line in (auth_plain_line(), "AUTH LOGIN"):
            reply = client.command(line)
            assert 500 <= reply.code < 600, f"{line.split()[0]} on 25: {reply}"
        # Still no relaying: a refused AUTH did not log anyone in.
        client.expect(f"MAIL FROM:<{VICTIM}>", 250)
        reply = client.command("RCPT TO:<u@ext.example>")
        assert reply.code == 554 and reply.status == "5.7.1", reply


# --- password guessing ----------------------------------------------------------------------------------
def timed_wrong_auth():
    """One failed AUTH on a fresh 465 connection: seconds from sending it to the 535."""
    with open_session(465) as client:
        started = time.monotonic()
        reply = client.command(auth_plain_line(password="guess-" + str(started)), timeout=60)
        elapsed = time.monotonic() - started
        assert reply.code == 535, reply
        return elapsed


def test_password_guessing_delay_grows_per_client_address(mail_server):
    provider(mail_server)
    delays = [timed_wrong_auth() for _ in range(3)]
    # The configured default: 0.5 s after the first failure, doubling (1 s, 2 s), plus the Argon2id check.
    assert delays[0] >= 0.45, delays
    assert delays[2] >= 1.9 and delays[2] >= delays[0] + 1.0, delays


def test_password_guessing_delay_holds_within_one_session(mail_server):
    provider(mail_server)
    with open_session(587) as client:
        client.starttls()
        client.ehlo()
        times = []
        for attempt in range(2):
            started = time.monotonic()
            reply = client.command(auth_plain_line(password=f"guess-{attempt}"), timeout=60)
            times.append(time.monotonic() - started)
            assert reply.code == 535, reply
    assert times[0] >= 0.45 and times[1] >= times[0] + 0.3, times


def test_parallel_connections_from_one_address_are_limited(mail_server):
    provider(mail_server, "max_connections_per_client = 5")
    clients = []
    try:
        for _ in range(5):
            clients.append(SmtpClient(ADDRESS, 25))
            clients[-1].greeting()
        with SmtpClient(ADDRESS, 25) as sixth:
            replies = sixth.replies_until_close()
        assert [r.code for r in replies] == [421] and replies[0].status == "4.7.0", [str(r) for r in replies]
        # Per client: another address still gets in while the first has its five.
        with SmtpClient(ADDRESS, 25, source=OTHER_CLIENT) as other:
            other.greeting()
            other.expect("QUIT", 221)
        # A closed connection frees its place.
        clients.pop().expect("QUIT", 221)
        deadline = time.monotonic() + 5
        while True:
            with SmtpClient(ADDRESS, 25) as again:
                reply = again.read_reply()
                if reply.code == 220:
                    break
            assert time.monotonic() < deadline, f"no place freed after QUIT: {reply}"
            time.sleep(0.1)
    finally:
        for client in clients:
            client.close()


# --- TLS close_notify in the middle of DATA or BDAT, followed by plaintext --------------------------------
def close_notify_then_plaintext(server, port, command):
    with open_session(port, login=(port == 465)) as client:
        if port == 25:
            client.starttls()
            client.ehlo()
        sender = VICTIM if port == 465 else OUTSIDER
        client.expect(f"MAIL FROM:<{sender}>", 250)
        client.expect(f"RCPT TO:<{VICTIM}>", 250)
        if command == "DATA":
            client.expect("DATA", 354)
            client.send(b"Subject: secret\r\n\r\nfirst part of the body\r\n")
            plaintext = (f".\r\nMAIL FROM:<{EVIL}>\r\nRCPT TO:<{VICTIM}>\r\nDATA\r\nSubject: clear\r\n\r\n"
                         "injected in clear\r\n.\r\nQUIT\r\n").encode()
        else:
            first_part = b"Subject: secret\r\n\r\nfirst part\r\n"
            client.send(b"BDAT 200\r\n" + first_part)
            plaintext = b"y" * (200 - len(first_part)) + b"BDAT 0 LAST\r\nQUIT\r\n"
        time.sleep(0.2)  # let the server read the encrypted part first
        client.send_close_notify()
        try:
            client.send_raw(plaintext)
        except OSError:
            pass  # already closed: fine
        received = client.received_until_close(timeout=5)
        assert received is not None, "the connection stayed open after close_notify and plaintext"
        assert not re.search(rb"(^|\r\n)\d{3}[ -]", received), f"a reply in clear: {received!r}"
    assert_nothing_delivered(server)


@pytest.mark.parametrize("command", ["DATA", "BDAT"])
@pytest.mark.parametrize("port", [25, 465])
def test_close_notify_mid_message_then_plaintext_closes_and_stores_nothing(mail_server, port, command):
    server = provider(mail_server)
    close_notify_then_plaintext(server, port, command)


# --- RFC 5321 §4.5.3 limits -----------------------------------------------------------------------------
def test_command_line_of_512_octets_is_accepted_and_513_gets_500_5_5_2(mail_server):
    provider(mail_server)
    with open_session(25) as client:
        client.expect(b"NOOP " + b"x" * (512 - 7), 250)  # 512 octets with CRLF (§4.5.3.1.4)
        reply = client.command(b"NOOP " + b"x" * (513 - 7))
        assert reply.code == 500 and reply.status == "5.5.2", reply
        client.expect("NOOP", 250)


def test_long_command_line_gets_one_500_5_5_2_and_its_tail_is_not_a_command(mail_server):
    server = provider(mail_server)
    with open_session(25) as client:
        # A long line whose tail, if the server cut it into pieces, would be a command of its own.
        reply = client.command(b"NOOP " + b"x" * 507 + f"MAIL FROM:<{EVIL}>".encode() + b"x" * 2000)
        assert reply.code == 500 and reply.status == "5.5.2", reply
        assert client.nothing_within(0.5), f"more than one reply to one long line: {client.buffer!r}"
        reply = client.command(f"RCPT TO:<{VICTIM}>")
        assert reply.code == 503, f"the tail of the long line started a transaction: {reply}"
    assert_nothing_delivered(server)


def test_too_many_errors_get_421_and_close(mail_server):
    provider(mail_server)
    with open_session(25) as client:
        errors = 0
        for _ in range(20):
            reply = client.command("XYZZY")
            if reply.code != 421:
                assert reply.code >= 500, reply
                errors += 1
                if client.nothing_within(0.1):
                    continue
                reply = client.read_reply()  # the 421 may follow the last error reply at once
            assert reply.code == 421 and reply.status == "4.7.0", reply
            break
        assert reply.code == 421, "no 421 after 20 errors"
        assert 9 <= errors <= 11, f"421 after {errors} errors; the default limit is 10"
        assert client.replies_until_close() == []


def test_silent_client_gets_421_4_4_2_after_command_timeout(mail_server):
    provider(mail_server, 'command_timeout = "2s"')
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        started = time.monotonic()
        reply = client.read_reply(timeout=10)
        elapsed = time.monotonic() - started
        assert reply.code == 421 and reply.status == "4.4.2", reply
        assert 1.5 <= elapsed <= 6, elapsed
        assert client.replies_until_close() == []


def test_unfinished_command_line_gets_421_4_4_2_after_command_timeout(mail_server):
    provider(mail_server, 'command_timeout = "2s"')
    with open_session(25) as client:
        client.send(f"MAIL FROM:<{OUTSIDER}".encode())  # no CRLF
        started = time.monotonic()
        reply = client.read_reply(timeout=10)
        assert reply.code == 421 and reply.status == "4.4.2", reply
        assert 1.5 <= time.monotonic() - started <= 6
        assert client.replies_until_close() == []


def test_stalled_data_gets_421_after_data_timeout(mail_server):
    server = provider(mail_server, 'data_timeout = "2s"')
    with open_session(25) as client:
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        client.expect(f"RCPT TO:<{VICTIM}>", 250)
        client.expect("DATA", 354)
        client.send(b"Subject: stalled\r\n\r\nhalf a message")
        started = time.monotonic()
        try:
            reply = client.read_reply(timeout=10)
            assert reply.code == 421, reply
            assert client.replies_until_close() == []
        except ConnectionClosed:
            pass  # closing without a word is allowed in the middle of data (RFC 5321 §4.5.3.2.5)
        assert 1.5 <= time.monotonic() - started <= 6
    assert_nothing_delivered(server)
