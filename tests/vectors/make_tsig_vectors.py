#!/usr/bin/python3
"""TSIG interoperability vectors (RFC 8945) made by dnspython, for src/dnsserver/tsig_test.cpp.

Writes tsig_vectors.h next to this script, and seeds for tests/fuzz/tsig_fuzz.cpp in tests/fuzz/corpus/tsig/: signed requests for every HMAC algorithm, a signed response,
a three-message zone transfer (every message signed, RFC 8945 §5.3.1), one with an unsigned middle message,
and a request with a MAC truncated to 16 bytes (§5.2.2.1). Keys, IDs and the clock are fixed, so the output
is the same on every run. Every vector is checked with dnspython's own verifier before it is written.
Run with Debian's interpreter, which has python3-dnspython: /usr/bin/python3 tests/vectors/make_tsig_vectors.py
"""

import base64
import os
import struct
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import dns.version

SIGN_TIME = 1700000000  # 2023-11-14T22:13:20Z
FUDGE = 300

# Fixed secrets (not used anywhere else): 32 bytes each, base64.
KEYS = {
    "hmac-sha1": ("sha1-key.", "c2hhMS1zZWNyZXQtZm9yLWRhbmVtYWlsLXRlc3RzISE="),
    "hmac-sha224": ("sha224-key.", "c2hhMjI0LXNlY3JldC1mb3ItZGFuZW1haWwtdGVzdHM="),
    "hmac-sha256": ("tsig-key.", "8J2/vY5HFx2c2ViLRm4aaJOp8LJ6wWg7uWBSG1mK0uA="),
    "hmac-sha384": ("sha384-key.", "c2hhMzg0LXNlY3JldC1mb3ItZGFuZW1haWwtdGVzdHM="),
    "hmac-sha512": ("sha512-key.", "c2hhNTEyLXNlY3JldC1mb3ItZGFuZW1haWwtdGVzdHM="),
}


def fixed_time():
    return float(SIGN_TIME)


# dnspython signs with int(time.time()) and verifies against it: freeze the clock.
time.time = fixed_time


def tsig_key(algorithm):
    name, secret = KEYS[algorithm]
    return dns.tsig.Key(name, secret, algorithm)


def keyring():
    return {dns.name.from_text(name): tsig_key(alg) for alg, (name, _) in KEYS.items()}


