// Test support for dnsserver_test (header only, never part of a library): building queries, asking the answer
// engine, and checking responses independently of it — RRSIGs verified with the zone's public keys over the
// signed data (RFC 4034 §3.1.8.1, RFC 4035 §5.3.2 wildcards) and NSEC/NSEC3 records checked to match or cover
// names by their own hashing and canonical order (RFC 4034 §6.1, RFC 5155 §8).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dns/dnssec_rdata.h"
#include "dns/message.h"
#include "dnssec/crypto_key.h"
#include "dnssec/key.h"
#include "dnssec/nsec3_hash.h"
#include "dnssec/signed_data.h"
#include "dnsserver/answer.h"

namespace danemail::dnsserver::testing {

inline dns::Name name(std::string_view text) {
    return dns::Name::from_text(text).value();
}

struct QuerySpec {
    bool edns = true;
    bool dnssec_ok = true;
    uint16_t udp_size = 1232;
    uint16_t id = 0x4242;
    dns::Opcode opcode = dns::Opcode::Query;
    uint8_t edns_version = 0;
};

inline Bytes make_query(std::string_view qname, dns::RRType type, const QuerySpec& spec = {}) {
    dns::Message m;
    m.header.id = spec.id;
    m.header.rd = true;
    m.header.opcode = spec.opcode;
    m.questions.push_back({name(qname), type, dns::rrclass::IN});
    if (spec.edns) {
        dns::Edns edns;
        edns.udp_payload_size = spec.udp_size;
        edns.dnssec_ok = spec.dnssec_ok;
        edns.version = spec.edns_version;
        m.edns = edns;
    }
    return dns::message_to_wire(m).value();
}

struct Reply {
    AnswerResult result;
    Bytes wire;
    dns::Message message;
};

inline Reply ask_wire(const zone::ZoneSet& zones, ByteView query, const AnswerOptions& options = {}) {
    Reply reply;
    reply.result = answer_query(query, zones, reply.wire, options);
    if (!reply.result.respond()) return reply;
    auto parsed = dns::parse_message(reply.wire);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().to_string());
    if (parsed) reply.message = std::move(*parsed);
    return reply;
}

inline Reply ask(const zone::ZoneSet& zones, std::string_view qname, dns::RRType type,
                 const QuerySpec& spec = {}, const AnswerOptions& options = {}) {
    return ask_wire(zones, make_query(qname, type, spec), options);
}

inline size_t count(const std::vector<dns::Record>& section, dns::RRType type) {
    size_t n = 0;
    for (const auto& r : section) n += r.type == type;
    return n;
}

inline const dns::Record* first(const std::vector<dns::Record>& section, dns::RRType type) {
    for (const auto& r : section)
        if (r.type == type) return &r;
    return nullptr;
}

// Verifies every RRSIG in the answer and authority sections against `keys`; returns how many verified.
// Also fails when an RRset that must be signed (anything but delegation NS and a synthesized CNAME, which
// the caller excludes by type or owner) has no RRSIG.
inline size_t verify_signatures(const dns::Message& m, const std::vector<dnssec::ZoneKey>& keys,
                                bool expect_all_signed = true) {
    size_t verified = 0;
    for (dns::Section section : {dns::Section::Answer, dns::Section::Authority}) {
        const auto& records = m.section(section);
        std::map<std::pair<std::string, uint16_t>, std::vector<const dns::Record*>> rrsets;
        for (const auto& r : records) rrsets[{r.owner.lowercased().wire(), r.type.value}].push_back(&r);
        for (const auto& r : records) {
            if (r.type != dns::type::RRSIG) continue;
            auto sig = dns::RrsigRdata::decode(r.rdata).value();
            auto it = rrsets.find({r.owner.lowercased().wire(), sig.type_covered.value});
            EXPECT_NE(it, rrsets.end()) << "RRSIG without its RRset: " << dns::record_to_text(r);
            if (it == rrsets.end()) continue;
            std::vector<Bytes> rdatas;
            for (const auto* member : it->second) rdatas.push_back(member->rdata);
            auto canonical = dnssec::canonical_rdatas(sig.type_covered, rdatas);
            Bytes data = dnssec::rrset_signed_data(sig, r.owner, r.rclass, canonical);
            bool ok = false;
            for (const auto& key : keys) {
                if (key.tag != sig.key_tag || key.dnskey.algorithm != sig.algorithm) continue;
                auto public_key = dnssec::PublicKey::from_dnskey(key.dnskey.algorithm, key.dnskey.public_key);
                ok = public_key && public_key->verify(data, sig.signature);
            }
            EXPECT_TRUE(ok) << "bad signature: " << dns::record_to_text(r);
            verified += ok;
        }
        if (!expect_all_signed) continue;
        for (const auto& [key, members] : rrsets) {
            dns::RRType type(key.second);
            if (type == dns::type::RRSIG || (section == dns::Section::Authority && type == dns::type::NS))
                continue;
            bool signed_ = false;
            for (const auto& r : records)
                if (r.type == dns::type::RRSIG && r.owner == members[0]->owner &&
                    dns::RrsigRdata::decode(r.rdata).value().type_covered == type)
                    signed_ = true;
            EXPECT_TRUE(signed_) << "unsigned RRset " << members[0]->owner.to_text() << " "
                                 << dns::type_to_text(type);
        }
    }
    return verified;
}

