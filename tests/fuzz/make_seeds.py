#!/usr/bin/python3
"""Seeds made by dnspython for tests/fuzz/transfer_access_fuzz.cpp and peer_answer_fuzz.cpp, written to
tests/fuzz/corpus/transfer_access/ and tests/fuzz/corpus/peer_answer/.

transfer_access: one flag byte (the bits are listed in transfer_access_fuzz.cpp) and a query: AXFR, IXFR (RFC 1995
§3, the client's SOA in the authority section) and SOA queries TSIG-signed (RFC 8945) with the harness's keys
at its fixed clock, from listed and unlisted addresses over UDP and TCP; a bad MAC, an old signature, an
unsigned AXFR; and unsigned queries for the harness to sign. Keys, IDs and the clock are fixed, so the output
is the same on every run.
peer_answer: one mode byte (0 parent DS answer, 1 unsigned NOTIFY response, 2 signed) and a response: DS
answers with and without RRSIG, NODATA with an SOA, a referral without AA, SERVFAIL; NOTIFY acknowledgements,
one signed with the key of tests/vectors/tsig_vectors.h covering its AXFR request MAC, and a
signed NOTAUTH (a TSIG error the secondary reports).
smtp_session (tests/fuzz/smtp_session_fuzz.cpp): one flag byte (port, line-ending policy, small limits, hook
failures; the bits are listed in the harness), one segment-size byte (0: the whole input at once) and what a
client sends: transactions on port 25, pipelining, each SMTP smuggling ending, BDAT, STARTTLS with pipelined
commands after it, AUTH PLAIN and LOGIN on 587 and 465, the relay address forms, over-long lines.
Run with Debian's interpreter, which has python3-dnspython: /usr/bin/python3 tests/fuzz/make_seeds.py
"""

import base64
import os
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rrset
import dns.tsig

SIGN_TIME = 1767225600  # kNow in transfer_access_fuzz.cpp: 2026-01-01T00:00:00Z
FUDGE = 300

# The harness's keys (transfer_access_fuzz.cpp): name, secret, algorithm.
XFR_KEY = dns.tsig.Key("xfr-key.", "ERERERERERERERERERERERERERERERERERERERERERE=", "hmac-sha256")
OTHER_KEY = dns.tsig.Key("other-key.", "IiIiIiIiIiIiIiIiIiIiIiIiIiI=", "hmac-sha1")

# The flag byte.
PEER_XFR, PEER_OTHER, PEER_UNLISTED, PEER_NONE = 0, 1, 2, 3
TCP = 0x04
HARNESS_SIGNS = 0x08
KEY_XFR, KEY_OTHER, KEY_UNKNOWN, KEY_OLD = 0x00, 0x10, 0x20, 0x30
NO_TRANSFERS = 0x40
SMALL_UDP = 0x80

clock = [SIGN_TIME]
# dnspython signs with int(time.time()): freeze the clock (shifted for the BADTIME seed).
time.time = lambda: float(clock[0])


def query(qtype, serial=None, edns=False, query_id=0x2b2b, qname="example."):
    message = dns.message.make_query(qname, qtype, use_edns=0 if edns else None, want_dnssec=edns)
    message.id = query_id
    message.flags = 0  # transfers and refresh queries go without RD
    if serial is not None:
        message.authority.append(
            dns.rrset.from_text(qname, 3600, "IN", "SOA", f"ns1.{qname} hostmaster.{qname} {serial} 7200 3600 1209600 300")
        )
    return message


def signed(message, key, at=SIGN_TIME):
    clock[0] = at
    message.use_tsig({key.name: key}, key.name, fudge=FUDGE, algorithm=key.algorithm)
    wire = message.to_wire()
    clock[0] = SIGN_TIME
    return wire


