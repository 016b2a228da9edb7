// TSIG (RFC 8945): signing and verifying DNS messages with a shared key, on their wire bytes. The MAC covers
// the previous MAC if any (the request's, §4.3.1; the previous message's in a transfer, §5.3.1), the message
// as sent without its TSIG record, with the original ID and ARCOUNT less one (§4.3.2), and the TSIG variables
// (§4.3.3; only the timers after the first message of a stream). Messages to verify are untrusted network
// input: find_tsig and the verifiers check every length and answer with FORMERR or a TSIG error (§5.2).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/encoding.h"
#include "base/result.h"
#include "base/time.h"
#include "dns/message.h"
#include "dns/name.h"
#include "dnsserver/tsig_key.h"

namespace danemail::dnsserver {

// RFC 8945 §10 recommends 300 seconds.
inline constexpr uint16_t kDefaultTsigFudge = 300;
// RFC 8945 §5.3.1: a client accepts up to 99 unsigned messages between signed ones in a transfer.
inline constexpr size_t kMaxUnsignedTsigMessages = 99;
// Other Data of a BADTIME response: the server's time, 48 bits (RFC 8945 §4.2, §5.2.3).
inline constexpr size_t kTsigTimeSize = 6;

// The TSIG ERROR field (RFC 8945 §3, IANA "DNS RCODEs"). The header RCODE of an error response is NOTAUTH.
enum class TsigError : uint16_t {
    NoError = 0,
    BadSig = 16,
    BadKey = 17,
    BadTime = 18,
    BadTrunc = 22,
};

// "BADSIG", or "TSIG error 19" for values without a mnemonic here.
std::string tsig_error_to_text(uint16_t error);

// The RDATA of a TSIG record (RFC 8945 §4.2).
struct TsigRdata {
    dns::Name algorithm;
    uint64_t time_signed = 0;  // 48 bits, seconds since the epoch
    uint16_t fudge = kDefaultTsigFudge;
    Bytes mac;
    uint16_t original_id = 0;
    uint16_t error = 0;
    Bytes other;

    Bytes encode() const;
    // Untrusted RDATA: the algorithm name must be uncompressed and every length must fit exactly.
    static Result<TsigRdata> decode(ByteView rdata);
};

// A message's TSIG record as found on the wire.
struct FoundTsig {
    size_t offset = 0;  // first byte of the TSIG RR: the MAC covers the message before it
    dns::Name key_name;
    TsigRdata rdata;
};

// Finds the TSIG record ending a message without building the rest of it. nullopt when there is none.
// Errors (answer FORMERR): a malformed message, a TSIG that is not the last record (RFC 8945 §5.1), a TSIG
// of class other than ANY, malformed TSIG RDATA.
Result<std::optional<FoundTsig>> find_tsig(ByteView wire);

// The bytes a TSIG record for `key` adds to a message, at most: room to reserve before signing.
size_t tsig_record_size(const TsigKey& key);

class HmacState;  // an OpenSSL HMAC in progress (tsig.cpp)

// Signs messages with one key: a request, or the responses to one request (a zone transfer's messages one
// after another, RFC 8945 §5.3.1: each MAC covers the one before). One per transaction; not thread-safe.
class TsigSigner {
public:
    // `request_mac` is empty to sign a request; to sign responses it is the MAC of the request as it
    // arrived (truncated or not, RFC 8945 §5.2.2.1 rule 4).
    explicit TsigSigner(TsigKey key, Bytes request_mac = {}, uint16_t fudge = kDefaultTsigFudge);
    TsigSigner(TsigSigner&&) noexcept;
    TsigSigner& operator=(TsigSigner&&) noexcept;
    ~TsigSigner();

    // Appends a TSIG record to `message`, a complete message without one, and adds it to ARCOUNT. The
    // original ID is the message's ID. The first message signed covers the request MAC (if any) and every
    // TSIG variable; later ones the previous MAC and only the timers (RFC 8945 §5.3.1).
    Status sign(Bytes& message, UnixTime now);
    // As above with the fields an error response needs (RFC 8945 §5.2.3: BADTIME carries the request's
    // time signed and the server's time in Other Data).
    Status sign(Bytes& message, uint64_t time_signed, uint16_t error, ByteView other);

    // Sends `message` unsigned: the next signature covers it (RFC 8945 §5.3.1 lets a server sign only every
    // 100th message; danemail signs every one, this exists for tests and for peers that want it so).
    Status append_unsigned(ByteView message);