// NSEC3 records of the authority section, decoded.
struct Nsec3View {
    Bytes owner_hash;
    dns::Nsec3Rdata rdata;
};

inline std::vector<Nsec3View> nsec3_records(const dns::Message& m) {
    std::vector<Nsec3View> out;
    for (const auto& r : m.authority) {
        if (r.type != dns::type::NSEC3) continue;
        out.push_back(
            {from_base32hex(r.owner.first_label()).value(), dns::Nsec3Rdata::decode(r.rdata).value()});
    }
    return out;
}

inline Bytes hash_of(const Nsec3View& v, std::string_view text) {
    return dnssec::nsec3_hash(name(text), v.rdata.salt, v.rdata.iterations);
}

// The NSEC3 whose owner hash is H(name) (RFC 5155 §8.3), or nullopt.
inline std::optional<Nsec3View> nsec3_matching(const dns::Message& m, std::string_view text) {
    for (const auto& v : nsec3_records(m))
        if (v.owner_hash == hash_of(v, text)) return v;
    return std::nullopt;
}

// The NSEC3 that covers H(name): owner hash < H < next hash, or across the end of the chain (RFC 5155 §1.3).
inline std::optional<Nsec3View> nsec3_covering(const dns::Message& m, std::string_view text) {
    for (const auto& v : nsec3_records(m)) {
        Bytes h = hash_of(v, text);
        const Bytes& next = v.rdata.next_hashed_owner;
        bool covers = v.owner_hash < next ? (v.owner_hash < h && h < next) : (v.owner_hash < h || h < next);
        if (covers) return v;
    }
    return std::nullopt;
}

inline bool nsec3_has_type(const Nsec3View& v, dns::RRType type) {
    return dns::bitmap_has_type(v.rdata.type_bitmap, type);
}

// The NSEC whose owner is `name`, or the one that covers it (owner < name < next, RFC 4035 §5.4).
inline const dns::Record* nsec_matching(const dns::Message& m, std::string_view text) {
    for (const auto& r : m.authority)
        if (r.type == dns::type::NSEC && r.owner == name(text)) return &r;
    return nullptr;
}

inline const dns::Record* nsec_covering(const dns::Message& m, std::string_view text, const dns::Name& apex) {
    const dns::Name n = name(text);
    for (const auto& r : m.authority) {
        if (r.type != dns::type::NSEC) continue;
        auto next = dns::NsecRdata::decode(r.rdata).value().next;
        bool after_owner = canonical_compare(r.owner, n) < 0;
        bool before_next = canonical_compare(n, next) < 0 || next == apex;
        if (after_owner && before_next) return &r;
    }
    return nullptr;
}

inline bool nsec_has_type(const dns::Record& nsec, dns::RRType type) {
    return dns::bitmap_has_type(dns::NsecRdata::decode(nsec.rdata).value().type_bitmap, type);
}

}  // namespace danemail::dnsserver::testing
