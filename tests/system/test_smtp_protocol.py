"""danemail's SMTP service judged by independent clients: swaks (plain, STARTTLS, AUTH on 587 and 465,
pipelining) and Python's smtplib (EHLO extensions, recipients, limits, AUTH, sender checks), plus BDAT,
dot-stuffing and line endings over a raw socket (swaks 20201014 has no BDAT). RFC 5321 (SMTP), RFC 3207
(STARTTLS), RFC 4954 (AUTH), RFC 8314 (implicit TLS on 465), RFC 1870 (SIZE), RFC 2920 (PIPELINING),
RFC 3030 (CHUNKING), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8), RFC 2034 (ENHANCEDSTATUSCODES).
Every message is checked where it lands: `danemail mailbox list` and `danemail queue list`.
"""
import re
import smtplib

import pytest

from conftest import require_tool, run
from mail import DOMAIN, HOST, mail_server, port_open  # noqa: F401 (the fixture)
from smtp_client import SmtpClient, client_tls_context, split_received

ADDRESS = "127.6.1.1"
ALICE, ALICE_PASSWORD = f"alice@{DOMAIN}", "alice-Secret-1"
BOB, BOB_PASSWORD = f"bob@{DOMAIN}", "bob-Secret-2"
TEAM = f"team@{DOMAIN}"                # alias -> bob
ALICE_ALIAS = f"alice.sender@{DOMAIN}"  # alias -> alice: alice may send as it
REMOTE = "carol@remote.example"
OUTSIDER = "sender@ext.example"


def provider(mail_server, smtp_options=""):  # noqa: F811 (the fixture, passed on)
    """The standard test provider on ADDRESS: alice and bob, the aliases TEAM -> bob and ALICE_ALIAS -> alice."""
    # Another run on the same address would answer in our place (mail.py's start only waits for the ports).
    assert not any(port_open(ADDRESS, port) for port in (25, 587, 465)), f"{ADDRESS} is already served"
    server = mail_server(ADDRESS, smtp_options)
    server.add_user(ALICE, ALICE_PASSWORD)
    server.add_user(BOB, BOB_PASSWORD)
    server.add_alias(TEAM, BOB)
    server.add_alias(ALICE_ALIAS, ALICE)
    return server


def only_message(server, address):
    found = server.messages(address)
    assert len(found) == 1, f"{address}: expected one message, found {len(found)}"
    return found[0]["content"]


def swaks(*args, check=True):
    return run([require_tool("swaks"), "--server", ADDRESS, "--timeout", "20", "--helo", "client.example.net",
                *args], check=check, timeout=60)


def smtp(port=25):
    return smtplib.SMTP(ADDRESS, port, local_hostname="client.example.net", timeout=20)


def submission_session(port=587):
    """An smtplib session on 587 after STARTTLS (or on 465), not yet authenticated."""
    if port == 465:
        client = smtplib.SMTP_SSL(ADDRESS, 465, local_hostname="client.example.net", timeout=20,
                                  context=client_tls_context())
        client.ehlo()
        return client
    client = smtp(port)
    client.ehlo()
    client.starttls(context=client_tls_context())
    client.ehlo()
    return client


# --- swaks ----------------------------------------------------------------------------------------------
def test_swaks_plain_on_25_delivers_to_inbox_with_received_header(mail_server):
    server = provider(mail_server)
    swaks("--port", "25", "--from", OUTSIDER, "--to", ALICE, "--header", "Subject: plain over 25",
          "--body", "hello over plain SMTP")
    received, message = split_received(only_message(server, ALICE))
    assert len(received) == 1, received
    assert f"by {HOST}" in received[0] and "client.example.net" in received[0], received[0]
    assert b"Subject: plain over 25\r\n" in message
    assert b"\r\n\r\nhello over plain SMTP\r\n" in message
    assert server.messages(BOB) == [] and server.queued() == []


