// TSIG signing and verification on wire bytes (RFC 8945 §4.3 digest components, §5.1–5.3 processing,
// §5.2.2.1 truncation, §5.3.1 multi-message streams, §5.3.2 error responses). HMAC through OpenSSL 3's
// EVP_MAC with RAII handles; MACs are compared with CRYPTO_memcmp. Parses untrusted messages (find_tsig).
#include "dnsserver/tsig.h"
#include "base/byte_order.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <utility>

namespace danemail::dnsserver {

namespace {

constexpr size_t kIdOffset = 0;
constexpr size_t kArcountOffset = 10;
constexpr size_t kRecordFixedSize = 10;                        // TYPE, CLASS, TTL, RDLENGTH
constexpr size_t kTsigFixedRdataSize = 6 + 2 + 2 + 2 + 2 + 2;  // time, fudge, MAC size, ID, error, other len
constexpr uint32_t kTsigTtl = 0;
constexpr uint8_t kCompressionMask = 0xC0;
constexpr uint64_t kMaxTime48 = (uint64_t{1} << 48) - 1;

template <class T, void (*Free)(T*)>
struct FreeWith {
    void operator()(T* p) const { Free(p); }
};
using MacPtr = std::unique_ptr<EVP_MAC, FreeWith<EVP_MAC, EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, FreeWith<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

void put48(Bytes& out, uint64_t value) {
    put16(out, static_cast<uint16_t>(value >> 32));
    put32(out, static_cast<uint32_t>(value));
}
void append(Bytes& out, ByteView data) {
    out.insert(out.end(), data.begin(), data.end());
}
void set16(Bytes& wire, size_t pos, uint16_t value) {
    wire[pos] = static_cast<uint8_t>(value >> 8);
    wire[pos + 1] = static_cast<uint8_t>(value);
}

const char* digest_name(TsigAlgorithm algorithm) {
    switch (algorithm) {
        case TsigAlgorithm::HmacSha1:
            return "SHA1";
        case TsigAlgorithm::HmacSha224:
            return "SHA2-224";
        case TsigAlgorithm::HmacSha256:
            break;
        case TsigAlgorithm::HmacSha384:
            return "SHA2-384";
        case TsigAlgorithm::HmacSha512:
            return "SHA2-512";
    }
    return "SHA2-256";
}

// The HMAC implementation, fetched once for the process (fetched algorithms are safe to share).
EVP_MAC* hmac_algorithm() {
    static const MacPtr fetched(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    return fetched.get();
}

}  // namespace

// An HMAC in progress. Failures inside OpenSSL are remembered and reported by finish().
class HmacState {
public:
    Status start(const TsigKey& key) {
        if (key.secret.empty()) return make_error("TSIG key " + key.name.to_text() + " has an empty secret");
        EVP_MAC* mac = hmac_algorithm();
        if (!mac) return make_error("OpenSSL provides no HMAC");
        ctx_.reset(EVP_MAC_CTX_new(mac));
        if (!ctx_) return make_error("cannot allocate an HMAC context");
        std::array<OSSL_PARAM, 2> params = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                             const_cast<char*>(digest_name(key.algorithm)), 0),
            OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx_.get(), key.secret.data(), key.secret.size(), params.data()) != 1)
            return make_error("cannot start " + std::string(tsig_algorithm_text(key.algorithm)));
        digest_size_ = tsig_digest_size(key.algorithm);
        failed_ = false;
        return {};
    }

    void update(ByteView data) {
        if (!ctx_ || (!data.empty() && EVP_MAC_update(ctx_.get(), data.data(), data.size()) != 1))
            failed_ = true;
    }

    // A MAC as a digest component: its two-byte size, then the MAC (RFC 8945 §4.3.1, §5.3.1).
    void update_mac(ByteView mac) {
        Bytes size;
        put16(size, static_cast<uint16_t>(mac.size()));
        update(size);
        update(mac);
    }

    Result<Bytes> finish() {
        Bytes out(digest_size_);
        size_t length = 0;
        if (failed_ || !ctx_ || EVP_MAC_final(ctx_.get(), out.data(), &length, out.size()) != 1 ||
            length != digest_size_)
            return make_error("HMAC computation failed");
        ctx_.reset();
        return out;
    }