def transfer_access_seeds():
    seeds = {
        "axfr-tcp": bytes([PEER_XFR | TCP]) + signed(query("AXFR"), XFR_KEY),
        "axfr-udp": bytes([PEER_XFR]) + signed(query("AXFR"), XFR_KEY),
        "axfr-edns-tcp": bytes([PEER_XFR | TCP]) + signed(query("AXFR", edns=True), XFR_KEY),
        "axfr-other-key-tcp": bytes([PEER_OTHER | TCP]) + signed(query("AXFR"), OTHER_KEY),
        "axfr-wrong-key-for-address": bytes([PEER_OTHER | TCP]) + signed(query("AXFR"), XFR_KEY),
        "axfr-unlisted-address": bytes([PEER_UNLISTED | TCP]) + signed(query("AXFR"), XFR_KEY),
        "axfr-no-secondaries": bytes([PEER_XFR | TCP | NO_TRANSFERS]) + signed(query("AXFR"), XFR_KEY),
        "axfr-unsigned": bytes([PEER_XFR | TCP]) + query("AXFR").to_wire(),
        "axfr-old-signature": bytes([PEER_XFR | TCP]) + signed(query("AXFR"), XFR_KEY, at=SIGN_TIME - 1000),
        "axfr-other-zone": bytes([PEER_XFR | TCP]) + signed(query("AXFR", qname="example.net."), XFR_KEY),
        "ixfr-from-1-tcp": bytes([PEER_XFR | TCP]) + signed(query("IXFR", serial=1), XFR_KEY),
        "ixfr-from-2-tcp": bytes([PEER_XFR | TCP]) + signed(query("IXFR", serial=2, edns=True), XFR_KEY),
        "ixfr-unknown-serial-tcp": bytes([PEER_XFR | TCP]) + signed(query("IXFR", serial=7), XFR_KEY),
        "ixfr-up-to-date-udp": bytes([PEER_XFR]) + signed(query("IXFR", serial=3), XFR_KEY),
        "ixfr-from-1-udp": bytes([PEER_XFR | SMALL_UDP]) + signed(query("IXFR", serial=1, edns=True), XFR_KEY),
        "ixfr-without-soa-tcp": bytes([PEER_XFR | TCP]) + signed(query("IXFR"), XFR_KEY),
        "soa-signed-udp": bytes([PEER_XFR]) + signed(query("SOA"), XFR_KEY),
        "soa-signed-edns-tcp": bytes([PEER_OTHER | TCP]) + signed(query("SOA", edns=True), OTHER_KEY),
        "dnskey-signed-small-udp": bytes([PEER_XFR | SMALL_UDP]) + signed(query("DNSKEY", edns=True), XFR_KEY),
        # The harness signs these itself.
        "sign-axfr-tcp": bytes([PEER_XFR | TCP | HARNESS_SIGNS | KEY_XFR]) + query("AXFR").to_wire(),
        "sign-ixfr-from-1-tcp": bytes([PEER_XFR | TCP | HARNESS_SIGNS | KEY_XFR]) + query("IXFR", serial=1).to_wire(),
        "sign-ixfr-up-to-date-udp": bytes([PEER_XFR | HARNESS_SIGNS | KEY_XFR]) + query("IXFR", serial=3).to_wire(),
        "sign-axfr-other-key-tcp": bytes([PEER_OTHER | TCP | HARNESS_SIGNS | KEY_OTHER]) + query("AXFR").to_wire(),
        "sign-axfr-unknown-key": bytes([PEER_XFR | TCP | HARNESS_SIGNS | KEY_UNKNOWN]) + query("AXFR").to_wire(),
        "sign-axfr-old": bytes([PEER_XFR | TCP | HARNESS_SIGNS | KEY_OLD]) + query("AXFR").to_wire(),
        "sign-soa-udp": bytes([PEER_XFR | HARNESS_SIGNS | KEY_XFR]) + query("SOA").to_wire(),
        "sign-mx-edns-udp": bytes([PEER_NONE | HARNESS_SIGNS | KEY_OTHER]) + query("MX", edns=True).to_wire(),
        "sign-big-txt-udp": bytes([PEER_XFR | HARNESS_SIGNS | KEY_XFR]) + query("TXT", edns=True, qname="big.example.").to_wire(),
        "sign-any-small-udp": bytes([PEER_XFR | HARNESS_SIGNS | SMALL_UDP]) + query("ANY", edns=True).to_wire(),
    }
    # A MAC with one byte changed (BADSIG): the MAC sits just before the original ID, error and other length.
    bad = bytearray(signed(query("AXFR"), XFR_KEY))
    bad[-8] ^= 0x01
    seeds["axfr-bad-mac"] = bytes([PEER_XFR | TCP]) + bytes(bad)

    return seeds