def test_swaks_starttls_on_25_received_names_tls_version_and_cipher(mail_server):
    server = provider(mail_server)
    result = swaks("--port", "25", "--tls", "--from", OUTSIDER, "--to", ALICE, "--header", "Subject: tls")
    negotiated = re.search(r"TLS started with cipher (TLSv1\.[23]):([A-Z0-9_-]+):(\d+)", result.stdout)
    assert negotiated, result.stdout
    version, cipher = negotiated.group(1), negotiated.group(2)
    assert version == "TLSv1.3", result.stdout
    received, message = split_received(only_message(server, ALICE))
    assert "TLSv1.3" in received[0] and cipher in received[0], (received, cipher)
    assert b"Subject: tls\r\n" in message


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_swaks_auth_after_starttls_on_587_local_recipient_goes_to_inbox(mail_server, mechanism):
    server = provider(mail_server)
    swaks("--port", "587", "--tls", "--auth", mechanism, "--auth-user", ALICE, "--auth-password",
          ALICE_PASSWORD, "--from", ALICE, "--to", BOB, "--header", f"Subject: submitted {mechanism}")
    received, message = split_received(only_message(server, BOB))
    assert "TLSv1.3" in received[0], received
    assert f"Subject: submitted {mechanism}\r\n".encode() in message
    assert server.queued() == []


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_swaks_auth_after_starttls_on_587_remote_recipient_is_queued(mail_server, mechanism):
    server = provider(mail_server)
    swaks("--port", "587", "--tls", "--auth", mechanism, "--auth-user", ALICE, "--auth-password",
          ALICE_PASSWORD, "--from", ALICE, "--to", REMOTE, "--header", "Subject: to the world")
    queued = server.queued()
    assert [(q["mail_from"], q["recipient"]) for q in queued] == [(ALICE, REMOTE)], queued
    assert server.messages(ALICE) == [] and server.messages(BOB) == []


def test_swaks_implicit_tls_on_465_local_and_remote(mail_server):
    server = provider(mail_server)
    swaks("--port", "465", "--tlsc", "--auth", "PLAIN", "--auth-user", ALICE, "--auth-password",
          ALICE_PASSWORD, "--from", ALICE, "--to", f"{BOB},{REMOTE}", "--header", "Subject: over 465")
    received, message = split_received(only_message(server, BOB))
    assert "TLSv1.3" in received[0], received
    assert b"Subject: over 465\r\n" in message
    assert [q["recipient"] for q in server.queued()] == [REMOTE]


def test_swaks_pipelining_delivers_to_every_recipient(mail_server):
    server = provider(mail_server)
    result = swaks("--port", "25", "--pipeline", "--from", OUTSIDER, "--to", f"{ALICE},{TEAM}",
                   "--header", "Subject: pipelined")
    # swaks pipelines MAIL, RCPTs and DATA only when PIPELINING is advertised; it says so otherwise.
    assert "PIPELINING" in result.stdout and "not supported" not in result.stdout.lower(), result.stdout
    assert b"Subject: pipelined\r\n" in only_message(server, ALICE)
    assert b"Subject: pipelined\r\n" in only_message(server, BOB)


# --- BDAT (RFC 3030), raw -------------------------------------------------------------------------------
def test_bdat_chunks_are_stored_byte_for_byte(mail_server):
    server = provider(mail_server)
    # No dot-stuffing inside BDAT (RFC 3030 §2): a line "." and a leading dot stay as they are.
    content = b"Subject: chunked\r\n\r\nfirst line\r\n.\r\n..two dots\r\n" + b"x" * 5000 + b"\r\nlast\r\n"
    first, second = content[:1234], content[1234:]
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        assert "CHUNKING" in client.extensions(client.ehlo())
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        client.expect(f"RCPT TO:<{ALICE}>", 250)
        client.send(f"BDAT {len(first)}\r\n".encode() + first)
        assert client.read_reply().code == 250
        client.send(f"BDAT {len(second)} LAST\r\n".encode() + second)
        reply = client.read_reply()
        assert reply.code == 250, reply
        client.expect("QUIT", 221)
    assert split_received(only_message(server, ALICE))[1] == content


def test_bdat_pipelined_in_one_write_with_empty_last_chunk(mail_server):
    server = provider(mail_server)
    content = b"Subject: one write\r\n\r\nbody\r\n"
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        client.ehlo()
        client.send(f"MAIL FROM:<{OUTSIDER}>\r\nRCPT TO:<{ALICE}>\r\nRCPT TO:<{TEAM}>\r\n".encode()
                    + f"BDAT {len(content)}\r\n".encode() + content + b"BDAT 0 LAST\r\nQUIT\r\n")
        codes = [reply.code for reply in client.replies_until_close()]
    assert codes == [250, 250, 250, 250, 250, 221], codes
    assert split_received(only_message(server, ALICE))[1] == content
    assert split_received(only_message(server, BOB))[1] == content