private:
    MacCtxPtr ctx_;
    size_t digest_size_ = 0;
    bool failed_ = false;
};

namespace {

// The DNS message component (RFC 8945 §4.3.2): wire[0, end) with the original ID in place of the message
// ID and ARCOUNT set to `arcount` (the count without the TSIG record).
void add_message(HmacState& hmac, ByteView wire, size_t end, uint16_t original_id, uint16_t arcount) {
    Bytes header(wire.begin(), wire.begin() + dns::kHeaderSize);
    set16(header, kIdOffset, original_id);
    set16(header, kArcountOffset, arcount);
    hmac.update(header);
    hmac.update(wire.subspan(dns::kHeaderSize, end - dns::kHeaderSize));
}

// The TSIG variables (RFC 8945 §4.3.3), names in canonical (lower-case) form; after the first message of
// a stream only the timers (§5.3.1).
void add_variables(HmacState& hmac, const dns::Name& key_name, const TsigRdata& rdata, bool timers_only) {
    Bytes variables;
    if (!timers_only) {
        append(variables, key_name.lowercased().wire_bytes());
        put16(variables, dns::rrclass::ANY.value);
        put32(variables, kTsigTtl);
        append(variables, rdata.algorithm.lowercased().wire_bytes());
    }
    put48(variables, rdata.time_signed);
    put16(variables, rdata.fudge);
    if (!timers_only) {
        put16(variables, rdata.error);
        put16(variables, static_cast<uint16_t>(rdata.other.size()));
        append(variables, rdata.other);
    }
    hmac.update(variables);
}

// Appends a TSIG RR (owner uncompressed) and counts it in ARCOUNT.
Status append_tsig_record(Bytes& message, const dns::Name& owner, const TsigRdata& rdata) {
    if (message.size() < dns::kHeaderSize) return make_error("TSIG: message shorter than its header");
    uint16_t arcount = get16(message, kArcountOffset);
    if (arcount == UINT16_MAX) return make_error("TSIG: the additional section is full");
    Bytes encoded = rdata.encode();
    size_t total = message.size() + owner.wire_length() + kRecordFixedSize + encoded.size();
    if (total > dns::kMaxMessageSize)
        return make_error("TSIG: the signed message would exceed " + std::to_string(dns::kMaxMessageSize) +
                          " bytes");
    append(message, owner.wire_bytes());
    put16(message, dns::type::TSIG.value);
    put16(message, dns::rrclass::ANY.value);
    put32(message, kTsigTtl);
    put16(message, static_cast<uint16_t>(encoded.size()));
    append(message, encoded);
    set16(message, kArcountOffset, static_cast<uint16_t>(arcount + 1));
    return {};
}

Bytes time48(UnixTime now) {
    Bytes out;
    put48(out, static_cast<uint64_t>(std::max<UnixTime>(now, 0)) & kMaxTime48);
    return out;
}

uint64_t time_of(UnixTime now) {
    return static_cast<uint64_t>(std::max<UnixTime>(now, 0)) & kMaxTime48;
}

// Seconds between `now` and a message's time signed.
uint64_t skew(UnixTime now, uint64_t time_signed) {
    auto signed_at = static_cast<int64_t>(time_signed);
    return now > signed_at ? static_cast<uint64_t>(now - signed_at) : static_cast<uint64_t>(signed_at - now);
}

// RFC 8945 §5.2.2.1 rules 1 and 3: a MAC longer than the hash or shorter than max(10, hash / 2).
Status check_mac_size(TsigAlgorithm algorithm, size_t size) {
    size_t digest = tsig_digest_size(algorithm), minimum = tsig_min_mac_size(algorithm);
    if (size > digest)
        return make_error("TSIG MAC of " + std::to_string(size) + " bytes is longer than the " +
                          std::to_string(digest) + " of " + std::string(tsig_algorithm_text(algorithm)) +
                          " (RFC 8945 §5.2.2.1)");
    if (size < minimum)
        return make_error("TSIG MAC of " + std::to_string(size) + " bytes is shorter than the " +
                          std::to_string(minimum) + " bytes " + std::string(tsig_algorithm_text(algorithm)) +
                          " allows (RFC 8945 §5.2.2.1)");
    return {};
}

bool macs_match(const Bytes& computed, const Bytes& received) {
    return received.size() <= computed.size() &&
           CRYPTO_memcmp(computed.data(), received.data(), received.size()) == 0;
}

}  // namespace

