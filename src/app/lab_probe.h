// Asks one DNS server one question over UDP on loopback (RFC 1035 §4.2.1), to see whether a lab server is
// up and what it answers. The reply is untrusted input, parsed by dns::parse_message; a reply whose ID,
// QR bit or question do not match is ignored (RFC 5452 §4.3) and the wait goes on until the timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/result.h"
#include "dns/message.h"
#include "dns/name.h"
#include "dns/types.h"

namespace danemail::app::lab {

struct ProbeAnswer {
    dns::Rcode rcode = dns::Rcode::NoError;
    bool authoritative = false;    // AA
    bool authenticated = false;    // AD
    size_t answer_count = 0;       // records in the answer section
    bool answer_has_type = false;  // the answer holds a record of the asked type
};

struct Probe {
    std::string address;  // numeric IPv4
    uint16_t port = 53;
    dns::Name name;
    dns::RRType type;
    bool recursion_desired = false;
    bool dnssec_ok = false;  // EDNS0 with DO (RFC 3225)
    std::chrono::milliseconds timeout{500};
};

Result<ProbeAnswer> ask(const Probe& probe);

// True when the server answers the SOA query for `apex` authoritatively with the SOA record.
bool answers_soa(const std::string& address, const dns::Name& apex, std::chrono::milliseconds timeout);

}  // namespace danemail::app::lab
