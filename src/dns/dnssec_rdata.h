// Typed views of the DNSSEC record types (RFC 4034 §2, §3, §4, §5; RFC 5155 §3, §4): decode from and
// encode to uncompressed RDATA, so the signer and verifier never index raw bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/name.h"
#include "dns/types.h"

namespace danemail::dns {

struct DnskeyRdata {
    static constexpr uint16_t kZoneKeyFlag = 0x0100;  // bit 7
    static constexpr uint16_t kSepFlag = 0x0001;      // bit 15
    static constexpr uint16_t kRevokeFlag = 0x0080;   // bit 8, RFC 5011
    uint16_t flags = 0;
    uint8_t protocol = 3;
    uint8_t algorithm = 0;
    Bytes public_key;

    static Result<DnskeyRdata> decode(ByteView rdata);
    Bytes encode() const;
};

struct RrsigRdata {
    RRType type_covered;
    uint8_t algorithm = 0;
    uint8_t labels = 0;
    uint32_t original_ttl = 0;
    uint32_t expiration = 0;  // wire values, RFC 1982 serial arithmetic
    uint32_t inception = 0;
    uint16_t key_tag = 0;
    Name signer;
    Bytes signature;

    static Result<RrsigRdata> decode(ByteView rdata);
    Bytes encode() const;
    // The RDATA up to and excluding the signature, signer in canonical (lower-case) form: the first part
    // of the data that is signed (RFC 4034 §3.1.8.1).
    Bytes encode_without_signature() const;
};

struct DsRdata {
    uint16_t key_tag = 0;
    uint8_t algorithm = 0;
    uint8_t digest_type = 0;
    Bytes digest;

    static Result<DsRdata> decode(ByteView rdata);
    Bytes encode() const;
};

struct Nsec3Rdata {
    static constexpr uint8_t kOptOutFlag = 0x01;
    uint8_t hash_algorithm = 1;
    uint8_t flags = 0;
    uint16_t iterations = 0;
    Bytes salt;
    Bytes next_hashed_owner;
    Bytes type_bitmap;

    static Result<Nsec3Rdata> decode(ByteView rdata);
    Bytes encode() const;
};

struct Nsec3ParamRdata {
    uint8_t hash_algorithm = 1;
    uint8_t flags = 0;
    uint16_t iterations = 0;
    Bytes salt;

    static Result<Nsec3ParamRdata> decode(ByteView rdata);
    Bytes encode() const;
};

struct NsecRdata {
    Name next;
    Bytes type_bitmap;

    static Result<NsecRdata> decode(ByteView rdata);
    Bytes encode() const;
};

struct SoaRdata {
    Name mname, rname;
    uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;

    static Result<SoaRdata> decode(ByteView rdata);
    Bytes encode() const;
};

// True if the windowed type bitmap contains `type`.
bool bitmap_has_type(ByteView bitmap, RRType type);

}  // namespace danemail::dns
