// A resource record with RDATA in uncompressed wire form, the unit every layer passes around, and its
// presentation line (RFC 1035 §5.1).
#pragma once

#include <cstdint>
#include <string>

#include "base/encoding.h"
#include "dns/name.h"
#include "dns/types.h"

namespace danemail::dns {

struct Record {
    Name owner;
    RRType type;
    RRClass rclass = rrclass::IN;
    uint32_t ttl = 0;
    Bytes rdata;
};

// "owner TTL CLASS TYPE rdata", absolute owner name, one line.
std::string record_to_text(const Record& record);
// Appends "\tTTL\tCLASS\tTYPE\trdata" (the line after the owner) to `out`.
void append_record_fields(std::string& out, const Record& record);

}  // namespace danemail::dns