std::string tsig_error_to_text(uint16_t error) {
    switch (static_cast<TsigError>(error)) {
        case TsigError::NoError:
            return "NOERROR";
        case TsigError::BadSig:
            return "BADSIG";
        case TsigError::BadKey:
            return "BADKEY";
        case TsigError::BadTime:
            return "BADTIME";
        case TsigError::BadTrunc:
            return "BADTRUNC";
    }
    return "TSIG error " + std::to_string(error);
}

// ---- TSIG RDATA and finding the record ----

Bytes TsigRdata::encode() const {
    Bytes out;
    append(out, algorithm.lowercased().wire_bytes());
    put48(out, time_signed & kMaxTime48);
    put16(out, fudge);
    put16(out, static_cast<uint16_t>(mac.size()));
    append(out, mac);
    put16(out, original_id);
    put16(out, error);
    put16(out, static_cast<uint16_t>(other.size()));
    append(out, other);
    return out;
}

Result<TsigRdata> TsigRdata::decode(ByteView rdata) {
    size_t pos = 0;
    while (true) {  // RFC 8945 §4.2: the algorithm name is never compressed
        if (pos >= rdata.size()) return make_error("TSIG algorithm name runs past the RDATA");
        uint8_t label = rdata[pos];
        if ((label & kCompressionMask) != 0) return make_error("TSIG algorithm name is compressed");
        pos += 1 + label;
        if (label == 0) break;
    }
    auto algorithm = dns::Name::from_wire(rdata.first(pos));
    if (!algorithm) return make_error("TSIG algorithm name: " + algorithm.error().what);
    TsigRdata out;
    out.algorithm = std::move(*algorithm);
    if (rdata.size() - pos < kTsigFixedRdataSize) return make_error("TSIG RDATA too short");
    out.time_signed = static_cast<uint64_t>(get16(rdata, pos)) << 32 |
                      static_cast<uint64_t>(get16(rdata, pos + 2)) << 16 | get16(rdata, pos + 4);
    out.fudge = get16(rdata, pos + 6);
    size_t mac_size = get16(rdata, pos + 8);
    pos += 10;
    if (rdata.size() - pos < mac_size + 6) return make_error("TSIG MAC runs past the RDATA");
    out.mac.assign(rdata.begin() + pos, rdata.begin() + pos + mac_size);
    pos += mac_size;
    out.original_id = get16(rdata, pos);
    out.error = get16(rdata, pos + 2);
    size_t other_size = get16(rdata, pos + 4);
    pos += 6;
    if (rdata.size() - pos != other_size)
        return make_error(rdata.size() - pos < other_size ? "TSIG other data runs past the RDATA"
                                                          : "trailing bytes after TSIG other data");
    out.other.assign(rdata.begin() + pos, rdata.end());
    return out;
}

