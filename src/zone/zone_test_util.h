// Test support shared by zone_test and dnsserver_test (header only, never part of a library): a small zone
// with every shape the answer engine must handle — wildcards, empty non-terminals, secure, insecure and
// sibling delegations with glue, CNAME chains and loops, DNAME — signed with NSEC or NSEC3 (optionally
// opt-out) by dnssec::sign_zone with freshly generated ECDSA keys.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dns/rdata.h"
#include "dns/record.h"
#include "dnssec/algorithm.h"
#include "dnssec/key.h"
#include "dnssec/zone_signer.h"
#include "zone/served_zone.h"

namespace danemail::zone::testing {

enum class Denial { Nsec, Nsec3, Nsec3OptOut };

// "owner ttl TYPE rdata...", owner relative to `origin`.
inline dns::Record parse_rr(const std::string& line, const dns::Name& origin) {
    std::istringstream in(line);
    std::string owner, ttl, type;
    in >> owner >> ttl >> type;
    std::string rest;
    std::getline(in, rest);
    auto t = dns::type_from_text(type);
    EXPECT_TRUE(t) << type;
    auto rdata = dns::rdata_from_text(*t, rest, origin);
    EXPECT_TRUE(rdata) << line << ": " << (rdata ? "" : rdata.error().to_string());
    auto name = dns::Name::from_text(owner, &origin);
    EXPECT_TRUE(name) << owner;
    return {*name, *t, dns::rrclass::IN, static_cast<uint32_t>(std::stoul(ttl)), rdata ? *rdata : Bytes{}};
}

inline std::vector<dns::Record> parse_zone(const std::vector<std::string>& lines, const dns::Name& origin) {
    std::vector<dns::Record> records;
    for (const auto& line : lines) records.push_back(parse_rr(line, origin));
    return records;
}

// The zone "example." every answer test uses.
inline std::vector<std::string> example_zone_lines() {
    std::vector<std::string> lines = {
        "@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300",
        "@ 3600 NS ns1",
        "@ 3600 NS ns2.elsewhere.test.",
        "@ 3600 MX 10 mx",
        "@ 3600 HINFO \"PC\" \"Linux\"",
        "ns1 3600 A 192.0.2.1",
        "ns1 3600 AAAA 2001:db8::1",
        "mx 3600 A 192.0.2.2",
        "mx 3600 AAAA 2001:db8::2",
        "_25._tcp.mx 3600 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "www 3600 CNAME mx",
        "chain1 3600 CNAME chain2",
        "chain2 3600 CNAME www",
        "loop1 3600 CNAME loop2",
        "loop2 3600 CNAME loop1",
        "out 3600 CNAME target.elsewhere.test.",
        "dangling 3600 CNAME nothing",
        "*.wild 3600 TXT \"wildcard\"",
        "*.wc 3600 CNAME mx",
        "a.b.c.deep 3600 A 192.0.2.3",
        "secure 3600 NS ns.secure",
        "secure 3600 DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ns.secure 3600 A 192.0.2.4",
        "insecure 3600 NS ns.insecure",
        "insecure 3600 NS ns.secure",
        "ns.insecure 3600 A 192.0.2.5",
        "ns.insecure 3600 AAAA 2001:db8::5",
        "x.y.insecure2 3600 NS ns.elsewhere.test.",
        "dn 3600 DNAME example.net.",
        "redir 3600 DNAME target",
        "x.target 3600 A 192.0.2.6",
    };
    // An RRset too large for 1232 bytes, and a delegation whose in-domain glue does not fit in 512 (RFC
    // 9471).
    for (int i = 0; i < 20; ++i)
        lines.push_back("big 3600 TXT \"" + std::to_string(100 + i) + std::string(96, 'x') + "\"");
    for (int i = 1; i <= 8; ++i) {
        std::string ns = "ns" + std::to_string(i) + ".manyns";
        lines.push_back("manyns 3600 NS " + ns);
        lines.push_back(ns + " 3600 A 192.0.2." + std::to_string(100 + i));
        lines.push_back(ns + " 3600 AAAA 2001:db8::" + std::to_string(100 + i));
    }
    return lines;
}

struct SignedZone {
    dns::Name apex;
    std::vector<dnssec::ZoneKey> keys;
    std::vector<dns::Record> records;
    std::shared_ptr<const ServedZone> served;
};

inline std::vector<dnssec::ZoneKey> make_keys(const dns::Name& apex) {
    std::vector<dnssec::ZoneKey> keys;
    for (auto role : {dnssec::KeyRole::Ksk, dnssec::KeyRole::Zsk}) {
        auto key = dnssec::generate_key(apex, role, dnssec::algorithm::ECDSAP256SHA256);
        EXPECT_TRUE(key) << (key ? "" : key.error().to_string());
        if (key) keys.push_back(std::move(*key));
    }
    return keys;
}

inline SignedZone sign_lines(const std::string& apex_text, const std::vector<std::string>& lines,
                             Denial denial, unsigned threads = 1) {
    SignedZone zone;
    zone.apex = *dns::Name::from_text(apex_text);
    zone.keys = make_keys(zone.apex);
    dnssec::SigningPolicy policy;
    policy.use_nsec3 = denial != Denial::Nsec;
    policy.nsec3.opt_out = denial == Denial::Nsec3OptOut;
    policy.threads = threads;
    auto signed_records = dnssec::sign_zone(parse_zone(lines, zone.apex), zone.apex, zone.keys, policy);
    EXPECT_TRUE(signed_records) << (signed_records ? "" : signed_records.error().to_string());
    if (!signed_records) return zone;
    zone.records = *signed_records;
    auto served = ServedZone::build(zone.records, zone.apex);
    EXPECT_TRUE(served) << (served ? "" : served.error().to_string());
    if (served) zone.served = *served;
    return zone;
}

inline SignedZone sign_example(Denial denial) {
    return sign_lines("example.", example_zone_lines(), denial);
}

}  // namespace danemail::zone::testing
