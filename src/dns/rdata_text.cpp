// RDATA presentation form ⇄ wire form, driven by the type schemas (RFC 1035 §5.1, RFC 3597 §5 for the
// generic "\#" form, and each type's own RFC for its fields). Reads untrusted zone-file text.
#include <arpa/inet.h>
#include "base/byte_order.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/time.h"
#include "dns/rdata.h"
#include "dns/rdata_wire.h"
#include "dns/svcb.h"

namespace danemail::dns {
namespace {

Error token_error(const TextToken& token, std::string what) {
    return make_error(std::to_string(token.line) + ":" + std::to_string(token.column), std::move(what));
}

template <class T>
std::optional<T> parse_unsigned(std::string_view text) {
    T value{};
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

struct AlgorithmName {
    uint8_t number;
    std::string_view name;
};
constexpr AlgorithmName kAlgorithms[] = {
    {1, "RSAMD5"},
    {2, "DH"},
    {3, "DSA"},
    {5, "RSASHA1"},
    {6, "DSA-NSEC3-SHA1"},
    {7, "RSASHA1-NSEC3-SHA1"},
    {8, "RSASHA256"},
    {10, "RSASHA512"},
    {12, "ECC-GOST"},
    {13, "ECDSAP256SHA256"},
    {14, "ECDSAP384SHA384"},
    {15, "ED25519"},
    {16, "ED448"},
    {252, "INDIRECT"},
    {253, "PRIVATEDNS"},
    {254, "PRIVATEOID"},
};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return dns_tolower(static_cast<uint8_t>(x)) == dns_tolower(static_cast<uint8_t>(y));
           });
}