# --- smtplib: EHLO --------------------------------------------------------------------------------------
def test_ehlo_on_25_advertises_the_extensions_and_no_auth(mail_server):
    provider(mail_server, "max_message_size = 1000000")
    with smtp(25) as client:
        code, _ = client.ehlo()
        assert code == 250
        for keyword in ("pipelining", "size", "8bitmime", "smtputf8", "enhancedstatuscodes", "starttls",
                        "chunking"):
            assert client.has_extn(keyword), (keyword, client.esmtp_features)
        assert client.esmtp_features["size"].strip() == "1000000"
        assert not client.has_extn("auth"), client.esmtp_features
        client.starttls(context=client_tls_context())
        client.ehlo()
        # RFC 3207 §4.2: no STARTTLS after TLS; still no AUTH on port 25.
        assert not client.has_extn("starttls") and not client.has_extn("auth"), client.esmtp_features
        assert client.has_extn("chunking") and client.has_extn("pipelining")


def test_ehlo_on_587_offers_auth_plain_login_only_after_starttls(mail_server):
    provider(mail_server)
    with smtp(587) as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth"), client.esmtp_features
        client.starttls(context=client_tls_context())
        client.ehlo()
        assert set(client.esmtp_features["auth"].upper().split()) == {"PLAIN", "LOGIN"}, client.esmtp_features
        assert not client.has_extn("starttls")


def test_ehlo_on_465_offers_auth_plain_login_at_once(mail_server):
    provider(mail_server)
    with submission_session(465) as client:
        assert set(client.esmtp_features["auth"].upper().split()) == {"PLAIN", "LOGIN"}, client.esmtp_features
        assert not client.has_extn("starttls")


# --- smtplib: recipients --------------------------------------------------------------------------------
def test_sendmail_to_several_recipients_including_an_alias(mail_server):
    server = provider(mail_server)
    message = b"Subject: to many\r\n\r\nfor alice and the team\r\n"
    with smtp(25) as client:
        refused = client.sendmail(OUTSIDER, [ALICE, TEAM], message)
    assert refused == {}
    for address in (ALICE, BOB):
        assert split_received(only_message(server, address))[1] == message


def test_unknown_user_is_refused_at_rcpt_with_550_5_1_1(mail_server):
    server = provider(mail_server)
    with smtp(25) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(OUTSIDER, [f"nobody@{DOMAIN}"], b"Subject: lost\r\n\r\nx\r\n")
    code, text = refused.value.recipients[f"nobody@{DOMAIN}"]
    assert code == 550 and text.startswith(b"5.1.1"), (code, text)
    assert server.messages(ALICE) == [] and server.queued() == []


def test_unknown_user_among_good_ones_is_refused_and_the_rest_delivered(mail_server):
    server = provider(mail_server)
    with smtp(25) as client:
        refused = client.sendmail(OUTSIDER, [ALICE, f"nobody@{DOMAIN}"], b"Subject: partly\r\n\r\nx\r\n")
    assert refused[f"nobody@{DOMAIN}"][0] == 550
    assert b"Subject: partly" in only_message(server, ALICE)


def test_smtputf8_sender_is_delivered(mail_server):
    server = provider(mail_server)
    message = "Subject: grüße\r\n\r\nUTF-8 überall\r\n".encode()
    with smtp(25) as client:
        client.ehlo()
        assert client.has_extn("smtputf8")
        refused = client.sendmail("müller@bücher.example", [ALICE], message, mail_options=["SMTPUTF8"])
    assert refused == {}
    assert split_received(only_message(server, ALICE))[1] == message


def test_smtputf8_unknown_local_recipient_gets_550_5_1_1(mail_server):
    provider(mail_server)
    with smtp(25) as client:
        client.ehlo()
        assert client.mail("müller@bücher.example", ["SMTPUTF8"])[0] == 250
        code, text = client.rcpt(f"jörg@{DOMAIN}")
        assert code == 550 and text.startswith(b"5.1.1"), (code, text)


def test_smtputf8_remote_recipient_is_queued_from_submission(mail_server):
    server = provider(mail_server)
    recipient = "jörg@bücher.example"
    with submission_session(587) as client:
        client.login(ALICE, ALICE_PASSWORD)
        refused = client.sendmail(ALICE, [recipient], "Subject: ü\r\n\r\nx\r\n".encode(),
                                  mail_options=["SMTPUTF8"])
    assert refused == {}
    assert [q["recipient"] for q in server.queued()] == [recipient]