Result<std::optional<FoundTsig>> find_tsig(ByteView wire) {
    auto error_at = [](size_t offset, std::string what) {
        return make_error("message offset " + std::to_string(offset), std::move(what));
    };
    if (wire.size() < dns::kHeaderSize) return make_error("message shorter than its 12-byte header");
    if (wire.size() > dns::kMaxMessageSize) return make_error("message longer than 65535 bytes");
    size_t questions = get16(wire, 4);
    size_t answer = get16(wire, 6), authority = get16(wire, 8), additional = get16(wire, 10);
    size_t records = answer + authority + additional;
    size_t pos = dns::kHeaderSize;
    for (size_t i = 0; i < questions; ++i) {
        size_t start = pos;
        auto name = dns::Name::read(wire, pos);
        if (!name) return error_at(start, "question " + std::to_string(i + 1) + ": " + name.error().what);
        if (wire.size() - pos < 4) return error_at(pos, "question runs past the end of the message");
        pos += 4;
    }
    for (size_t i = 0; i < records; ++i) {
        size_t start = pos;
        auto owner = dns::Name::read(wire, pos);
        if (!owner) return error_at(start, "record " + std::to_string(i + 1) + ": " + owner.error().what);
        if (wire.size() - pos < kRecordFixedSize) return error_at(pos, "record header runs past the end");
        dns::RRType type(get16(wire, pos));
        dns::RRClass rclass(get16(wire, pos + 2));
        size_t rdlength = get16(wire, pos + 8);
        pos += kRecordFixedSize;
        if (wire.size() - pos < rdlength) return error_at(pos, "RDATA runs past the end of the message");
        if (type == dns::type::TSIG) {
            if (i + 1 != records || additional == 0)
                return error_at(start, "TSIG record is not the last record of the message (RFC 8945 §5.1)");
            if (rclass != dns::rrclass::ANY)
                return error_at(start, "TSIG record of class " + dns::class_to_text(rclass) +
                                           ", expected ANY (RFC 8945 §4.2)");
            auto rdata = TsigRdata::decode(wire.subspan(pos, rdlength));
            if (!rdata) return error_at(pos, rdata.error().what);
            if (pos + rdlength != wire.size())
                return error_at(pos + rdlength, "trailing bytes after the TSIG record");
            return std::optional<FoundTsig>(FoundTsig{start, std::move(*owner), std::move(*rdata)});
        }
        pos += rdlength;
    }
    if (pos != wire.size()) return error_at(pos, "trailing bytes after the last record");
    return std::optional<FoundTsig>();
}

size_t tsig_record_size(const TsigKey& key) {
    return key.name.wire_length() + kRecordFixedSize + tsig_algorithm_name(key.algorithm).wire_length() +
           kTsigFixedRdataSize + tsig_digest_size(key.algorithm) + kTsigTimeSize;
}

// ---- Signing ----

TsigSigner::TsigSigner(TsigKey key, Bytes request_mac, uint16_t fudge)
    : key_(std::move(key)), previous_mac_(std::move(request_mac)), fudge_(fudge) {}
TsigSigner::TsigSigner(TsigSigner&&) noexcept = default;
TsigSigner& TsigSigner::operator=(TsigSigner&&) noexcept = default;
TsigSigner::~TsigSigner() = default;

Status TsigSigner::sign(Bytes& message, UnixTime now) {
    return sign(message, time_of(now), 0, {});
}

Status TsigSigner::sign(Bytes& message, uint64_t time_signed, uint16_t error, ByteView other) {
    if (message.size() < dns::kHeaderSize) return make_error("TSIG: message shorter than its header");
    if (other.size() > UINT16_MAX) return make_error("TSIG: other data longer than 65535 bytes");
    size_t mac_size = key_.sent_mac_size();
    if (auto s = check_mac_size(key_.algorithm, mac_size); !s) return s;
    TsigRdata rdata;
    rdata.algorithm = tsig_algorithm_name(key_.algorithm);
    rdata.time_signed = time_signed & kMaxTime48;
    rdata.fudge = fudge_;
    rdata.original_id = get16(message, kIdOffset);
    rdata.error = error;
    rdata.other.assign(other.begin(), other.end());

    if (!running_) {
        if (auto s = start_running(); !s) return s;
    }
    std::unique_ptr<HmacState> hmac = std::move(running_);
    add_message(*hmac, message, message.size(), rdata.original_id, get16(message, kArcountOffset));
    add_variables(*hmac, key_.name, rdata, !first_);
    auto mac = hmac->finish();
    if (!mac) return mac.error();
    mac->resize(mac_size);  // RFC 8945 §5.2.2.1 rule 4: keep the leading bytes
    rdata.mac = *mac;
    if (auto s = append_tsig_record(message, key_.name, rdata); !s) return s;
    previous_mac_ = std::move(*mac);
    first_ = false;
    return {};
}