// Parses one field from tokens[i...]; fields that take the rest consume all remaining tokens.
Status parse_field(Field f, std::span<const TextToken> tokens, size_t& i, const Name& origin, Bytes& out) {
    const TextToken* t = i < tokens.size() ? &tokens[i] : nullptr;
    auto missing = [&](const char* what) {
        const TextToken* last = tokens.empty() ? nullptr : &tokens.back();
        std::string msg = std::string("missing ") + what + " in RDATA";
        return last ? token_error(*last, msg) : make_error(msg);
    };
    auto rest_concatenated = [&]() {
        std::string all;
        for (; i < tokens.size(); ++i) all += tokens[i].text;
        return all;
    };

    switch (f) {
        case Field::U8:
        case Field::U16:
        case Field::U32: {
            if (!t) return missing("number");
            auto v = parse_unsigned<uint64_t>(t->text);
            uint64_t max = f == Field::U8 ? 0xFF : f == Field::U16 ? 0xFFFF : 0xFFFFFFFFull;
            if (!v || *v > max)
                return token_error(
                    *t, "expected a number from 0 to " + std::to_string(max) + ", found '" + t->text + "'");
            if (f == Field::U8) out.push_back(static_cast<uint8_t>(*v));
            if (f == Field::U16) put16(out, static_cast<uint16_t>(*v));
            if (f == Field::U32) put32(out, static_cast<uint32_t>(*v));
            ++i;
            return {};
        }
        case Field::Period: {
            if (!t) return missing("time value");
            auto v = parse_ttl(t->text);
            if (!v)
                return token_error(*t, "expected a time value such as 3600 or 1h, found '" + t->text + "'");
            put32(out, *v);
            ++i;
            return {};
        }
        case Field::Algorithm: {
            if (!t) return missing("algorithm");
            auto v = algorithm_from_text(t->text);
            if (!v)
                return token_error(*t,
                                   "expected a DNSSEC algorithm number or mnemonic, found '" + t->text + "'");
            out.push_back(*v);
            ++i;
            return {};
        }
        case Field::TypeCovered: {
            if (!t) return missing("type");
            auto v = type_from_text(t->text);
            if (!v) return token_error(*t, "expected an RR type, found '" + t->text + "'");
            put16(out, v->value);
            ++i;
            return {};
        }
        case Field::Time: {
            if (!t) return missing("time");
            std::optional<uint32_t> wire;
            if (t->text.size() == 14) {
                if (auto when = parse_dnssec_time(t->text)) wire = to_wire_time(*when);
            } else {
                wire = parse_unsigned<uint32_t>(t->text);
            }
            if (!wire) return token_error(*t, "expected YYYYMMDDHHMMSS, found '" + t->text + "'");
            put32(out, *wire);
            ++i;
            return {};
        }
        case Field::Name:
        case Field::CompressibleName: {
            if (!t) return missing("domain name");
            auto name = Name::from_text(t->text, &origin);
            if (!name) return token_error(*t, name.error().what);
            out.insert(out.end(), name->wire().begin(), name->wire().end());
            ++i;
            return {};
        }
        case Field::Ipv4:
        case Field::Ipv6: {
            if (!t) return missing("address");
            uint8_t buffer[16];
            int family = f == Field::Ipv4 ? AF_INET : AF_INET6;
            if (inet_pton(family, t->text.c_str(), buffer) != 1)
                return token_error(*t, std::string("expected an ") + (f == Field::Ipv4 ? "IPv4" : "IPv6") +
                                           " address, found '" + t->text + "'");
            out.insert(out.end(), buffer, buffer + (f == Field::Ipv4 ? 4 : 16));
            ++i;
            return {};
        }
        case Field::CharString:
        case Field::CharStrings: {
            if (!t) return missing("character-string");
            size_t last = f == Field::CharString ? i + 1 : tokens.size();
            for (; i < last; ++i) {
                auto text = unescape_text(tokens[i].text);
                if (!text) return token_error(tokens[i], text.error().what);
                if (text->size() > 255)
                    return token_error(tokens[i], "character-string longer than 255 bytes");
                out.push_back(static_cast<uint8_t>(text->size()));
                out.insert(out.end(), text->begin(), text->end());
            }
            return {};
        }
        case Field::Base64: {
            if (!t) return missing("base64 data");
            const TextToken first = *t;
            auto data = from_base64(rest_concatenated());
            if (!data) return token_error(first, "invalid base64 data");
            out.insert(out.end(), data->begin(), data->end());
            return {};
        }
        case Field::Hex: {
            if (!t) return missing("hex data");
            const TextToken first = *t;
            auto data = from_hex(rest_concatenated());
            if (!data) return token_error(first, "invalid hex data (odd length or a non-hex digit)");
            out.insert(out.end(), data->begin(), data->end());
            return {};
        }
        case Field::HexLen8: {
            if (!t) return missing("salt");
            Bytes data;
            if (t->text != "-") {
                auto parsed = from_hex(t->text);
                if (!parsed || parsed->size() > 255)
                    return token_error(
                        *t, "expected hex salt of at most 255 bytes or '-', found '" + t->text + "'");
                data = std::move(*parsed);
            }
            out.push_back(static_cast<uint8_t>(data.size()));
            out.insert(out.end(), data.begin(), data.end());
            ++i;
            return {};
        }
        case Field::Base32Len8: {
            if (!t) return missing("hashed owner name");
            auto data = from_base32hex(t->text);
            if (!data || data->empty() || data->size() > 255)
                return token_error(*t, "expected a base32hex hash, found '" + t->text + "'");
            out.push_back(static_cast<uint8_t>(data->size()));
            out.insert(out.end(), data->begin(), data->end());
            ++i;
            return {};
        }
        case Field::TypeBitmap: {
            std::vector<RRType> types;
            for (; i < tokens.size(); ++i) {
                auto v = type_from_text(tokens[i].text);
                if (!v)
                    return token_error(tokens[i],
                                       "expected an RR type in the bitmap, found '" + tokens[i].text + "'");
                types.push_back(*v);
            }
            Bytes bitmap = encode_type_bitmap(types);
            out.insert(out.end(), bitmap.begin(), bitmap.end());
            return {};
        }
        case Field::CaaTag: {
            if (!t) return missing("CAA tag");
            if (t->text.empty() || t->text.size() > 255 ||
                !std::all_of(t->text.begin(), t->text.end(),
                             [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
                return token_error(*t, "expected an alphanumeric CAA tag, found '" + t->text + "'");
            out.push_back(static_cast<uint8_t>(t->text.size()));
            out.insert(out.end(), t->text.begin(), t->text.end());
            ++i;
            return {};
        }
        case Field::Text: {
            if (!t) return missing("text");
            auto text = unescape_text(t->text);
            if (!text) return token_error(*t, text.error().what);
            out.insert(out.end(), text->begin(), text->end());
            ++i;
            return {};
        }
        case Field::SvcParams: {
            auto params = svc_params_from_text(tokens.subspan(i));
            if (!params) return params.error();
            out.insert(out.end(), params->begin(), params->end());
            i = tokens.size();
            return {};
        }
        case Field::Eui48:
        case Field::Eui64: {
            if (!t) return missing("EUI address");
            size_t n = f == Field::Eui48 ? 6 : 8;
            std::string hex;
            bool good = t->text.size() == n * 3 - 1;
            for (size_t k = 0; good && k < t->text.size(); ++k) {
                if (k % 3 == 2)
                    good = t->text[k] == '-';
                else
                    hex.push_back(t->text[k]);
            }
            auto data = good ? from_hex(hex) : std::nullopt;
            if (!data) return token_error(*t, "expected xx-xx-... hex pairs, found '" + t->text + "'");
            out.insert(out.end(), data->begin(), data->end());
            ++i;
            return {};
        }
    }
    return {};
}

// RFC 3597 §5: "\# <length> <hex>..."
Result<Bytes> generic_from_text(std::span<const TextToken> tokens) {
    if (tokens.size() < 2) return token_error(tokens[0], "'\\#' needs a length");
    auto length = parse_unsigned<uint32_t>(tokens[1].text);
    if (!length || *length > 65535)
        return token_error(tokens[1], "expected an RDATA length, found '" + tokens[1].text + "'");
    std::string hex;
    for (size_t i = 2; i < tokens.size(); ++i) hex += tokens[i].text;
    auto data = from_hex(hex);
    if (!data) return token_error(tokens.size() > 2 ? tokens[2] : tokens[1], "invalid hex data after '\\#'");
    if (data->size() != *length)
        return token_error(tokens[1], "'\\#' length " + std::to_string(*length) + " but " +
                                          std::to_string(data->size()) + " bytes of data");
    return std::move(*data);
}

std::string print_field(Field f, ByteView d, size_t b, size_t e) {
    switch (f) {
        case Field::U8:
            return std::to_string(d[b]);
        case Field::Algorithm:
            return std::to_string(d[b]);
        case Field::U16:
            return std::to_string(get16(d, b));
        case Field::TypeCovered:
            return type_to_text(RRType(get16(d, b)));
        case Field::U32:
        case Field::Period:
            return std::to_string(get32(d, b));
        case Field::Time:
            return format_dnssec_time(from_wire_time(get32(d, b), now_unix()));
        case Field::Name:
        case Field::CompressibleName: {
            auto name = Name::from_wire(d.subspan(b, e - b));
            return name ? name->to_text() : "?";
        }
        case Field::Ipv4:
        case Field::Ipv6: {
            char buffer[INET6_ADDRSTRLEN];
            inet_ntop(f == Field::Ipv4 ? AF_INET : AF_INET6, &d[b], buffer, sizeof buffer);
            return buffer;
        }
        case Field::CharString:
            return quote_text(std::string_view(reinterpret_cast<const char*>(&d[b + 1]), d[b]));
        case Field::CharStrings: {
            std::string out;
            for (size_t p = b; p < e; p += 1 + d[p]) {
                if (!out.empty()) out += ' ';
                out += quote_text(std::string_view(reinterpret_cast<const char*>(&d[p + 1]), d[p]));
            }
            return out;
        }
        case Field::Base64:
            return b == e ? std::string() : to_base64(d.subspan(b, e - b));
        case Field::Hex:
            return b == e ? std::string() : to_hex(d.subspan(b, e - b), true);
        case Field::HexLen8:
            return d[b] == 0 ? "-" : to_hex(d.subspan(b + 1, d[b]), true);
        case Field::Base32Len8:
            return to_base32hex(d.subspan(b + 1, d[b]));
        case Field::TypeBitmap: {
            std::string out;
            for (RRType t : decode_type_bitmap(d.subspan(b, e - b))) {
                if (!out.empty()) out += ' ';
                out += type_to_text(t);
            }
            return out;
        }
        case Field::CaaTag:
            return std::string(reinterpret_cast<const char*>(&d[b + 1]), d[b]);
        case Field::Text:
            return quote_text(std::string_view(reinterpret_cast<const char*>(&d[b]), e - b));
        case Field::SvcParams:
            return svc_params_to_text(d.subspan(b, e - b));
        case Field::Eui48:
        case Field::Eui64: {
            std::string out;
            for (size_t p = b; p < e; ++p) {
                if (p != b) out += '-';
                out += to_hex(d.subspan(p, 1));
            }
            return out;
        }
    }
    return "?";
}

}  // namespace

Result<Bytes> rdata_from_text(RRType type, std::span<const TextToken> tokens, const Name& origin) {
    if (!tokens.empty() && tokens[0].text == "\\#" && !tokens[0].quoted) {
        auto data = generic_from_text(tokens);
        if (!data) return data;
        if (auto s = validate_rdata(type, *data); !s)
            return token_error(tokens[0], "RDATA in '\\#' form is not a valid " + type_to_text(type) + ": " +
                                              s.error().what);
        return data;
    }
    const RdataSchema* schema = schema_for(type);
    if (!schema) {
        if (tokens.empty()) return make_error("missing RDATA");
        return token_error(tokens[0],
                           "type " + type_to_text(type) + " has no known presentation format; use '\\#'");
    }
    Bytes out;
    size_t i = 0;
    for (Field f : schema->fields)
        if (auto s = parse_field(f, tokens, i, origin, out); !s) return s.error();
    if (i < tokens.size())
        return token_error(tokens[i],
                           "unexpected '" + tokens[i].text + "' after the RDATA of " + type_to_text(type));
    if (out.size() > 65535) return token_error(tokens[0], "RDATA longer than 65535 bytes");
    if (auto s = validate_rdata(type, out); !s) return token_error(tokens[0], s.error().what);
    return out;
}

Result<Bytes> rdata_from_text(RRType type, std::string_view text, const Name& origin) {
    std::vector<TextToken> tokens;
    size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
        size_t start = pos;
        while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t') ++pos;
        if (pos > start)
            tokens.push_back(
                {std::string(text.substr(start, pos - start)), false, 1, static_cast<uint32_t>(start + 1)});
    }
    return rdata_from_text(type, tokens, origin);
}

std::string rdata_to_generic_text(ByteView rdata) {
    std::string out = "\\# " + std::to_string(rdata.size());
    if (!rdata.empty()) out += " " + to_hex(rdata);
    return out;
}

std::string rdata_to_text(RRType type, ByteView rdata) {
    const RdataSchema* schema = schema_for(type);
    if (!schema) return rdata_to_generic_text(rdata);
    std::string out;
    bool representable = true;  // false: the field's text form would not parse back to these bytes
    auto s = walk_rdata_fields(*schema, rdata, [&](Field f, size_t b, size_t e) {
        std::string field = print_field(f, rdata, b, e);
        if (field.empty()) {
            // An empty type bitmap or SvcParams list prints nothing; any other field needs a token.
            if (f != Field::TypeBitmap && f != Field::SvcParams) representable = false;
            return;
        }
        if (f == Field::CaaTag && !std::all_of(field.begin(), field.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c));
            }))
            representable = false;  // RFC 8659 §4.1 allows only letters and digits; print it generically
        if (!out.empty()) out += ' ';
        out += field;
    });
    if (!s || !representable) return rdata_to_generic_text(rdata);
    return out;
}