def test_utf8_address_without_smtputf8_is_refused(mail_server):
    provider(mail_server)
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        client.ehlo()
        reply = client.command("MAIL FROM:<müller@ext.example>".encode())
        assert 500 <= reply.code < 600, reply


def test_8bitmime_body_arrives_unchanged(mail_server):
    server = provider(mail_server)
    message = b"Subject: 8bit\r\nContent-Type: text/plain; charset=latin-1\r\n\r\nsch\xf6ne Gr\xfc\xdfe \xff\x80\r\n"
    with smtp(25) as client:
        client.ehlo()
        assert client.has_extn("8bitmime")
        assert client.sendmail(OUTSIDER, [ALICE], message, mail_options=["BODY=8BITMIME"]) == {}
    assert split_received(only_message(server, ALICE))[1] == message


# --- smtplib: limits ------------------------------------------------------------------------------------
def test_message_over_max_message_size_declared_with_size_gets_552(mail_server):
    server = provider(mail_server, "max_message_size = 20000")
    with smtp(25) as client:
        # smtplib declares SIZE=<length> (RFC 1870) because the server advertises SIZE.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail(OUTSIDER, [ALICE], b"Subject: big\r\n\r\n" + b"y" * 30000 + b"\r\n")
    assert refused.value.smtp_code == 552, refused.value
    assert server.messages(ALICE) == []


def test_message_over_max_message_size_without_size_gets_552_at_the_end_of_data(mail_server):
    server = provider(mail_server, "max_message_size = 20000")
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        client.ehlo()
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        client.expect(f"RCPT TO:<{ALICE}>", 250)
        client.expect("DATA", 354)
        client.send(b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 30 + b".\r\n")
        reply = client.read_reply()
        assert reply.code == 552 and reply.status.startswith("5.3."), reply
        # The session goes on: a small message after it is accepted.
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        client.expect(f"RCPT TO:<{ALICE}>", 250)
        client.expect("DATA", 354)
        client.expect(b"Subject: small\r\n\r\nok\r\n.", 250)
    stored = server.messages(ALICE)
    assert len(stored) == 1 and b"Subject: small" in stored[0]["content"]


def test_sixth_recipient_over_max_recipients_gets_452(mail_server):
    server = provider(mail_server, "max_recipients = 5")
    recipients = [f"r{n}@{DOMAIN}" for n in range(1, 7)]
    for address in recipients:
        server.add_alias(address, ALICE)
    with smtp(25) as client:
        client.ehlo()
        assert client.mail(OUTSIDER)[0] == 250
        for address in recipients[:5]:
            assert client.rcpt(address)[0] == 250, address
        code, text = client.rcpt(recipients[5])
        assert code == 452 and text.startswith(b"4.5.3"), (code, text)
        assert client.data(b"Subject: five\r\n\r\nx\r\n")[0] == 250
    assert any(b"Subject: five" in m["content"] for m in server.messages(ALICE))


def test_vrfy_gets_252(mail_server):
    provider(mail_server)
    with smtp(25) as client:
        client.ehlo()
        for address in (ALICE, f"nobody@{DOMAIN}"):  # the same answer for both: no user enumeration
            code, _ = client.verify(address)
            assert code == 252, (address, code)


# --- smtplib: submission --------------------------------------------------------------------------------
@pytest.mark.parametrize("port", [587, 465])
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_smtplib_submission_with_auth_delivers(mail_server, port, mechanism):
    server = provider(mail_server)
    with submission_session(port) as client:
        client.user, client.password = ALICE, ALICE_PASSWORD
        authenticator = client.auth_plain if mechanism == "PLAIN" else client.auth_login
        code, _ = client.auth(mechanism, authenticator, initial_response_ok=(mechanism == "PLAIN"))
        assert code == 235
        assert client.sendmail(ALICE, [BOB], f"Subject: {mechanism} on {port}\r\n\r\nx\r\n".encode()) == {}
    assert f"Subject: {mechanism} on {port}".encode() in only_message(server, BOB)


def test_wrong_password_gets_535(mail_server):
    provider(mail_server)
    with submission_session(587) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
            client.login(ALICE, "not-the-password")
    assert failed.value.smtp_code == 535 and failed.value.smtp_error.startswith(b"5.7.8"), failed.value


def test_unknown_login_gets_535(mail_server):
    provider(mail_server)
    with submission_session(587) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
            client.login(f"nobody@{DOMAIN}", ALICE_PASSWORD)
    assert failed.value.smtp_code == 535


