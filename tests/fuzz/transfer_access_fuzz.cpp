// libFuzzer target for the server's answers to zone transfer and TSIG-signed queries (RFC 5936 §5, RFC 1995
// §2–§4, RFC 8945 §5.2–§5.3): arbitrary network bytes go, as the UDP and TCP listeners send them, to
// answer_transfer() when they ask for AXFR/IXFR and to answer_signed_query() otherwise, against a small
// signed zone with a two-step journal, two TSIG keys and two listed secondaries. The first byte picks the
// peer's address, UDP or TCP, the server's UDP size, whether transfers are configured, and whether the
// harness signs the rest with a TSIG key first (a fuzzer cannot forge a MAC, so this is how it reaches the
// code behind the check). Nothing may crash; every response must parse and echo the ID; a transfer goes out
// only over TCP to a listed address with its key, and then every message must verify and the stream read back
// as a complete transfer; answers to queries the harness signed must verify.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dns/message.h"
#include "dns/rdata.h"
#include "dnssec/algorithm.h"
#include "dnssec/key.h"
#include "dnssec/zone_signer.h"
#include "dnsserver/transfer_access.h"
#include "dnsserver/transfer_reader.h"
#include "dnsserver/tsig.h"
#include "dnsserver/tsig_answer.h"
#include "fuzz_zone.h"
#include "zone/journal.h"
#include "zone/served_zone.h"
#include "zone/zone_set.h"

