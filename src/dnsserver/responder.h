// Internal to src/dnsserver: the answer to one query from one zone, written into a ResponseWriter after the
// question. answer_positive.cpp walks the name (RFC 1034 §4.3.2: exact match, CNAME, DNAME, referral,
// wildcard); answer_denial.cpp adds the NSEC (RFC 4035 §3.1.3) and NSEC3 (RFC 5155 §7.2) proofs. State lives
// in fixed-size members: nothing is allocated. The query name has been validated by parse_query and
// LookupName.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "dnsserver/answer.h"
#include "dnsserver/response_writer.h"
#include "zone/lookup_name.h"
#include "zone/served_zone.h"

namespace danemail::dnsserver {

// CNAME and DNAME links followed inside one zone before the rest is left to the resolver (RFC 1034 §4.3.2
// step 3a; loops end here too).
inline constexpr size_t kMaxChainLength = 12;
// Records waiting for the authority and additional sections; more than any answer needs (SOA, NS, DS and up
// to three denial records per chain link; A and AAAA for each NS, MX or SRV target).
inline constexpr size_t kMaxAuthorityRecords = 48;
inline constexpr size_t kMaxAdditionalRecords = 64;

class Responder {
public:
    Responder(const zone::ServedZone& zone, ResponseWriter& out, const zone::LookupName& qname,
              dns::RRType qtype, bool dnssec_ok);
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    // Writes the answer, authority and additional sections; on overflow leaves the minimal truncated
    // response.
    void run();

    AnswerKind kind() const { return kind_; }
    dns::Rcode rcode() const { return rcode_; }
    bool authoritative() const { return authoritative_; }
    bool truncated() const { return truncated_; }

private:
    // Where a name led (RFC 1034 §4.3.2 step 3).
    struct Location {
        enum class Kind : uint8_t { Exact, Wildcard, NxDomain, Referral, Dname } kind = Kind::NxDomain;
        uint32_t node =
            zone::kNoIndex;  // Exact: the name; Wildcard: "*.<encloser>"; Referral, Dname: the cut
        uint32_t encloser = zone::kNoIndex;  // Wildcard, NxDomain: the closest encloser
        size_t encloser_labels = 0;
    };
    enum class OwnerKind : uint8_t { Node, Nsec3 };
    // A record set waiting for the authority or additional section.
    struct Pending {
        const zone::ServedRRset* rrset = nullptr;
        OwnerKind owner = OwnerKind::Node;
        uint32_t owner_index = 0;  // a node, or an NSEC3 chain entry
        bool signatures = false;
        bool required = false;  // additional: in-domain glue (RFC 9471 §3)
    };

    // answer_positive.cpp
    Location locate(const zone::LookupName& name) const;
    Location at_cut(uint32_t cut) const;
    void answer_at(const Location& location);
    bool put_answer(const zone::ServedRRset& rrset);
    bool follow_cname(const zone::ServedRRset& cname, size_t written_at);
    bool synthesize_dname(const Location& location);
    void referral(uint32_t cut);
    void add_additional(const zone::ServedRRset& rrset, bool glue);
    void write_pending();
    bool write(const Pending& pending, dns::Section section);
    void truncate();
    OwnerRef node_owner(uint32_t node) const;
    bool in_zone(const zone::LookupName& name) const;

    // answer_denial.cpp
    void nxdomain(const Location& location);
    void nodata(const Location& location);
    void wildcard_answer_proof(const Location& location);
    void referral_denial_proof(uint32_t cut);
    void add_negative_soa();
    void nsec_covering(const zone::LookupName& name, size_t labels, bool wildcard_child);
    void nsec_at(uint32_t node);
    size_t closest_encloser_proof(const zone::LookupName& name, size_t start_labels);
    void nsec3_covering(ByteView lower_wire);
    void nsec3_entry(uint32_t entry);
    void add_authority(const Pending& pending);

    const zone::ServedZone& zone_;
    ResponseWriter& out_;
    const dns::RRType qtype_;
    const bool dnssec_ok_;
    const zone::LookupName* name_;  // the name being resolved: the question, then chain targets
    std::array<zone::LookupName, 2> chain_names_;
    size_t chain_slot_ = 0;
    uint16_t name_pointer_ = 0;  // where the current name sits in the response
    uint16_t apex_pointer_ = 0;  // where the apex sits in the question

    AnswerKind kind_ = AnswerKind::Positive;
    dns::Rcode rcode_ = dns::Rcode::NoError;
    bool authoritative_ = true;
    bool truncated_ = false;

    std::array<Pending, kMaxAuthorityRecords> authority_;
    size_t authority_count_ = 0;
    std::array<Pending, kMaxAdditionalRecords> additional_;
    size_t additional_count_ = 0;
};

}  // namespace danemail::dnsserver
