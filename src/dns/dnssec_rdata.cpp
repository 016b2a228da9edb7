// Encoding and decoding of DNSKEY, RRSIG, DS, NSEC, NSEC3, NSEC3PARAM and SOA RDATA (RFC 4034, RFC 5155,
// RFC 1035 §3.3.13). Decoders read untrusted data and check every length.
#include "dns/dnssec_rdata.h"
#include "base/byte_order.h"

#include "dns/rdata.h"
#include "dns/rdata_wire.h"

namespace danemail::dns {
namespace {

class Reader {
public:
    explicit Reader(ByteView data) : data_(data) {}
    bool has(size_t n) const { return pos_ + n <= data_.size(); }
    uint8_t u8() { return data_[pos_++]; }
    uint16_t u16() {
        uint16_t v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
        pos_ += 2;
        return v;
    }
    uint32_t u32() {
        uint32_t hi = u16();
        return hi << 16 | u16();
    }
    Bytes take(size_t n) {
        Bytes out(data_.begin() + pos_, data_.begin() + pos_ + n);
        pos_ += n;
        return out;
    }
    Bytes rest() { return take(data_.size() - pos_); }
    Result<Name> name() {
        auto len = uncompressed_name_length(data_, pos_);
        if (!len) return len.error();
        auto n = Name::from_wire(data_.subspan(pos_, *len));
        pos_ += *len;
        return n;
    }
    bool at_end() const { return pos_ == data_.size(); }

private:
    ByteView data_;
    size_t pos_ = 0;
};

void append(Bytes& out, ByteView data) {
    out.insert(out.end(), data.begin(), data.end());
}

}  // namespace

Result<DnskeyRdata> DnskeyRdata::decode(ByteView rdata) {
    Reader r(rdata);
    if (!r.has(4)) return make_error("DNSKEY RDATA shorter than 4 bytes");
    DnskeyRdata k;
    k.flags = r.u16();
    k.protocol = r.u8();
    k.algorithm = r.u8();
    k.public_key = r.rest();
    return k;
}

Bytes DnskeyRdata::encode() const {
    Bytes out;
    put16(out, flags);
    out.push_back(protocol);
    out.push_back(algorithm);
    append(out, public_key);
    return out;
}

Result<RrsigRdata> RrsigRdata::decode(ByteView rdata) {
    Reader r(rdata);
    if (!r.has(18)) return make_error("RRSIG RDATA shorter than 18 bytes");
    RrsigRdata s;
    s.type_covered = RRType(r.u16());
    s.algorithm = r.u8();
    s.labels = r.u8();
    s.original_ttl = r.u32();
    s.expiration = r.u32();
    s.inception = r.u32();
    s.key_tag = r.u16();
    auto signer = r.name();
    if (!signer) return signer.error();
    s.signer = std::move(*signer);
    s.signature = r.rest();
    return s;
}

Bytes RrsigRdata::encode_without_signature() const {
    Bytes out;
    out.reserve(18 + signer.wire_length());
    put16(out, type_covered.value);
    out.push_back(algorithm);
    out.push_back(labels);
    put32(out, original_ttl);
    put32(out, expiration);
    put32(out, inception);
    put16(out, key_tag);
    Name lower = signer.lowercased();
    append(out, lower.wire_bytes());
    return out;
}

Bytes RrsigRdata::encode() const {
    Bytes out = encode_without_signature();
    // The stored signer keeps its case in the record; only the signed data uses the canonical form.
    out.resize(18);
    append(out, signer.wire_bytes());
    append(out, signature);
    return out;
}

Result<DsRdata> DsRdata::decode(ByteView rdata) {
    Reader r(rdata);
    if (!r.has(4)) return make_error("DS RDATA shorter than 4 bytes");
    DsRdata d;
    d.key_tag = r.u16();
    d.algorithm = r.u8();
    d.digest_type = r.u8();
    d.digest = r.rest();
    return d;
}

Bytes DsRdata::encode() const {
    Bytes out;
    put16(out, key_tag);
    out.push_back(algorithm);
    out.push_back(digest_type);
    append(out, digest);
    return out;
}

Result<Nsec3Rdata> Nsec3Rdata::decode(ByteView rdata) {
    Reader r(rdata);
    if (!r.has(5)) return make_error("NSEC3 RDATA too short");
    Nsec3Rdata n;
    n.hash_algorithm = r.u8();
    n.flags = r.u8();
    n.iterations = r.u16();
    size_t salt_len = r.u8();
    if (!r.has(salt_len + 1)) return make_error("NSEC3 salt runs past the end");
    n.salt = r.take(salt_len);
    size_t hash_len = r.u8();
    if (!r.has(hash_len)) return make_error("NSEC3 next hashed owner runs past the end");
    n.next_hashed_owner = r.take(hash_len);
    n.type_bitmap = r.rest();
    if (auto s = validate_type_bitmap(n.type_bitmap); !s) return s.error();
    return n;
}

Bytes Nsec3Rdata::encode() const {
    Bytes out;
    out.push_back(hash_algorithm);
    out.push_back(flags);
    put16(out, iterations);
    out.push_back(static_cast<uint8_t>(salt.size()));
    append(out, salt);
    out.push_back(static_cast<uint8_t>(next_hashed_owner.size()));
    append(out, next_hashed_owner);
    append(out, type_bitmap);
    return out;
}

Result<Nsec3ParamRdata> Nsec3ParamRdata::decode(ByteView rdata) {
    Reader r(rdata);
    if (!r.has(5)) return make_error("NSEC3PARAM RDATA too short");
    Nsec3ParamRdata p;
    p.hash_algorithm = r.u8();
    p.flags = r.u8();
    p.iterations = r.u16();
    size_t salt_len = r.u8();
    if (!r.has(salt_len)) return make_error("NSEC3PARAM salt runs past the end");
    p.salt = r.take(salt_len);
    if (!r.at_end()) return make_error("trailing bytes in NSEC3PARAM RDATA");
    return p;
}

Bytes Nsec3ParamRdata::encode() const {
    Bytes out;
    out.push_back(hash_algorithm);
    out.push_back(flags);
    put16(out, iterations);
    out.push_back(static_cast<uint8_t>(salt.size()));
    append(out, salt);
    return out;
}

Result<NsecRdata> NsecRdata::decode(ByteView rdata) {
    Reader r(rdata);
    auto next = r.name();
    if (!next) return next.error();
    NsecRdata n{std::move(*next), r.rest()};
    if (auto s = validate_type_bitmap(n.type_bitmap); !s) return s.error();
    return n;
}

Bytes NsecRdata::encode() const {
    Bytes out(next.wire().begin(), next.wire().end());
    append(out, type_bitmap);
    return out;
}

Result<SoaRdata> SoaRdata::decode(ByteView rdata) {
    Reader r(rdata);
    auto mname = r.name();
    if (!mname) return mname.error();
    auto rname = r.name();
    if (!rname) return rname.error();
    if (!r.has(20)) return make_error("SOA RDATA too short");
    SoaRdata s{std::move(*mname), std::move(*rname)};
    s.serial = r.u32();
    s.refresh = r.u32();
    s.retry = r.u32();
    s.expire = r.u32();
    s.minimum = r.u32();
    if (!r.at_end()) return make_error("trailing bytes in SOA RDATA");
    return s;
}

Bytes SoaRdata::encode() const {
    Bytes out(mname.wire().begin(), mname.wire().end());
    append(out, rname.wire_bytes());
    for (uint32_t v : {serial, refresh, retry, expire, minimum}) put32(out, v);
    return out;
}

bool bitmap_has_type(ByteView bitmap, RRType type) {
    uint8_t window = static_cast<uint8_t>(type.value >> 8);
    uint8_t low = static_cast<uint8_t>(type.value);
    size_t pos = 0;
    while (pos + 2 <= bitmap.size()) {
        size_t len = bitmap[pos + 1];
        if (bitmap[pos] == window) {
            size_t byte = low / 8;
            return byte < len && pos + 2 + byte < bitmap.size() &&
                   (bitmap[pos + 2 + byte] & (0x80 >> (low % 8)));
        }
        pos += 2 + len;
    }
    return false;
}

}  // namespace danemail::dns