namespace {

using namespace danemail;
using namespace danemail::dnsserver;

// The server's clock for answers and the time the seed corpus was signed at (2026-01-01T00:00:00Z);
// tests/fuzz/make_seeds.py signs with the same keys at the same time.
constexpr UnixTime kNow = 1767225600;
constexpr size_t kMaxStreamMessages = 64;  // the zone takes one or two; more means a runaway writer

// Where fail() writes: the answer code logs every refusal and transfer to stderr, which libFuzzer is told
// to close (see LLVMFuzzerInitialize), so failures go to a copy of it made before.
int report_fd = 2;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    dprintf(report_fd, "transfer_access_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

// The bits of the first byte.
enum Flag : uint8_t {
    kPeerMask = 0x03,  // 0: 127.0.0.2 (xfr-key's secondary), 1: 127.0.0.3 (other-key's), 2: unlisted, 3: none
    kTcp = 0x04,       // else UDP
    kHarnessSigns = 0x08,  // sign the rest with the key chosen below before answering
    kKeyMask = 0x30,       // 0: xfr-key, 1: other-key, 2: an unknown key, 3: xfr-key 1000 s in the past
    kNoTransfers = 0x40,   // no secondaries configured (null TransferZones)
    kSmallUdp = 0x80,      // the server's UDP size is 512 instead of 1232
};

constexpr const char* kPeers[] = {"127.0.0.2", "127.0.0.3", "192.0.2.99", ""};

TsigKey make_key(const char* name, TsigAlgorithm algorithm, const char* secret_base64) {
    return TsigKey(*dns::Name::from_text(name), algorithm, *from_base64(secret_base64));
}

// The keys; the Python corpus script has the same names and secrets.
const TsigKey& xfr_key() {
    static const TsigKey key =
        make_key("xfr-key.", TsigAlgorithm::HmacSha256, "ERERERERERERERERERERERERERERERERERERERERERE=");
    return key;
}
const TsigKey& other_key() {
    static const TsigKey key =
        make_key("other-key.", TsigAlgorithm::HmacSha1, "IiIiIiIiIiIiIiIiIiIiIiIiIiI=");
    return key;
}
const TsigKey& unknown_key() {
    static const TsigKey key =
        make_key("stranger.", TsigAlgorithm::HmacSha256, "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=");
    return key;
}

std::vector<dns::Record> parse_lines(const std::vector<std::string>& lines, const dns::Name& origin) {
    return fuzz::parse_zone_lines(lines, origin);
}

struct Fixture {
    dns::Name apex = *dns::Name::from_text("example.");
    std::shared_ptr<const std::vector<dns::Record>> records;  // the newest version, signed
    std::shared_ptr<const TransferZones> transfers;
    zone::ZoneSet zones;
};

// example. in three versions (serials 1, 2, 3), each signed with the same keys; the journal holds 1→2→3.
// lines[0] is the SOA and lines[4] mx's address, which version 3 changes.
Fixture make_fixture() {
    Fixture f;
    std::vector<std::string> lines = {
        "@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300",
        "@ 3600 NS ns1",
        "@ 3600 MX 10 mx",
        "ns1 3600 A 192.0.2.1",
        "mx 3600 A 192.0.2.2",
        "_25._tcp.mx 3600 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "www 3600 CNAME mx",
        "sub 3600 NS ns.sub",
        "ns.sub 3600 A 192.0.2.4",
    };
    // An RRset that, with its RRSIG, nearly fills 1232 bytes: its TSIG then pushes a UDP answer past the
    // client's size and the signed TC=1 form goes instead (RFC 8945 §5.3).
    for (char c = 'a'; c < 'a' + 9; ++c) lines.push_back("big 3600 TXT " + std::string(99, c));
    std::vector<dnssec::ZoneKey> keys;
    for (auto role : {dnssec::KeyRole::Ksk, dnssec::KeyRole::Zsk}) {
        auto key = dnssec::generate_key(f.apex, role, dnssec::algorithm::ECDSAP256SHA256);
        if (!key) fail("key generation failed:", key.error().to_string());
        keys.push_back(std::move(*key));
    }
    dnssec::SigningPolicy policy;
    policy.threads = 1;
    auto sign = [&](const std::vector<std::string>& version) {
        auto signed_records = dnssec::sign_zone(parse_lines(version, f.apex), f.apex, keys, policy);
        if (!signed_records) fail("signing failed:", signed_records.error().to_string());
        return std::move(*signed_records);
    };
    std::vector<std::vector<dns::Record>> versions;
    versions.push_back(sign(lines));
    lines[0] = "@ 3600 SOA ns1 hostmaster 2 7200 3600 1209600 300";
    lines.push_back("new 3600 A 192.0.2.50");
    versions.push_back(sign(lines));
    lines[0] = "@ 3600 SOA ns1 hostmaster 3 7200 3600 1209600 300";
    lines[4] = "mx 3600 A 192.0.2.22";
    versions.push_back(sign(lines));

    auto journal = std::make_shared<zone::Journal>();
    for (size_t i = 1; i < versions.size(); ++i) {
        auto diff = zone::diff_zones(versions[i - 1], versions[i]);
        if (!diff) fail("diff failed:", diff.error().to_string());
        if (auto appended = journal->append(std::move(*diff)); !appended)
            fail("journal append failed:", appended.error().to_string());
    }
    f.records = std::make_shared<const std::vector<dns::Record>>(versions.back());
    auto transfers = std::make_shared<TransferZones>();
    transfers->zones.push_back({.apex = f.apex, .records = f.records, .journal = journal});
    transfers->peers.push_back({kPeers[0], xfr_key().name});
    transfers->peers.push_back({kPeers[1], other_key().name});
    transfers->keys = {xfr_key(), other_key()};
    f.transfers = transfers;
    auto served = zone::ServedZone::build(*f.records, f.apex);
    if (!served) fail("snapshot failed:", served.error().to_string());
    f.zones = zone::ZoneSet({*served});
    return f;
}

const Fixture& fixture() {
    static const Fixture f = make_fixture();
    return f;
}

dns::Message parsed_or_fail(ByteView wire, ByteView query, const char* what) {
    if (query.size() < 2) fail(what, "answers a query too short for an ID");
    auto message = dns::parse_message(wire);
    if (!message) fail(what, "does not parse: " + message.error().to_string());
    if (!message->header.qr) fail(what, "has QR clear");
    if (message->header.id != (query[0] << 8 | query[1])) fail(what, "does not echo the query's ID");
    return std::move(*message);
}

// What the harness did to the query.
struct Signing {
    const TsigKey* key = nullptr;  // set when the harness signed the query with a key the server knows
    Bytes mac;                     // the query's MAC, which a signed response covers
};

void check_transfer(ByteView query, uint8_t flags, const Signing& signing) {
    const Fixture& f = fixture();
    const bool tcp = flags & kTcp;
    const char* peer = kPeers[flags & kPeerMask];
    auto transfers = (flags & kNoTransfers) ? nullptr : f.transfers;
    const uint16_t udp_size =
        (flags & kSmallUdp) ? dns::kMaxUdpSizeWithoutEdns : dns::Edns::kDefaultUdpPayloadSize;
    TransferReply reply =
        answer_transfer(query, peer, transfers, tcp ? Transport::Tcp : Transport::Udp, kNow, udp_size);
    if (!reply.response.empty()) {
        parsed_or_fail(reply.response, query, "a transfer response");
        AnswerOptions udp;
        udp.max_udp_payload = udp_size;
        if (!tcp && reply.response.size() > response_size_limit(query, udp))
            fail("a UDP transfer answer larger than the client's limit");
    }
    if (!reply.stream) {
        // Served over UDP (IXFR up to date, or TC=1): signed with the query's key at kNow.
        if (reply.refusal.empty() && !reply.response.empty() && signing.key) {
            TsigResponseVerifier verifier(*signing.key, signing.mac);
            if (auto verified = verifier.verify(reply.response, kNow); !verified)
                fail("a UDP transfer answer does not verify:", verified.error().to_string());
        }
        return;
    }

    // A transfer goes ahead: only over TCP, to a listed address, with that address's key.
    if (!tcp) fail("a transfer stream over UDP");
    if (!transfers) fail("a transfer without secondaries configured");
    if (!reply.response.empty() || !reply.refusal.empty())
        fail("a transfer stream with a response or refusal");
    if (flags & kPeerMask & 2) fail("a transfer to an unlisted address:", peer);
    auto request = dns::parse_message(query);
    if (!request || request->questions.size() != 1) fail("a transfer for a query that does not parse");
    auto tsig = request->tsig();
    if (!tsig) fail("a transfer for an unsigned query");
    const dns::Name& expected_key = (flags & kPeerMask) == 0 ? xfr_key().name : other_key().name;
    if (!(tsig->owner == expected_key)) fail("a transfer signed with another secondary's key");

    std::optional<uint32_t> client_serial;
    if (request->questions[0].type == dns::type::IXFR) {
        auto serial = ixfr_query_serial(*request);
        if (!serial) fail("an IXFR without a serial was served");
        client_serial = *serial;
    }
    TransferReader reader(request->questions[0].name, client_serial);
    std::optional<TsigResponseVerifier> verifier;
    if (signing.key) verifier.emplace(*signing.key, signing.mac);
    size_t messages = 0;
    while (!reply.stream->done()) {
        if (++messages > kMaxStreamMessages) fail("a transfer of the small zone runs past its messages");
        Bytes message;
        if (auto next = reply.stream->next(message); !next)
            fail("the stream failed:", next.error().to_string());
        if (message.size() > dns::kMaxMessageSize) fail("a transfer message over 64 KiB");
        parsed_or_fail(message, query, "a transfer message");
        // The stream signs each message with the clock as it is made (RFC 8945 §5.3.1).
        if (verifier)
            if (auto verified = verifier->verify(message, now_unix()); !verified)
                fail("a transfer message does not verify:", verified.error().to_string());
        if (auto added = reader.add_message(message); !added)
            fail("a transfer message does not read back:", added.error().to_string());
    }
    if (messages == 0) fail("an empty transfer stream");
    if (verifier)
        if (auto finished = verifier->finish(); !finished)
            fail("the stream's TSIG:", finished.error().to_string());
    auto result = reader.finish();
    if (!result) fail("the transfer does not read back:", result.error().to_string());
    if (result->kind == TransferKind::Axfr && result->zone.size() != f.records->size())
        fail("an AXFR with another number of records than the zone");
    if (reply.stream->summary().empty()) fail("a transfer without a summary");
}

void check_signed_query(ByteView query, uint8_t flags, const Signing& signing) {
    const Fixture& f = fixture();
    AnswerOptions options;
    options.transport = (flags & kTcp) ? Transport::Tcp : Transport::Udp;
    if (flags & kSmallUdp) options.max_udp_payload = dns::kMaxUdpSizeWithoutEdns;
    std::span<const TsigKey> keys;
    if (!(flags & kNoTransfers)) keys = f.transfers->keys;
    static Bytes response;  // reused like a listener's buffer
    SignedAnswer answer = answer_signed_query(query, f.zones, keys, response, options, kNow);
    if (answer.result.respond() != !response.empty()) fail("the result and the response disagree");
    if (response.empty()) return;
    dns::Message message = parsed_or_fail(response, query, "a signed query's answer");
    if (response.size() > response_size_limit(query, options))
        fail("an answer larger than the client's limit");
    if (message.header.rcode != answer.result.rcode) fail("the RCODE differs from the result");
    if (signing.key && !(flags & kNoTransfers) && answer.refusal.empty()) {
        TsigResponseVerifier verifier(*signing.key, signing.mac);
        if (auto verified = verifier.verify(response, kNow); !verified)
            fail("the answer to a signed query does not verify:", verified.error().to_string());
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    (void)fixture();
    // Every transfer and refusal is logged to stderr: have libFuzzer close it (its own output and the
    // sanitizers' reports go to a copy) and keep another copy for fail().
    report_fd = dup(2);
    if (report_fd < 0) report_fd = 2;
    static std::vector<char*> args(*argv, *argv + *argc);
    static char close_stderr[] = "-close_fd_mask=2";
    args.insert(args.begin() + 1, close_stderr);
    args.push_back(nullptr);
    *argc += 1;
    *argv = args.data();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t flags = data[0];
    Bytes query(data + 1, data + size);
    Signing signing;
    if (flags & kHarnessSigns) {
        const TsigKey* keys[] = {&xfr_key(), &other_key(), &unknown_key(), &xfr_key()};
        const uint8_t choice = (flags & kKeyMask) >> 4;
        const UnixTime when = choice == 3 ? kNow - 1000 : kNow;
        // TsigSigner expects a well-formed message; bytes that do not parse are signed all the same (the TSIG
        // then lands behind junk the server may not read as the additional section), but only a message
        // that parses is expected to come back signed.
        const bool well_formed = static_cast<bool>(dns::parse_message(query));
        Bytes signed_query = query;
        TsigSigner signer(*keys[choice]);
        if (signer.sign(signed_query, when)) {
            query = std::move(signed_query);
            if (choice < 2 && well_formed) signing = {keys[choice], signer.mac()};
        }
    }
    // As the UDP and TCP listeners route what the engine leaves to them.
    if (is_transfer_query(query))
        check_transfer(query, flags, signing);
    else
        check_signed_query(query, flags, signing);
    return 0;
}