    // The MAC of the last message signed, as sent: a client keeps its request's to verify the response.
    const Bytes& mac() const { return previous_mac_; }
    const TsigKey& key() const { return key_; }
    size_t record_size() const { return tsig_record_size(key_); }

private:
    Status start_running();

    TsigKey key_;
    Bytes previous_mac_;
    std::unique_ptr<HmacState> running_;  // the previous MAC and messages sent unsigned since
    uint16_t fudge_;
    bool first_ = true;
};

// ---- Server side: a request's TSIG (RFC 8945 §5.2) ----

struct TsigPolicy {
    // A local minimum for truncated MACs above the RFC's (RFC 8945 §5.2.4: shorter ones get BADTRUNC). 0
    // means the RFC minimum, max(10, hash / 2), which is always enforced (shorter is FORMERR).
    size_t min_mac_size = 0;
};

// The outcome of checking a request's TSIG.
struct TsigRequestCheck {
    bool present = false;  // false: the request carried no TSIG, and the rest is empty
    TsigError error = TsigError::NoError;
    std::string detail;            // why it failed, for the log
    const TsigKey* key = nullptr;  // the key that matched (into the key ring), nullptr on BADKEY
    dns::Name key_name;            // as the request named it
    TsigRdata rdata;               // as received; rdata.mac is the request MAC a response covers

    bool ok() const { return present && error == TsigError::NoError; }
};

// Checks the TSIG of a request against `keys`, in the order of RFC 8945 §5.2: key (BADKEY), MAC (BADSIG,
// compared in constant time), time (BADTIME when `now` is outside time signed ± fudge), local truncation
// policy (BADTRUNC). An error result means FORMERR: a TSIG that cannot be understood, or a MAC longer than
// the hash or shorter than RFC 8945 §5.2.2.1 allows.
Result<TsigRequestCheck> verify_tsig_request(ByteView wire, std::span<const TsigKey> keys, UnixTime now,
                                             const TsigPolicy& policy = {});

// The signer for the responses to a request whose check passed (`check.ok()`).
TsigSigner response_signer(const TsigRequestCheck& check, uint16_t fudge = kDefaultTsigFudge);

// Appends the TSIG record of an error response to `response` (RFC 8945 §5.3.2): unsigned, with MAC size 0,
// for BADSIG and BADKEY; signed for BADTIME (the request's time signed, the server's time in Other Data) and
// BADTRUNC. The caller sets the header RCODE to NOTAUTH; tsig_error_response does it all.
Status append_tsig_error(Bytes& response, const TsigRequestCheck& check, UnixTime now,
                         uint16_t fudge = kDefaultTsigFudge);

// A complete NOTAUTH response to `request` for a failed check: the question copied, an OPT if the request
// had one, and the TSIG record of append_tsig_error.
Result<Bytes> tsig_error_response(const dns::Message& request, const TsigRequestCheck& check, UnixTime now);

// ---- Client side: the TSIG of a response or of each message of a response stream ----

// Verifies the responses to a request we signed, in order: a single response, or a zone transfer in which
// the first message must be signed, up to 99 unsigned messages may follow a signed one (their bytes are
// covered by the next MAC), and the last must be signed (RFC 8945 §5.3.1). After an error the verifier
// refuses everything: the client closes the connection.
class TsigResponseVerifier {
public:
    TsigResponseVerifier(TsigKey key, Bytes request_mac);
    TsigResponseVerifier(TsigResponseVerifier&&) noexcept;
    TsigResponseVerifier& operator=(TsigResponseVerifier&&) noexcept;
    ~TsigResponseVerifier();

    // Checks the next message. Errors say which message and why: a missing TSIG, another key or algorithm,
    // a bad MAC (BADSIG), a time outside the fudge (BADTIME), or an error the server reported (BADKEY and
    // BADSIG responses are unsigned; BADTIME and BADTRUNC ones are verified first).
    Status verify(ByteView message, UnixTime now);
    // Call after the last message: fails unless it was signed.
    Status finish() const;

    // The error of the last failure: local (BADSIG, BADTIME) or reported by the server.
    TsigError error() const { return error_; }
    size_t messages() const { return messages_; }

private:
    Status fail(TsigError error, std::string what);

    TsigKey key_;
    Bytes previous_mac_;
    std::unique_ptr<HmacState> running_;  // covers the previous MAC and the unsigned messages since
    size_t messages_ = 0;
    size_t unsigned_in_a_row_ = 0;
    TsigError error_ = TsigError::NoError;
    bool failed_ = false;
};

}  // namespace danemail::dnsserver
