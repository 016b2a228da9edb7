// RDATA in wire form: field walking, validation, reading from compressed messages, embedded names and
// canonical form (RFC 1035 §4.1.4, RFC 3597 §4, RFC 4034 §4.1.2 and §6.2).
#include "dns/rdata_wire.h"

#include <algorithm>

namespace danemail::dns {
namespace {

size_t fixed_size(Field f) {
    switch (f) {
        case Field::U8:
        case Field::Algorithm:
            return 1;
        case Field::U16:
        case Field::TypeCovered:
            return 2;
        case Field::U32:
        case Field::Period:
        case Field::Time:
        case Field::Ipv4:
            return 4;
        case Field::Ipv6:
            return 16;
        case Field::Eui48:
            return 6;
        case Field::Eui64:
            return 8;
        default:
            return 0;
    }
}

const char* field_name(Field f) {
    switch (f) {
        case Field::Name:
        case Field::CompressibleName:
            return "domain name";
        case Field::CharString:
        case Field::CharStrings:
            return "character-string";
        case Field::HexLen8:
            return "salt";
        case Field::Base32Len8:
            return "hashed owner name";
        case Field::TypeBitmap:
            return "type bitmap";
        case Field::CaaTag:
            return "CAA tag";
        case Field::SvcParams:
            return "SvcParams";
        default:
            return "field";
    }
}

}  // namespace

Result<size_t> uncompressed_name_length(ByteView data, size_t offset) {
    size_t pos = offset;
    while (true) {
        if (pos >= data.size()) return make_error("domain name runs past the end of the RDATA");
        uint8_t len = data[pos];
        if (len > Name::kMaxLabelLength) return make_error("compressed or bad label in RDATA name");
        pos += 1 + len;
        if (pos - offset > Name::kMaxWireLength)
            return make_error("domain name in RDATA longer than 255 bytes");
        if (len == 0) return pos - offset;
    }
}

Status validate_type_bitmap(ByteView bitmap) {
    size_t pos = 0;
    int last_window = -1;
    while (pos < bitmap.size()) {
        if (pos + 2 > bitmap.size()) return make_error("truncated type bitmap window header");
        int window = bitmap[pos];
        size_t len = bitmap[pos + 1];
        if (window <= last_window) return make_error("type bitmap windows out of order");
        if (len < 1 || len > 32) return make_error("type bitmap window length outside 1..32");
        if (pos + 2 + len > bitmap.size()) return make_error("truncated type bitmap window");
        if (bitmap[pos + 1 + len] == 0) return make_error("type bitmap window ends in a zero byte");
        last_window = window;
        pos += 2 + len;
    }
    return {};
}

Status walk_rdata_fields(const RdataSchema& schema, ByteView rdata,
                         const std::function<void(Field, size_t, size_t)>& visit) {
    size_t pos = 0;
    for (Field f : schema.fields) {
        size_t start = pos;
        if (size_t n = fixed_size(f)) {
            if (pos + n > rdata.size()) return make_error("RDATA too short");
            pos += n;
        } else {
            switch (f) {
                case Field::Name:
                case Field::CompressibleName: {
                    auto len = uncompressed_name_length(rdata, pos);
                    if (!len) return len.error();
                    pos += *len;
                    break;
                }
                case Field::CharString:
                case Field::HexLen8:
                case Field::Base32Len8:
                case Field::CaaTag:
                    if (pos >= rdata.size()) return make_error(std::string("missing ") + field_name(f));
                    if (pos + 1 + rdata[pos] > rdata.size())
                        return make_error(std::string(field_name(f)) + " runs past the end of the RDATA");
                    if (f == Field::CaaTag && rdata[pos] == 0) return make_error("empty CAA tag");
                    pos += 1 + rdata[pos];
                    break;
                case Field::CharStrings:
                    if (pos >= rdata.size()) return make_error("no character-string");
                    while (pos < rdata.size()) {
                        if (pos + 1 + rdata[pos] > rdata.size())
                            return make_error("character-string runs past the end of the RDATA");
                        pos += 1 + rdata[pos];
                    }
                    break;
                case Field::TypeBitmap: {
                    auto s = validate_type_bitmap(rdata.subspan(pos));
                    if (!s) return s;
                    pos = rdata.size();
                    break;
                }
                case Field::SvcParams: {
                    auto s = validate_svc_params(rdata.subspan(pos));
                    if (!s) return s;
                    pos = rdata.size();
                    break;
                }
                default:  // Base64, Hex, Text: the rest
                    pos = rdata.size();
                    break;
            }
        }
        visit(f, start, pos);
    }
    if (pos != rdata.size()) return make_error("trailing bytes after the last RDATA field");
    return {};
}

Status validate_rdata(RRType type, ByteView rdata) {
    if (rdata.size() > 65535) return make_error("RDATA longer than 65535 bytes");
    const RdataSchema* schema = schema_for(type);
    if (!schema) return {};
    return walk_rdata_fields(*schema, rdata, [](Field, size_t, size_t) {});
}

Result<Bytes> read_rdata(RRType type, ByteView message, size_t offset, size_t rdlength) {
    if (offset + rdlength > message.size()) return make_error("RDATA runs past the end of the message");
    const RdataSchema* schema = schema_for(type);
    bool has_names = schema && std::any_of(schema->fields.begin(), schema->fields.end(), [](Field f) {
                         return f == Field::Name || f == Field::CompressibleName;
                     });
    if (!has_names) {
        Bytes out(message.begin() + offset, message.begin() + offset + rdlength);
        if (auto s = validate_rdata(type, out); !s) return s.error();
        return out;
    }
    // Expand names field by field; everything after the last name is copied as it stands.
    Bytes out;
    out.reserve(rdlength + 32);
    size_t pos = offset, end = offset + rdlength;
    for (Field f : schema->fields) {
        if (f != Field::Name && f != Field::CompressibleName) {
            if (size_t n = fixed_size(f)) {
                if (pos + n > end) return make_error("RDATA too short");
                out.insert(out.end(), message.begin() + pos, message.begin() + pos + n);
                pos += n;
                continue;
            }
            if (f == Field::CharString) {
                if (pos >= end || pos + 1 + message[pos] > end)
                    return make_error("bad character-string in RDATA");
                out.insert(out.end(), message.begin() + pos, message.begin() + pos + 1 + message[pos]);
                pos += 1 + message[pos];
                continue;
            }
            break;  // a variable field that runs to the end: copy the rest below
        }
        auto name = Name::read(message, pos);
        if (!name) return name.error();
        if (pos > end) return make_error("domain name runs past the end of the RDATA");
        out.insert(out.end(), name->wire().begin(), name->wire().end());
    }
    out.insert(out.end(), message.begin() + pos, message.begin() + end);
    if (auto s = validate_rdata(type, out); !s) return s.error();
    return out;
}

std::vector<EmbeddedName> embedded_names(RRType type, ByteView rdata) {
    std::vector<EmbeddedName> names;
    const RdataSchema* schema = schema_for(type);
    if (!schema) return names;
    (void)walk_rdata_fields(*schema, rdata, [&](Field f, size_t begin, size_t end) {
        if (f == Field::Name || f == Field::CompressibleName)
            names.push_back({begin, end - begin, f == Field::CompressibleName});
    });
    return names;
}

Bytes canonical_rdata(RRType type, ByteView rdata) {
    Bytes out(rdata.begin(), rdata.end());
    const RdataSchema* schema = schema_for(type);
    if (!schema || !schema->canonical_lowercase) return out;
    for (const auto& n : embedded_names(type, rdata)) {
        size_t pos = n.offset;
        while (out[pos] != 0) {
            uint8_t len = out[pos];
            for (size_t i = pos + 1; i <= pos + len; ++i) out[i] = dns_tolower(out[i]);
            pos += 1 + len;
        }
    }
    return out;
}

Bytes encode_type_bitmap(std::span<const RRType> types) {
    Bytes out;
    std::vector<RRType> sorted(types.begin(), types.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    size_t i = 0;
    while (i < sorted.size()) {
        uint8_t window = static_cast<uint8_t>(sorted[i].value >> 8);
        uint8_t bits[32] = {};
        size_t used = 0;
        for (; i < sorted.size() && (sorted[i].value >> 8) == window; ++i) {
            uint8_t low = static_cast<uint8_t>(sorted[i].value & 0xFF);
            bits[low / 8] |= static_cast<uint8_t>(0x80 >> (low % 8));
            used = low / 8 + 1;
        }
        out.push_back(window);
        out.push_back(static_cast<uint8_t>(used));
        out.insert(out.end(), bits, bits + used);
    }
    return out;
}

std::vector<RRType> decode_type_bitmap(ByteView bitmap) {
    std::vector<RRType> types;
    size_t pos = 0;
    while (pos + 2 <= bitmap.size()) {
        uint16_t window = bitmap[pos];
        size_t len = bitmap[pos + 1];
        if (pos + 2 + len > bitmap.size()) break;
        for (size_t byte = 0; byte < len; ++byte)
            for (int bit = 0; bit < 8; ++bit)
                if (bitmap[pos + 2 + byte] & (0x80 >> bit))
                    types.push_back(RRType(static_cast<uint16_t>(window << 8 | (byte * 8 + bit))));
        pos += 2 + len;
    }
    return types;
}

}  // namespace danemail::dns
