// Outgoing zone transfers: the records of an AXFR response (RFC 5936 §2.2: SOA first and last) or an IXFR
// response (RFC 1995 §2, §4: the difference sequence, one SOA when the client is current, the AXFR form when
// the journal does not reach back), and the messages that carry them — many records per message, names
// compressed, at most 65535 bytes, the query's question in the first, every message TSIG-signed when the
// query was (RFC 8945 §5.3.1). The query has been parsed and authorised by the caller; the zone is trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "base/time.h"
#include "dns/message.h"
#include "dns/record.h"
#include "dnsserver/tsig.h"
#include "zone/journal.h"

namespace danemail::dnsserver {

// Transfers speak in the zone journal's terms.
using zone::apply_diff;
using zone::condense_diffs;
using zone::diff_zones;
using zone::find_soa;
using zone::Journal;
using zone::soa_serial;
using zone::ZoneDiff;

enum class TransferKind : uint8_t {
    Axfr,      // the whole zone between two copies of its SOA (also IXFR's fallback)
    Ixfr,      // difference sequences between two copies of the newest SOA
    UpToDate,  // IXFR: one SOA, the client already has this version (RFC 1995 §2)
};

// The answer records of a transfer, in the order they go out. Points into the zone and the journal it was
// planned from: keep both alive and unchanged until the transfer is written. Move-only.
struct TransferPlan {
    TransferKind kind = TransferKind::Axfr;
    std::vector<const dns::Record*> records;
    std::vector<ZoneDiff> owned;  // a condensed diff the records point into

    TransferPlan() = default;
    TransferPlan(TransferPlan&&) = default;
    TransferPlan& operator=(TransferPlan&&) = default;
    TransferPlan(const TransferPlan&) = delete;
    TransferPlan& operator=(const TransferPlan&) = delete;
};

// AXFR (RFC 5936 §2.2): the SOA, every other record in the order given, the SOA again. Errors unless the zone
// has exactly one SOA.
Result<TransferPlan> axfr_plan(std::span<const dns::Record> zone);

struct IxfrOptions {
    // Send one diff from the client's serial to ours instead of every journal step, with records added and
    // removed again in between left out (RFC 1995 §4 permits either).
    bool condense = false;
    // Send the AXFR form when the diffs would hold more records than the zone itself (RFC 1995 §2).
    bool axfr_when_smaller = true;
};

// IXFR for a client at `client_serial` (RFC 1995 §2, §4): UpToDate (our SOA alone) when the client's serial
// is ours or newer; the diffs from the client's serial when the journal has them and ends at the zone's
// serial: SOA_new, then per diff SOA_old, removals, SOA_mid, additions, then SOA_new; otherwise the AXFR
// form.
Result<TransferPlan> ixfr_plan(uint32_t client_serial, const Journal& journal,
                               std::span<const dns::Record> zone, const IxfrOptions& options = {});

// The client's serial in an IXFR query: the SOA in its authority section (RFC 1995 §3). An error means
// FORMERR.
Result<uint32_t> ixfr_query_serial(const dns::Message& query);

struct TransferOptions {
    size_t max_message_size = dns::kMaxMessageSize;
    const dns::Edns* edns = nullptr;  // an OPT for every message when the query had one; must outlive writing
    TsigSigner* signer = nullptr;     // signs every message (RFC 8945 §5.3.1); made by response_signer
    UnixTime now = 0;                 // the signing time
};

// Writes a plan's messages one at a time, so a TCP connection can send each as it is made. Header per RFC
// 5936 §2.2.1: the query's ID, QR and AA set, opcode QUERY, RD and CD copied, NOERROR; the question only in
// the first message; records packed until the next would not fit (never TC).
class TransferWriter {
public:
    TransferWriter(const dns::Message& query, const TransferPlan& plan, const TransferOptions& options);

    bool done() const { return next_record_ >= plan_.records.size() && !first_; }
    // Fills `out` with the next message. Errors when a single record cannot fit a message, or TSIG fails.
    Status next(Bytes& out);
    size_t messages_written() const { return messages_; }

private:
    dns::Header header_;
    std::optional<dns::Question> question_;
    const TransferPlan& plan_;
    TransferOptions options_;
    size_t next_record_ = 0;
    size_t messages_ = 0;
    bool first_ = true;
};

// Every message of a plan at once (tests, small zones).
Result<std::vector<Bytes>> write_transfer(const dns::Message& query, const TransferPlan& plan,
                                          const TransferOptions& options = {});

// The whole response to an AXFR query, or to an IXFR query (its client serial read from the query).
Result<std::vector<Bytes>> axfr_response(const dns::Message& query, std::span<const dns::Record> zone,
                                         const TransferOptions& options = {});
Result<std::vector<Bytes>> ixfr_response(const dns::Message& query, const Journal& journal,
                                         std::span<const dns::Record> zone,
                                         const TransferOptions& options = {}, const IxfrOptions& ixfr = {});

}  // namespace danemail::dnsserver