Status TsigSigner::start_running() {
    running_ = std::make_unique<HmacState>();
    if (auto s = running_->start(key_); !s) {
        running_.reset();
        return s;
    }
    if (!previous_mac_.empty()) running_->update_mac(previous_mac_);
    return {};
}

Status TsigSigner::append_unsigned(ByteView message) {
    if (first_) return make_error("TSIG: the first message of a stream must be signed (RFC 8945 §5.3.1)");
    if (!running_) {
        if (auto s = start_running(); !s) return s;
    }
    running_->update(message);
    return {};
}

// ---- Server side ----

Result<TsigRequestCheck> verify_tsig_request(ByteView wire, std::span<const TsigKey> keys, UnixTime now,
                                             const TsigPolicy& policy) {
    auto found = find_tsig(wire);
    if (!found) return found.error();
    TsigRequestCheck check;
    if (!*found) return check;
    check.present = true;
    check.key_name = std::move((*found)->key_name);
    check.rdata = std::move((*found)->rdata);
    const TsigRdata& rdata = check.rdata;
    auto fail = [&](TsigError error, std::string detail) -> Result<TsigRequestCheck> {
        check.error = error;
        check.detail = std::move(detail);
        return std::move(check);
    };

    // RFC 8945 §5.2.1: the key, by name and algorithm.
    const TsigKey* key = find_tsig_key(keys, check.key_name);
    if (!key) return fail(TsigError::BadKey, "unknown TSIG key " + check.key_name.to_text());
    auto algorithm = tsig_algorithm_from_name(rdata.algorithm);
    if (!algorithm || *algorithm != key->algorithm)
        return fail(TsigError::BadKey, "TSIG key " + key->name.to_text() + " is " +
                                           std::string(tsig_algorithm_text(key->algorithm)) +
                                           ", the request used " + rdata.algorithm.to_text());
    check.key = key;

    // §5.2.2: the MAC, whose length §5.2.2.1 bounds.
    if (auto s = check_mac_size(key->algorithm, rdata.mac.size()); !s) return s.error();
    HmacState hmac;
    if (auto s = hmac.start(*key); !s) return s.error();
    add_message(hmac, wire, (*found)->offset, rdata.original_id,
                static_cast<uint16_t>(get16(wire, kArcountOffset) - 1));
    add_variables(hmac, check.key_name, rdata, false);
    auto computed = hmac.finish();
    if (!computed) return computed.error();
    if (!macs_match(*computed, rdata.mac))
        return fail(TsigError::BadSig, "TSIG MAC of key " + key->name.to_text() + " does not verify");

    // §5.2.3: the time.
    if (skew(now, rdata.time_signed) > rdata.fudge)
        return fail(TsigError::BadTime, "TSIG time signed " + std::to_string(rdata.time_signed) + " is " +
                                            std::to_string(skew(now, rdata.time_signed)) + " s from ours (" +
                                            std::to_string(now) + "), fudge " + std::to_string(rdata.fudge));

    // §5.2.4: truncation allowed by the RFC but not by local policy.
    if (rdata.mac.size() < tsig_digest_size(key->algorithm) && rdata.mac.size() < policy.min_mac_size)
        return fail(TsigError::BadTrunc, "TSIG MAC truncated to " + std::to_string(rdata.mac.size()) +
                                             " bytes, local policy requires " +
                                             std::to_string(policy.min_mac_size));
    return check;
}

