// Incoming zone transfers, the client side (tests, and later a secondary mode): reads an AXFR (RFC 5936 §2.2)
// or IXFR (RFC 1995 §4) response stream message by message, checks the SOA framing, and yields the zone or
// its diffs. The messages come from the network: headers, questions, owners, classes and the order of SOA
// records are all checked, and errors say which message and record broke which rule. Verify TSIG first
// (TsigResponseVerifier); this reader does not look at it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/message.h"
#include "dns/record.h"
#include "dnsserver/transfer.h"  // also the journal names transfers use (ZoneDiff, soa_serial, ...)

namespace danemail::dnsserver {

// A generous bound on the records of one transfer; a hostile primary cannot make the reader grow forever.
inline constexpr size_t kDefaultMaxTransferRecords = 20'000'000;

struct TransferResult {
    TransferKind kind = TransferKind::Axfr;
    dns::Record soa;                // the server's current SOA
    std::vector<dns::Record> zone;  // Axfr: the SOA first, then every other record
    std::vector<ZoneDiff> diffs;    // Ixfr: in order, each following on the one before
};

class TransferReader {
public:
    // `zone` is the zone asked for. For AXFR leave `client_serial` empty; for IXFR it is the serial the
    // query carried, which the first diff must start at.
    explicit TransferReader(dns::Name zone, std::optional<uint32_t> client_serial = std::nullopt,
                            size_t max_records = kDefaultMaxTransferRecords);

    // The next response message, parsed. Its header must be a NOERROR response to a QUERY without TC; the
    // question, if present, the zone's with type AXFR or IXFR; its answer records inside the zone and of the
    // zone's class. Anything after the final SOA is an error.
    Status add_message(const dns::Message& message);
    Status add_message(ByteView wire);

    // True once the final SOA arrived, or (IXFR) the first message held only an SOA that is not newer than
    // the client's: the server says the client is up to date (RFC 1995 §2).
    bool complete() const { return state_ == State::Done; }
    // The outcome; an error unless complete.
    Result<TransferResult> finish();

    size_t records() const { return records_; }
    size_t messages() const { return messages_; }

private:
    enum class State { Start, AfterFirstSoa, Axfr, Deleting, Adding, Done };

    Status add_record(const dns::Record& record);
    Error error(std::string what) const;

    dns::Name zone_;
    std::optional<uint32_t> client_serial_;
    size_t max_records_;
    State state_ = State::Start;
    dns::RRClass rclass_;
    TransferResult result_;
    ZoneDiff current_;
    size_t records_ = 0;
    size_t messages_ = 0;
};

}  // namespace danemail::dnsserver