# peer_answer_fuzz.cpp: the query every answer is matched against, and the NOTIFY key and request MAC
# (tsig-key. and kAxfrRequestMac of tests/vectors/tsig_vectors.h, signed at its kSignTime).
PEER_QUERY_ID = 0x1234
PEER_ZONE = "example.com."
NOTIFY_KEY = dns.tsig.Key("tsig-key.", "8J2/vY5HFx2c2ViLRm4aaJOp8LJ6wWg7uWBSG1mK0uA=", "hmac-sha256")
NOTIFY_REQUEST_MAC = bytes.fromhex("14b305c96801d075779ba26b924e593024a99ed567155de0ad47f8aa84c3bf1b")
NOTIFY_SIGN_TIME = 1700000000
DS = "12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
RRSIG = "DS 13 2 3600 20260201000000 20260101000000 4242 com. AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="


def ds_answer(answer=(), authority=(), aa=True, rcode=dns.rcode.NOERROR, edns=True):
    query = dns.message.make_query(PEER_ZONE, "DS", use_edns=0 if edns else None, want_dnssec=edns)
    query.id = PEER_QUERY_ID
    response = dns.message.make_response(query)
    if aa:
        response.flags |= dns.flags.AA
    response.set_rcode(rcode)
    for section, lines in ((response.answer, answer), (response.authority, authority)):
        for owner, ttl, rtype, rdata in lines:
            section.append(dns.rrset.from_text(owner, ttl, "IN", rtype, rdata))
    return response.to_wire()


def notify_response(signed=False, rcode=dns.rcode.NOERROR):
    notify = dns.message.make_query(PEER_ZONE, "SOA")
    notify.id = PEER_QUERY_ID
    notify.set_opcode(dns.opcode.NOTIFY)
    notify.flags = dns.flags.AA | (dns.opcode.NOTIFY << 11)
    response = dns.message.make_response(notify)
    response.set_rcode(rcode)
    if signed:
        clock[0] = NOTIFY_SIGN_TIME
        response.use_tsig({NOTIFY_KEY.name: NOTIFY_KEY}, NOTIFY_KEY.name, fudge=FUDGE, algorithm=NOTIFY_KEY.algorithm)
        response.request_mac = NOTIFY_REQUEST_MAC
        wire = response.to_wire()
        clock[0] = SIGN_TIME
        return wire
    return response.to_wire()


def peer_answer_seeds():
    return {
        "ds-two": b"\x00" + ds_answer([(PEER_ZONE, 86400, "DS", DS), (PEER_ZONE, 3600, "DS", DS.replace("12345", "54321"))]),
        "ds-with-rrsig": b"\x00" + ds_answer([(PEER_ZONE, 3600, "DS", DS), (PEER_ZONE, 3600, "RRSIG", RRSIG)]),
        "ds-nodata": b"\x00"
        + ds_answer(authority=[("com.", 900, "SOA", "a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400")]),
        "ds-not-authoritative": b"\x00" + ds_answer([(PEER_ZONE, 3600, "DS", DS)], aa=False),
        "ds-servfail": b"\x00" + ds_answer(rcode=dns.rcode.SERVFAIL, edns=False),
        "ds-unexpected-cname": b"\x00" + ds_answer([(PEER_ZONE, 3600, "CNAME", "other.example.")]),
        "notify-ack": b"\x01" + notify_response(),
        "notify-ack-signed": b"\x02" + notify_response(signed=True),
        "notify-refused": b"\x01" + notify_response(rcode=dns.rcode.REFUSED),
        "notify-notauth-signed": b"\x02" + notify_response(signed=True, rcode=dns.rcode.NOTAUTH),
    }


