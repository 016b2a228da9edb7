// libFuzzer target for the answers danemail reads when it asks other servers: a parent zone's answer to the
// DS query of a KSK rollover (dnsserver/parent_ds.h, RFC 4035 §3.1.4.1, RFC 2308 §5 negative TTL) and a
// secondary's response to a NOTIFY (dnsserver/notify.h, RFC 1996 §3.6, RFC 8945 §5.3). Arbitrary bytes are
// parsed as the datagram and matched against a fixed query; the first byte picks the kind, and for NOTIFY
// whether it was signed. Nothing may crash; an accepted DS answer must hold exactly the answer's DS records,
// each re-encoding to its RDATA, with the least of their TTLs.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../vectors/tsig_vectors.h"
#include "dns/dnssec_rdata.h"
#include "dns/message.h"
#include "dnsserver/notify.h"
#include "dnsserver/parent_ds.h"

namespace {

using namespace danemail;
using namespace danemail::dnsserver;

// The ID, zone and request MAC of the query each answer is matched against; the seeds use the same.
constexpr uint16_t kQueryId = 0x1234;
constexpr UnixTime kNow = 1700000000;

enum Mode : uint8_t { kParentDs, kNotifyUnsigned, kNotifySigned, kModes };

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "peer_answer_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

const dns::Name& zone() {
    static const dns::Name name = *dns::Name::from_text("example.com.");
    return name;
}

const TsigKey& notify_key() {
    static const TsigKey key(*dns::Name::from_text(vectors::kKeys[2].name),
                             *tsig_algorithm_from_text(vectors::kKeys[2].algorithm),
                             *from_base64(vectors::kKeys[2].secret_base64));
    return key;
}

void fuzz_parent_ds(const dns::Message& response) {
    if (!answers_parent_ds_query(response, kQueryId, zone())) return;
    if (response.header.id != kQueryId || !response.header.qr || response.questions.size() != 1)
        fail("matched an answer to another query");
    auto answer = read_parent_ds_answer(response, zone());
    if (!answer) {
        if (answer.error().to_string().empty()) fail("an error without a message");
        return;
    }
    if (response.header.rcode != dns::Rcode::NoError || !response.header.aa)
        fail("accepted an answer that is not an authoritative NOERROR");
    if (!answer->server.empty()) fail("read_parent_ds_answer named a server");
    size_t ds_records = 0;
    std::optional<uint32_t> least_ttl;
    for (const dns::Record& record : response.answer) {
        if (record.type != dns::type::DS) continue;
        if (ds_records >= answer->ds.size()) fail("fewer DS read than the answer holds");
        if (answer->ds[ds_records].encode() != record.rdata) fail("a DS does not re-encode to its RDATA");
        least_ttl = least_ttl ? std::min(*least_ttl, record.ttl) : record.ttl;
        ++ds_records;
    }
    if (ds_records != answer->ds.size()) fail("more DS read than the answer holds");
    if (least_ttl && answer->ttl != *least_ttl) fail("the DS TTL is not the least of the records'");
}

void fuzz_notify(const dns::Message& response, ByteView wire, bool signed_notify) {
    static const Bytes request_mac = *from_hex(vectors::kAxfrRequestMac);
    const TsigKey* key = signed_notify ? &notify_key() : nullptr;
    if (!answers_notify(response, wire, kQueryId, zone(), key, request_mac, kNow)) return;
    if (response.header.id != kQueryId || !response.header.qr ||
        response.header.opcode != dns::Opcode::Notify || response.questions.size() != 1 ||
        !(response.questions[0].name == zone()))
        fail("matched a response to another NOTIFY");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteView wire(data + 1, size - 1);
    auto response = dns::parse_message(wire);
    if (!response) return 0;
    switch (data[0] % kModes) {
        case kParentDs:
            fuzz_parent_ds(*response);
            break;
        case kNotifyUnsigned:
        case kNotifySigned:
            fuzz_notify(*response, wire, data[0] % kModes == kNotifySigned);
            break;
    }
    return 0;
}