TsigSigner response_signer(const TsigRequestCheck& check, uint16_t fudge) {
    return TsigSigner(check.key ? *check.key : TsigKey{}, check.rdata.mac, fudge);
}

Status append_tsig_error(Bytes& response, const TsigRequestCheck& check, UnixTime now, uint16_t fudge) {
    if (!check.present) return make_error("TSIG: the request was not signed; its response is not either");
    if (response.size() < dns::kHeaderSize) return make_error("TSIG: response shorter than its header");
    switch (check.error) {
        case TsigError::NoError:
            return make_error("TSIG: the request verified; sign the response with response_signer");
        case TsigError::BadSig:
        case TsigError::BadKey: {  // RFC 8945 §5.3.2: unsigned, MAC size 0
            TsigRdata rdata;
            rdata.algorithm = check.rdata.algorithm;
            rdata.time_signed = time_of(now);
            rdata.fudge = fudge;
            rdata.original_id = get16(response, kIdOffset);
            rdata.error = static_cast<uint16_t>(check.error);
            return append_tsig_record(response, check.key_name, rdata);
        }
        case TsigError::BadTime: {  // §5.2.3: signed; the request's time, ours in Other Data
            if (!check.key) return make_error("TSIG: BADTIME without a key");
            TsigSigner signer(*check.key, check.rdata.mac, fudge);
            return signer.sign(response, check.rdata.time_signed, static_cast<uint16_t>(TsigError::BadTime),
                               time48(now));
        }
        case TsigError::BadTrunc: {  // §5.2.4: signed
            if (!check.key) return make_error("TSIG: BADTRUNC without a key");
            TsigSigner signer(*check.key, check.rdata.mac, fudge);
            return signer.sign(response, time_of(now), static_cast<uint16_t>(TsigError::BadTrunc), {});
        }
    }
    return make_error("TSIG: unknown error " + std::to_string(static_cast<uint16_t>(check.error)));
}

Result<Bytes> tsig_error_response(const dns::Message& request, const TsigRequestCheck& check, UnixTime now) {
    dns::Header header;
    header.id = request.header.id;
    header.qr = true;
    header.opcode = request.header.opcode;
    header.rd = request.header.rd;
    header.cd = request.header.cd;
    header.rcode = dns::Rcode::NotAuth;
    Bytes out;
    dns::MessageBuilder builder(out, header);
    for (const auto& question : request.questions) (void)builder.add_question(question);
    dns::Edns edns;
    if (request.edns) (void)builder.set_edns(edns);
    if (auto s = builder.finish(); !s) return s.error();
    if (auto s = append_tsig_error(out, check, now); !s) return s.error();
    return out;
}

// ---- Client side ----

TsigResponseVerifier::TsigResponseVerifier(TsigKey key, Bytes request_mac)
    : key_(std::move(key)), previous_mac_(std::move(request_mac)) {}
TsigResponseVerifier::TsigResponseVerifier(TsigResponseVerifier&&) noexcept = default;
TsigResponseVerifier& TsigResponseVerifier::operator=(TsigResponseVerifier&&) noexcept = default;
TsigResponseVerifier::~TsigResponseVerifier() = default;

Status TsigResponseVerifier::fail(TsigError error, std::string what) {
    failed_ = true;
    error_ = error;
    return make_error("TSIG, message " + std::to_string(messages_), std::move(what));
}