# The smtp_session flag byte (smtp_session_fuzz.cpp).
SMTP_MX, SMTP_SUBMISSION, SMTP_IMPLICIT_TLS = 0, 1, 2
SMTP_NORMALIZE = 0x04
SMTP_SMALL_LIMITS = 0x08
SMTP_DELIVERY_FAILS = 0x10
SMTP_AUTH_FAILS = 0x20
SMTP_LOOKUP_FAILS = 0x40
SMTP_NO_CERTIFICATE = 0x80

SMTP_PLAIN = base64.b64encode(b"\0carol@example.org\0secret")
SMTP_PLAIN_WRONG = base64.b64encode(b"\0carol@example.org\0wrong")
SMTP_USER = base64.b64encode(b"carol@example.org")
SMTP_SECRET = base64.b64encode(b"secret")


def smtp(flags, segment, *lines):
    return bytes([flags, segment]) + b"".join(lines)


def smtp_session_seeds():
    ehlo = b"EHLO client.example\r\n"
    envelope = b"MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\n"
    smuggled = b"MAIL FROM:<ceo@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nforged\r\n"
    submit = ehlo + b"STARTTLS\r\n"
    seeds = {
        "mx-transaction": smtp(SMTP_MX, 0, ehlo, envelope, b"DATA\r\nSubject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n"),
        "mx-bytewise": smtp(SMTP_MX, 1, ehlo, envelope, b"DATA\r\nbody\r\n.\r\nQUIT\r\n"),
        "mx-helo-pipelined": smtp(
            SMTP_MX, 0, b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<postmaster@example.org>\r\n",
            b"RCPT TO:<nobody@example.org>\r\nDATA\r\n.\r\nNOOP\r\nRSET\r\nVRFY x\r\nEXPN y\r\nHELP\r\nQUIT\r\n"),
        "mx-params": smtp(SMTP_MX, 0, ehlo, b"MAIL FROM:<a@ext.example> SIZE=100 BODY=8BITMIME SMTPUTF8\r\n",
                          b"RCPT TO:<alice@example.org>\r\nDATA\r\n\xc3\xa9\r\n.\r\n"),
        "mx-starttls-injection": smtp(SMTP_MX, 0, ehlo, b"STARTTLS\r\nRSET\r\nMAIL FROM:<a@ext.example>\r\n"),
        "mx-starttls-then-mail": smtp(SMTP_MX, 30, ehlo, b"STARTTLS\r\n", ehlo, envelope, b"DATA\r\nx\r\n.\r\n"),
        "mx-bdat": smtp(SMTP_MX, 0, ehlo, envelope, b"BDAT 5\r\nab\r\nBDAT 3 LAST\r\n\ncd", b"BDAT 0 LAST\r\n"),
        "mx-bdat-small-limits": smtp(SMTP_MX | SMTP_SMALL_LIMITS, 7, ehlo, envelope, b"BDAT 300\r\n" + b"x" * 300,
                                     b"BDAT 2 LAST\r\nyy"),
        "mx-relay-forms": smtp(
            SMTP_MX, 0, ehlo, b"MAIL FROM:<a@ext.example>\r\n", b"RCPT TO:<u@ext.example>\r\n",
            b"RCPT TO:<u%ext.example@example.org>\r\n", b'RCPT TO:<"u@ext.example"@example.org>\r\n',
            b"RCPT TO:<@example.org:u@ext.example>\r\n", b"RCPT TO:<ext.example!u@example.org>\r\n",
            b"RCPT TO:<u@ext.example@example.org>\r\n"),
        "mx-long-line": smtp(SMTP_MX | SMTP_SMALL_LIMITS, 0, b"NOOP " + b"x" * 100 + b"\r\nNOOP\r\n"),
        "mx-bare-lf-commands": smtp(SMTP_MX, 0, b"EHLO c\nNOOP\rRSET\r\n"),
        "mx-normalize-commands": smtp(SMTP_MX | SMTP_NORMALIZE, 0, b"EHLO c\nNOOP\rRSET\r\n"),
        "mx-failures": smtp(SMTP_MX | SMTP_DELIVERY_FAILS | SMTP_LOOKUP_FAILS, 0, ehlo, envelope, b"DATA\r\nx\r\n.\r\n"),
        "submission-plain": smtp(SMTP_SUBMISSION, 0, submit),
        "submission-after-tls": smtp(SMTP_SUBMISSION, 21, submit, ehlo, b"AUTH PLAIN " + SMTP_PLAIN + b"\r\n",
                                     b"MAIL FROM:<carol@example.org>\r\nRCPT TO:<x@ext.example>\r\nDATA\r\nx\r\n.\r\n"),
        "submission-before-tls": smtp(SMTP_SUBMISSION | SMTP_NO_CERTIFICATE, 0, ehlo, b"AUTH PLAIN " + SMTP_PLAIN + b"\r\n",
                                      b"MAIL FROM:<carol@example.org>\r\n"),
        "implicit-login": smtp(SMTP_IMPLICIT_TLS, 0, ehlo, b"AUTH LOGIN\r\n", SMTP_USER + b"\r\n", SMTP_SECRET + b"\r\n",
                               b"MAIL FROM:<carol@example.org>\r\nRCPT TO:<alice@example.org>\r\n",
                               b"BDAT 4 LAST\r\nabcd"),
        "implicit-plain-continuation": smtp(SMTP_IMPLICIT_TLS, 0, ehlo, b"AUTH PLAIN\r\n", SMTP_PLAIN + b"\r\n"),
        "implicit-auth-failures": smtp(SMTP_IMPLICIT_TLS, 0, ehlo, (b"AUTH PLAIN " + SMTP_PLAIN_WRONG + b"\r\n") * 3),
        "implicit-auth-cancel": smtp(SMTP_IMPLICIT_TLS | SMTP_AUTH_FAILS, 0, ehlo, b"AUTH PLAIN\r\n*\r\nAUTH PLAIN =\r\n",
                                     b"AUTH LOGIN\r\n@@\r\nAUTH PLAIN " + SMTP_PLAIN + b"\r\n"),
    }
    endings = {"lf-dot-lf": b"\n.\n", "lf-dot-crlf": b"\n.\r\n", "crlf-dot-lf": b"\r\n.\n", "cr-dot-cr": b"\r.\r",
               "crlf-dot-cr-crlf": b"\r\n.\r\r\n"}
    for name, ending in endings.items():
        body = b"DATA\r\nreal" + ending + smuggled + b".\r\nQUIT\r\n"
        seeds["smuggle-" + name] = smtp(SMTP_MX, 0, ehlo, envelope, body)
        seeds["smuggle-" + name + "-normalize"] = smtp(SMTP_MX | SMTP_NORMALIZE, 3, ehlo, envelope, body)
    return seeds


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    targets = (
        ("transfer_access", transfer_access_seeds()),
        ("peer_answer", peer_answer_seeds()),
        ("smtp_session", smtp_session_seeds()),
    )
    for target, seeds in targets:
        corpus = os.path.join(here, "corpus", target)
        os.makedirs(corpus, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(corpus, name), "wb") as f:
                f.write(data)
        print(f"wrote {len(seeds)} seeds in {os.path.relpath(corpus)}")


if __name__ == "__main__":
    main()
