// libFuzzer target for the DNS message parser (RFC 1035 §4.1, RFC 6891 OPT, RFC 8945 TSIG placement):
// arbitrary network bytes go to parse_message; whatever parses is printed, rebuilt with MessageBuilder (RFC
// 1035 §4.1.4 compression) and parsed again, which must succeed and, when nothing was truncated, give the
// same message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "dns/message.h"
#include "dns/record.h"

namespace {

using danemail::Bytes;
using danemail::ByteView;
using namespace danemail::dns;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "message_parser_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

bool same_records(const std::vector<Record>& a, const std::vector<Record>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (!a[i].owner.identical(b[i].owner) || a[i].type != b[i].type || a[i].rclass != b[i].rclass ||
            a[i].ttl != b[i].ttl || a[i].rdata != b[i].rdata)
            return false;
    return true;
}

bool same_edns(const std::optional<Edns>& a, const std::optional<Edns>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    if (a->udp_payload_size != b->udp_payload_size || a->version != b->version ||
        a->dnssec_ok != b->dnssec_ok || a->options.size() != b->options.size())
        return false;
    for (size_t i = 0; i < a->options.size(); ++i)
        if (a->options[i].code != b->options[i].code || a->options[i].data != b->options[i].data)
            return false;
    return true;
}

bool same_message(const Message& a, const Message& b) {
    if (a.questions.size() != b.questions.size()) return false;
    for (size_t i = 0; i < a.questions.size(); ++i)
        if (!a.questions[i].name.identical(b.questions[i].name) ||
            a.questions[i].type != b.questions[i].type || a.questions[i].rclass != b.questions[i].rclass)
            return false;
    const Header &x = a.header, &y = b.header;
    return x.id == y.id && x.qr == y.qr && x.opcode == y.opcode && x.aa == y.aa && x.tc == y.tc &&
           x.rd == y.rd && x.ra == y.ra && x.z == y.z && x.ad == y.ad && x.cd == y.cd && x.rcode == y.rcode &&
           same_records(a.answer, b.answer) && same_records(a.authority, b.authority) &&
           same_records(a.additional, b.additional) && same_edns(a.edns, b.edns);
}

Bytes rebuild(const Message& message, size_t max_size) {
    auto wire = message_to_wire(message, max_size);
    if (!wire) fail("a parsed message did not build:", wire.error().to_string());
    if (wire->size() > max_size) fail("built message exceeds its size limit");
    return std::move(*wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto message = parse_message(ByteView(data, size));
    if (!message) return 0;

    std::string text = message_to_text(*message);
    for (Section section : {Section::Answer, Section::Authority, Section::Additional})
        for (const auto& record : message->section(section)) text += record_to_text(record);

    Bytes wire = rebuild(*message, kMaxMessageSize);
    auto again = parse_message(wire);
    if (!again) fail("the rebuilt message did not parse:", again.error().to_string());
    bool complete = again->answer.size() == message->answer.size() &&
                    again->authority.size() == message->authority.size() &&
                    again->additional.size() == message->additional.size() &&
                    again->header.tc == message->header.tc;
    if (complete) {
        if (!same_message(*message, *again)) fail("the rebuilt message differs:", message_to_text(*again));
        if (rebuild(*again, kMaxMessageSize) != wire) fail("building is not deterministic");
    }

    // A UDP-sized build truncates cleanly and still parses.
    Bytes small = rebuild(*message, kMaxUdpSizeWithoutEdns);
    if (auto truncated = parse_message(small); !truncated)
        fail("the 512-byte build did not parse:", truncated.error().to_string());
    return 0;
}