def test_mail_from_not_of_the_account_gets_553(mail_server):
    server = provider(mail_server)
    with submission_session(587) as client:
        client.login(ALICE, ALICE_PASSWORD)
        for sender in (BOB, TEAM, "alice@ext.example"):
            code, text = client.mail(sender)
            assert code == 553 and text.startswith(b"5.7.1"), (sender, code, text)
            client.rset()
    assert server.messages(BOB) == [] and server.queued() == []


def test_mail_from_an_alias_of_the_account_is_accepted(mail_server):
    server = provider(mail_server)
    with submission_session(587) as client:
        client.login(ALICE, ALICE_PASSWORD)
        assert client.sendmail(ALICE_ALIAS, [BOB], b"Subject: as alias\r\n\r\nx\r\n") == {}
    assert b"Subject: as alias" in only_message(server, BOB)


def test_mail_on_587_after_tls_without_auth_gets_530(mail_server):
    server = provider(mail_server)
    with submission_session(587) as client:
        code, text = client.mail(ALICE)
        assert code == 530 and text.startswith(b"5.7.0"), (code, text)
        code, _ = client.rcpt(BOB)
        assert code >= 500
    assert server.messages(BOB) == []


def test_remote_recipient_on_25_without_auth_is_not_relayed(mail_server):
    server = provider(mail_server)
    with smtp(25) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(OUTSIDER, [REMOTE], b"Subject: relay\r\n\r\nx\r\n")
    code, text = refused.value.recipients[REMOTE]
    assert code == 554 and text.startswith(b"5.7.1"), (code, text)
    assert server.queued() == []


# --- message content ------------------------------------------------------------------------------------
def test_dot_stuffing_lines_starting_with_a_dot_arrive_intact(mail_server):
    server = provider(mail_server)
    message = b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n. space\r\nend\r\n"
    with smtp(25) as client:
        assert client.sendmail(OUTSIDER, [ALICE], message) == {}  # smtplib doubles each leading dot
    assert split_received(only_message(server, ALICE))[1] == message


def test_dot_stuffed_bytes_on_the_wire_are_unstuffed(mail_server):
    server = provider(mail_server)
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        client.ehlo()
        client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
        client.expect(f"RCPT TO:<{ALICE}>", 250)
        client.expect("DATA", 354)
        client.expect(b"Subject: raw dots\r\n\r\n..\r\n...x\r\n.y\r\n.", 250)
    assert split_received(only_message(server, ALICE))[1] == b"Subject: raw dots\r\n\r\n.\r\n..x\r\ny\r\n"


def send_with_bare_line_endings(client):
    client.greeting()
    client.ehlo()
    client.expect(f"MAIL FROM:<{OUTSIDER}>", 250)
    client.expect(f"RCPT TO:<{ALICE}>", 250)
    client.expect("DATA", 354)
    return client.command(b"Subject: bare\r\n\r\nline one\nline two\rline three\r\n.")


def test_bare_line_endings_normalize_stores_crlf(mail_server):
    server = provider(mail_server, 'bare_line_endings = "normalize"')
    with SmtpClient(ADDRESS, 25) as client:
        reply = send_with_bare_line_endings(client)
        assert reply.code == 250, reply
    stored = split_received(only_message(server, ALICE))[1]
    assert stored == b"Subject: bare\r\n\r\nline one\r\nline two\r\nline three\r\n", stored


def test_bare_line_endings_rejected_by_default_with_550_5_6_0(mail_server):
    server = provider(mail_server)
    with SmtpClient(ADDRESS, 25) as client:
        reply = send_with_bare_line_endings(client)
        assert reply.code == 550 and reply.status == "5.6.0", reply
        client.expect("NOOP", 250)  # the session goes on
    assert server.messages(ALICE) == []


def test_bare_lf_in_a_command_line_gets_500_5_5_2(mail_server):
    provider(mail_server)
    with SmtpClient(ADDRESS, 25) as client:
        client.greeting()
        client.ehlo()
        # Only CRLF ends a line (RFC 5321 §2.3.8): what follows a bare LF is not a command of its own — else
        # a client library that strips CRLF but not LF from an argument lets its caller inject commands.
        reply = client.command(b"NOOP\nVRFY x")
        assert reply.code == 500 and reply.status == "5.5.2", reply
        assert client.nothing_within(0.5), f"a second reply, the bare LF ended a command: {client.buffer!r}"
        client.expect("NOOP", 250)