Status TsigResponseVerifier::verify(ByteView message, UnixTime now) {
    if (failed_) return make_error("TSIG: the response stream already failed verification");
    ++messages_;
    auto found = find_tsig(message);
    if (!found) return fail(TsigError::NoError, found.error().to_string());
    if (!*found) {  // RFC 8945 §5.3.1: the first must be signed, then at least every 100th
        if (messages_ == 1) return fail(TsigError::BadSig, "the response is not signed");
        if (++unsigned_in_a_row_ > kMaxUnsignedTsigMessages)
            return fail(TsigError::BadSig, "more than " + std::to_string(kMaxUnsignedTsigMessages) +
                                               " unsigned messages in a row (RFC 8945 §5.3.1)");
        running_->update(message);
        return {};
    }
    const FoundTsig& tsig = **found;
    const TsigRdata& rdata = tsig.rdata;
    if (!(tsig.key_name == key_.name))
        return fail(TsigError::BadKey,
                    "signed with key " + tsig.key_name.to_text() + ", expected " + key_.name.to_text());
    if (!(rdata.algorithm == tsig_algorithm_name(key_.algorithm)))
        return fail(TsigError::BadKey, "signed with " + rdata.algorithm.to_text() + ", expected " +
                                           std::string(tsig_algorithm_text(key_.algorithm)));
    auto reported = static_cast<TsigError>(rdata.error);
    if (reported == TsigError::BadKey || reported == TsigError::BadSig)  // unsigned by RFC 8945 §5.3.2
        return fail(reported, "the server answered " + tsig_error_to_text(rdata.error) +
                                  (reported == TsigError::BadKey ? ": it does not know our key"
                                                                 : ": our request's MAC did not verify"));
    if (auto s = check_mac_size(key_.algorithm, rdata.mac.size()); !s)
        return fail(TsigError::BadSig, s.error().what);

    bool first = messages_ == 1;
    std::unique_ptr<HmacState> fresh;
    HmacState* hmac = running_.get();
    if (first) {
        fresh = std::make_unique<HmacState>();
        if (auto s = fresh->start(key_); !s) return fail(TsigError::NoError, s.error().what);
        if (!previous_mac_.empty()) fresh->update_mac(previous_mac_);
        hmac = fresh.get();
    }
    add_message(*hmac, message, tsig.offset, rdata.original_id,
                static_cast<uint16_t>(get16(message, kArcountOffset) - 1));
    add_variables(*hmac, tsig.key_name, rdata, !first);
    auto computed = hmac->finish();
    if (!computed) return fail(TsigError::NoError, computed.error().what);
    if (!macs_match(*computed, rdata.mac)) return fail(TsigError::BadSig, "the MAC does not verify (BADSIG)");

    if (reported == TsigError::BadTime) {
        std::string server_time = "unknown";
        if (rdata.other.size() == kTsigTimeSize) {
            uint64_t t = static_cast<uint64_t>(get16(rdata.other, 0)) << 32 |
                         static_cast<uint64_t>(get16(rdata.other, 2)) << 16 | get16(rdata.other, 4);
            server_time = std::to_string(t) + ", ours " + std::to_string(now);
        }
        return fail(reported,
                    "the server answered BADTIME: our clocks differ by more than the fudge (server time " +
                        server_time + ")");
    }
    if (reported != TsigError::NoError)
        return fail(reported, "the server answered " + tsig_error_to_text(rdata.error));
    if (skew(now, rdata.time_signed) > rdata.fudge)
        return fail(TsigError::BadTime, "time signed " + std::to_string(rdata.time_signed) + " is " +
                                            std::to_string(skew(now, rdata.time_signed)) +
                                            " s from ours, fudge " + std::to_string(rdata.fudge) +
                                            " (BADTIME)");

    // The next MAC covers this one and any unsigned messages in between (§5.3.1).
    previous_mac_ = rdata.mac;
    running_ = std::make_unique<HmacState>();
    if (auto s = running_->start(key_); !s) return fail(TsigError::NoError, s.error().what);
    running_->update_mac(previous_mac_);
    unsigned_in_a_row_ = 0;
    return {};
}

Status TsigResponseVerifier::finish() const {
    if (failed_) return make_error("TSIG: the response stream failed verification");
    if (messages_ == 0) return make_error("TSIG: no response arrived");
    if (unsigned_in_a_row_ > 0)
        return make_error("TSIG: the last message of the stream is not signed (RFC 8945 §5.3.1)");
    return {};
}

}  // namespace danemail::dnsserver
