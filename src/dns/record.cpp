// Presentation line of a resource record.
#include "dns/record.h"

#include "dns/rdata.h"

namespace danemail::dns {

std::string record_to_text(const Record& record) {
    std::string out = record.owner.to_text();
    append_record_fields(out, record);
    return out;
}

void append_record_fields(std::string& out, const Record& record) {
    out += '\t';
    out += std::to_string(record.ttl);
    out += '\t';
    out += class_to_text(record.rclass);
    out += '\t';
    out += type_to_text(record.type);
    std::string rdata = rdata_to_text(record.type, record.rdata);
    if (!rdata.empty()) {
        out += '\t';
        out += rdata;
    }
}

}  // namespace danemail::dns
