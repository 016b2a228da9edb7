// Typed RDATA: each supported RR type is described by a list of fields (rdata_schema.cpp), and one set of
// codecs walks that list to convert between presentation text and wire form, to read RDATA out of a
// (compressed, untrusted) message, and to find the names embedded in it for compression and canonical form.
// Types without a schema travel in the generic form of RFC 3597 ("\# 4 0a000001").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/name.h"
#include "dns/text_token.h"
#include "dns/types.h"

namespace danemail::dns {

enum class Field : uint8_t {
    U8,
    U16,
    U32,
    Period,            // u32 written as a number or with BIND's units ("1h30m"), SOA timers
    Algorithm,         // u8, DNSSEC algorithm number or mnemonic
    TypeCovered,       // u16 RR type mnemonic (RRSIG)
    Time,              // u32 RRSIG time: YYYYMMDDHHMMSS or seconds (RFC 4034 §3.2)
    Name,              // uncompressed domain name
    CompressibleName,  // may be compressed on the wire (RFC 3597 §4 well-known types)
    Ipv4,
    Ipv6,
    CharString,   // <character-string>: length byte + up to 255 bytes
    CharStrings,  // one or more character-strings to the end (TXT)
    Base64,       // rest of the RDATA, base64 in text
    Hex,          // rest of the RDATA, hex in text
    HexLen8,      // length byte + bytes, hex or "-" for empty (NSEC3 salt)
    Base32Len8,   // length byte + bytes, base32hex (NSEC3 next hashed owner)
    TypeBitmap,   // rest of the RDATA: windowed type bitmap (RFC 4034 §4.1.2)
    CaaTag,       // length byte + alphanumeric tag (RFC 8659)
    Text,         // rest of the RDATA as one string without length byte (CAA value, URI target)
    SvcParams,    // rest of the RDATA: SvcParams (RFC 9460 §2.2)
    Eui48,
    Eui64,
};

struct RdataSchema {
    std::span<const Field> fields;
    bool canonical_lowercase =
        false;  // names are lower-cased in canonical form (RFC 4034 §6.2, RFC 6840 §5.1)
};

// The schema for `type`, or nullptr if the type is handled only in RFC 3597 form.
const RdataSchema* schema_for(RRType type);

// Parses presentation RDATA. Errors name the offending token's "line:column" in Error::where.
Result<Bytes> rdata_from_text(RRType type, std::span<const TextToken> tokens, const Name& origin);
// Convenience for tests and tools: splits `text` on white space (no quotes or parentheses) first.
Result<Bytes> rdata_from_text(RRType type, std::string_view text, const Name& origin);

// Presentation form of valid RDATA (anything invalid prints in RFC 3597 form).
std::string rdata_to_text(RRType type, ByteView rdata);
std::string rdata_to_generic_text(ByteView rdata);  // "\# N hex"

// Checks uncompressed RDATA against the type's schema.
Status validate_rdata(RRType type, ByteView rdata);

// Reads `rdlength` bytes of RDATA at `offset` in a message, expanding compressed names, and validates it.
Result<Bytes> read_rdata(RRType type, ByteView message, size_t offset, size_t rdlength);

// A domain name inside RDATA.
struct EmbeddedName {
    size_t offset;
    size_t length;
    bool compressible;
};
// Where the names are in valid uncompressed RDATA.
std::vector<EmbeddedName> embedded_names(RRType type, ByteView rdata);

// Canonical form of RDATA for DNSSEC (RFC 4034 §6.2): embedded names lower-cased for the listed types.
Bytes canonical_rdata(RRType type, ByteView rdata);

// TTL in seconds or with units (1w2d3h4m5s, any case); nullopt on overflow above 2^31-1 or bad syntax.
std::optional<uint32_t> parse_ttl(std::string_view text);

// DNSSEC algorithm mnemonics (RFC 8624 / IANA): "ECDSAP256SHA256" ↔ 13.
std::optional<uint8_t> algorithm_from_text(std::string_view text);
std::string algorithm_to_text(uint8_t algorithm);

// Unescapes a character-string's presentation text (\X and \DDD).
Result<std::string> unescape_text(std::string_view text);
// Prints bytes as a quoted character-string with escapes.
std::string quote_text(std::string_view bytes);

// Type bitmap (RFC 4034 §4.1.2) from a sorted, de-duplicated list of types, and back.
Bytes encode_type_bitmap(std::span<const RRType> types);
std::vector<RRType> decode_type_bitmap(ByteView bitmap);

}  // namespace danemail::dns
