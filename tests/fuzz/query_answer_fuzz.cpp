// libFuzzer target for the authoritative answer path (RFC 1034 §4.3.2, RFC 4035 §3.1, RFC 5155 §7.2, RFC
// 6891): arbitrary network bytes are answered as a query, over UDP and over TCP, against small signed zones
// built at start-up (NSEC3 with opt-out, NSEC, a served child zone, wildcards, DNAME, CNAME loops,
// delegations). Every response must parse, fit its size limit, echo the ID, and never be sent for a response
// or a short packet.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "dns/message.h"
#include "dns/rdata.h"
#include "dnssec/algorithm.h"
#include "dnssec/key.h"
#include "dnssec/zone_signer.h"
#include "dnsserver/answer.h"
#include "fuzz_zone.h"
#include "zone/served_zone.h"
#include "zone/zone_set.h"

namespace {

using namespace danemail;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "query_answer_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

std::vector<dns::Record> parse_lines(const std::vector<std::string>& lines, const dns::Name& origin) {
    return fuzz::parse_zone_lines(lines, origin);
}

std::shared_ptr<const zone::ServedZone> signed_zone(const char* apex_text,
                                                    const std::vector<std::string>& lines, bool nsec3,
                                                    bool opt_out) {
    const dns::Name apex = *dns::Name::from_text(apex_text);
    std::vector<dnssec::ZoneKey> keys;
    for (auto role : {dnssec::KeyRole::Ksk, dnssec::KeyRole::Zsk}) {
        auto key = dnssec::generate_key(apex, role, dnssec::algorithm::ECDSAP256SHA256);
        if (!key) fail("key generation failed:", key.error().to_string());
        keys.push_back(std::move(*key));
    }
    dnssec::SigningPolicy policy;
    policy.use_nsec3 = nsec3;
    policy.nsec3.opt_out = opt_out;
    policy.threads = 1;
    auto records = dnssec::sign_zone(parse_lines(lines, apex), apex, keys, policy);
    if (!records) fail("signing failed:", records.error().to_string());
    auto served = zone::ServedZone::build(std::move(*records), apex);
    if (!served) fail("snapshot failed:", served.error().to_string());
    return *served;
}

const zone::ZoneSet& zones() {
    static const zone::ZoneSet set = [] {
        std::vector<std::string> example = {
            "@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300",
            "@ 3600 NS ns1",
            "@ 3600 MX 10 mx",
            "ns1 3600 A 192.0.2.1",
            "mx 3600 A 192.0.2.2",
            "mx 3600 AAAA 2001:db8::2",
            "_25._tcp.mx 3600 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "www 3600 CNAME mx",
            "loop1 3600 CNAME loop2",
            "loop2 3600 CNAME loop1",
            "*.wild 3600 TXT wildcard",
            "*.wc 3600 CNAME www",
            "a.b.c.deep 3600 A 192.0.2.3",
            "sub 3600 NS ns.sub",
            "sub 3600 DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ns.sub 3600 A 192.0.2.4",
            "insecure 3600 NS ns.insecure",
            "ns.insecure 3600 A 192.0.2.5",
            "dn 3600 DNAME example.net.",
            "redir 3600 DNAME deep",
        };
        for (int i = 0; i < 30; ++i)
            example.push_back("big 3600 TXT " + std::string(100, static_cast<char>('a' + i % 26)));
        std::vector<std::string> sub = {"@ 3600 SOA ns h 1 2 3 4 60", "@ 3600 NS ns", "ns 3600 A 192.0.2.4",
                                        "*.w 3600 A 192.0.2.9", "x 3600 CNAME y.w"};
        std::vector<std::string> root = {"@ 86400 SOA a.root. h.root. 1 2 3 4 86400", "@ 86400 NS a.root.",
                                         "a.root 86400 A 127.0.0.1", "test 86400 NS ns.test.",
                                         "ns.test 86400 A 127.0.0.2"};
        return zone::ZoneSet({signed_zone("example.", example, true, true),
                              signed_zone("sub.example.", sub, false, false),
                              signed_zone(".", root, false, false)});
    }();
    return set;
}

void check(ByteView query, const dnsserver::AnswerOptions& options, Bytes& response) {
    const dnsserver::AnswerResult result = dnsserver::answer_query(query, zones(), response, options);
    if (!result.respond()) {
        if (!response.empty()) fail("a dropped query left a response");
        if (query.size() >= dns::kHeaderSize && !(query[2] & 0x80)) fail("a query without QR was dropped");
        return;
    }
    if (query.size() < dns::kHeaderSize || (query[2] & 0x80)) fail("answered a short packet or a response");
    const size_t limit =
        options.transport == dnsserver::Transport::Tcp ? dns::kMaxMessageSize : options.max_udp_payload;
    if (response.size() > limit) fail("response larger than its limit");
    auto parsed = dns::parse_message(response);
    if (!parsed) fail("response does not parse:", parsed.error().to_string());
    if (!parsed->header.qr || parsed->header.id != (query[0] << 8 | query[1])) fail("bad response header");
    if (parsed->header.rcode != result.rcode) fail("RCODE differs from the result");
    if (parsed->header.tc != result.truncated) fail("TC differs from the result");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)zones();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Bytes response;  // reused like a server worker's buffer
    const ByteView query(data, size);
    check(query, {}, response);
    check(query, {.transport = dnsserver::Transport::Tcp}, response);
    return 0;
}