def zone_rrsets():
    text = [
        "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
        "example.com. 3600 IN NS ns1.example.com.",
        "example.com. 3600 IN MX 10 mx.example.com.",
        "ns1.example.com. 3600 IN A 192.0.2.1",
        "mx.example.com. 3600 IN A 192.0.2.2",
        "mx.example.com. 3600 IN AAAA 2001:db8::2",
        "www.example.com. 3600 IN CNAME mx.example.com.",
        "_25._tcp.mx.example.com. 3600 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ]
    return [dns.rrset.from_text(*line.split(" ", 4)[:4], line.split(" ", 4)[4]) for line in text]


def signed_request(algorithm, qname, qtype, query_id, use_edns):
    query = dns.message.make_query(qname, qtype, use_edns=0 if use_edns else None)
    query.id = query_id
    key = tsig_key(algorithm)
    query.use_tsig({key.name: key}, key.name, fudge=FUDGE, algorithm=algorithm)
    wire = query.to_wire()
    # Round trip through dnspython's verifier.
    dns.message.from_wire(wire, keyring=keyring())
    return wire, query.mac


def response_to(request_wire):
    request = dns.message.from_wire(request_wire, keyring=keyring())
    response = dns.message.make_response(request)
    response.flags |= dns.flags.AA
    soa = zone_rrsets()[0]
    response.answer.append(soa)
    wire = response.to_wire()
    dns.message.from_wire(wire, keyring=keyring(), request_mac=request.mac)
    return wire


def transfer(request_wire, request_mac, unsigned_middle):
    """Three AXFR response messages: SOA + 3 RRsets, 3 RRsets, 1 RRset + SOA."""
    request = dns.message.from_wire(request_wire, keyring=keyring())
    rrsets = zone_rrsets()
    parts = [[rrsets[0]] + rrsets[1:4], rrsets[4:7], rrsets[7:] + [rrsets[0]]]
    key = tsig_key("hmac-sha256")
    wires = []
    ctx = None
    for index, part in enumerate(parts):
        message = dns.message.make_response(request)
        message.flags |= dns.flags.AA
        if index > 0:
            message.question = []
        message.answer = part
        if unsigned_middle and index == 1:
            message.keyring = None
            message.tsig = None
            wire = message.to_wire()
            ctx.update(wire)  # RFC 8945 §5.3.1: the next MAC covers the unsigned message
        else:
            message.use_tsig({key.name: key}, key.name, fudge=FUDGE)
            message.request_mac = request_mac
            wire = message.to_wire(multi=True, tsig_ctx=ctx)
            ctx = message.tsig_ctx
        wires.append(wire)
    # Check the stream with dnspython's client side.
    ctx = None
    for wire in wires:
        message = dns.message.from_wire(
            wire, keyring=keyring(), request_mac=request_mac, xfr=True, tsig_ctx=ctx, multi=True
        )
        ctx = message.tsig_ctx
    return wires


def truncated_request():
    """A request signed with hmac-sha256 and its MAC cut to 16 bytes, algorithm name unchanged (§5.2.2.1)."""
    query = dns.message.make_query("example.com.", "SOA")
    query.id = 0x5A5A
    unsigned = query.to_wire()
    key = tsig_key("hmac-sha256")
    rdata = dns.message.Message._make_tsig(key.name, key.algorithm, SIGN_TIME, FUDGE, b"", query.id, 0, b"")[0]
    ctx = dns.tsig._digest(unsigned, key, rdata, SIGN_TIME)
    mac = ctx.sign()[:16]
    rdata = rdata.replace(mac=mac)
    rdata_wire = rdata.to_wire()
    record = (
        key.name.to_wire()
        + struct.pack("!HHIH", dns.rdatatype.TSIG, dns.rdataclass.ANY, 0, len(rdata_wire))
        + rdata_wire
    )
    arcount = struct.unpack("!H", unsigned[10:12])[0] + 1
    wire = unsigned[:10] + struct.pack("!H", arcount) + unsigned[12:] + record
    return wire, mac


def journal_bytes():
    """A one-diff journal in the file format of src/dnsserver/journal.h."""

    def record(text):
        rrset = dns.rrset.from_text(*text.split(" ", 4)[:4], text.split(" ", 4)[4])
        rdata = rrset[0].to_digestable()
        return (
            rrset.name.to_wire()
            + struct.pack("!HHIH", rrset.rdtype, rrset.rdclass, rrset.ttl, len(rdata))
            + rdata
        )

    soa = "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. {} 7200 3600 1209600 300"
    body = (
        record(soa.format(2024010100))
        + struct.pack("!I", 1)
        + record("www.example.com. 60 IN A 192.0.2.1")
        + record(soa.format(2024010101))
        + struct.pack("!I", 1)
        + record("www.example.com. 60 IN A 192.0.2.2")
    )
    return b"DMJRNL01" + struct.pack("!I", len(body)) + body


def write_fuzz_seeds(requests, stream, unsigned_stream, truncated):
    """Seeds for tsig_fuzz: the first byte is the mode (0 request, 1 response stream, 2 key text, 3 journal)."""
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = os.path.join(here, "..", "fuzz", "corpus", "tsig")
    os.makedirs(corpus, exist_ok=True)
    seeds = {f"request-{alg}": b"\x00" + wire for alg, wire in requests.items()}
    seeds["request-truncated"] = b"\x00" + truncated
    seeds["stream-axfr"] = b"\x01" + b"".join(struct.pack("!H", len(w)) + w for w in stream)
    seeds["stream-unsigned-middle"] = b"\x01" + b"".join(struct.pack("!H", len(w)) + w for w in unsigned_stream)
    key_text = "".join(
        f'key "{name[:-1]}" {{\n\talgorithm {alg};\n\tsecret "{secret}";\n}};\n'
        for alg, (name, secret) in KEYS.items()
    )
    seeds["keys"] = b"\x02" + key_text.encode()
    seeds["journal"] = b"\x03" + journal_bytes()
    for name, data in seeds.items():
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(data)


def cpp_hex(name, data):
    text = data.hex()
    chunks = [text[i : i + 96] for i in range(0, len(text), 96)]
    body = "\n".join(f'    "{chunk}"' for chunk in chunks)
    return f"inline constexpr std::string_view {name} =\n{body};\n"


def main():
    out = [
        "// Generated by tests/vectors/make_tsig_vectors.py with dnspython "
        + dns.version.version
        + ": do not edit.",
        "// TSIG (RFC 8945) messages signed by dnspython with fixed keys, IDs and clock, for tsig_test.cpp:",
        "// requests for each HMAC, a response, 3-message transfers (§5.3.1), a truncated MAC (§5.2.2.1).",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <string_view>",
        "",
        "namespace danemail::dnsserver::vectors {",
        "",
        f"inline constexpr int64_t kSignTime = {SIGN_TIME};",
        f"inline constexpr uint16_t kFudge = {FUDGE};",
        "",
        "struct VectorKey {",
        "    std::string_view name;",
        "    std::string_view algorithm;",
        "    std::string_view secret_base64;",
        "    std::string_view request_hex;  // example.com/SOA with EDNS, id 0x1234, signed with this key",
        "};",
        "",
        "inline constexpr VectorKey kKeys[] = {",
    ]
    requests = {}
    for algorithm, (name, secret) in KEYS.items():
        wire, _ = signed_request(algorithm, "example.com.", "SOA", 0x1234, True)
        requests[algorithm] = wire
        out.append(f'    {{"{name}", "{algorithm}", "{secret}",')
        text = wire.hex()
        out.extend(f'     "{text[i : i + 96]}"' for i in range(0, len(text), 96))
        out[-1] += "},"
    out.append("};")
    out.append("")

    request, request_mac = signed_request("hmac-sha256", "example.com.", "SOA", 0x2345, False)
    out.append("// hmac-sha256 (tsig-key.): a request and its AA response with the SOA.")
    out.append(cpp_hex("kRequest", request))
    out.append(cpp_hex("kRequestMac", request_mac))
    out.append(cpp_hex("kResponse", response_to(request)))

    axfr, axfr_mac = signed_request("hmac-sha256", "example.com.", "AXFR", 0x4321, False)
    out.append("// An AXFR request and three response messages, every one signed.")
    out.append(cpp_hex("kAxfrRequest", axfr))
    out.append(cpp_hex("kAxfrRequestMac", axfr_mac))
    stream = transfer(axfr, axfr_mac, False)
    for index, wire in enumerate(stream):
        out.append(cpp_hex(f"kAxfrMessage{index + 1}", wire))
    out.append("// The same transfer with the middle message unsigned (RFC 8945 §5.3.1).")
    unsigned_stream = transfer(axfr, axfr_mac, True)
    for index, wire in enumerate(unsigned_stream):
        out.append(cpp_hex(f"kAxfrUnsignedMiddle{index + 1}", wire))

    truncated, truncated_mac = truncated_request()
    out.append("// example.com/SOA, id 0x5a5a, hmac-sha256 with the MAC truncated to 16 bytes.")
    out.append(cpp_hex("kTruncatedRequest", truncated))
    out.append(cpp_hex("kTruncatedMac", truncated_mac))
    out.append("}  // namespace danemail::dnsserver::vectors")

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsig_vectors.h")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote", path)
    write_fuzz_seeds(requests, stream, unsigned_stream, truncated)
    print("wrote the fuzz seeds in tests/fuzz/corpus/tsig/")


if __name__ == "__main__":
    main()