std::optional<uint32_t> parse_ttl(std::string_view text) {
    if (text.empty()) return std::nullopt;
    uint64_t total = 0, current = 0;
    bool have_digits = false, have_unit = false;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            current = current * 10 + static_cast<uint64_t>(c - '0');
            if (current > 0xFFFFFFFFull) return std::nullopt;
            have_digits = true;
            continue;
        }
        uint64_t unit;
        switch (c | 0x20) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            case 'w':
                unit = 604800;
                break;
            default:
                return std::nullopt;
        }
        if (!have_digits) return std::nullopt;
        total += current * unit;  // at most 2^32 * 604800: no 64-bit overflow while total stays below 2^31
        if (total > 0x7FFFFFFFull) return std::nullopt;
        current = 0;
        have_digits = false;
        have_unit = true;
    }
    if (have_digits)
        total += current;
    else if (!have_unit)
        return std::nullopt;
    if (total > 0x7FFFFFFFull) return std::nullopt;  // RFC 2181 §8
    return static_cast<uint32_t>(total);
}

std::optional<uint8_t> algorithm_from_text(std::string_view text) {
    if (auto n = parse_unsigned<unsigned>(text)) {
        if (*n > 255) return std::nullopt;
        return static_cast<uint8_t>(*n);
    }
    for (const auto& a : kAlgorithms)
        if (iequals(a.name, text)) return a.number;
    return std::nullopt;
}

std::string algorithm_to_text(uint8_t algorithm) {
    for (const auto& a : kAlgorithms)
        if (a.number == algorithm) return std::string(a.name);
    return std::to_string(algorithm);
}

Result<std::string> unescape_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 1 >= text.size()) return make_error("dangling backslash");
        char c = text[i + 1];
        if (c >= '0' && c <= '9') {
            if (i + 3 >= text.size() || text[i + 2] < '0' || text[i + 2] > '9' || text[i + 3] < '0' ||
                text[i + 3] > '9')
                return make_error("\\DDD escape needs three digits");
            int v = (c - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
            if (v > 255) return make_error("\\DDD escape above 255");
            out.push_back(static_cast<char>(v));
            i += 3;
        } else {
            out.push_back(c);
            ++i;
        }
    }
    return out;
}

std::string quote_text(std::string_view bytes) {
    std::string out = "\"";
    for (unsigned char c : bytes) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            out += '\\';
            out += static_cast<char>('0' + c / 100);
            out += static_cast<char>('0' + c / 10 % 10);
            out += static_cast<char>('0' + c % 10);
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

}  // namespace danemail::dns
