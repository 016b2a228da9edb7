// Hex, base64 and base32hex codecs (RFC 4648). Decoders reject anything outside the alphabet.
#include "base/encoding.h"

#include <array>

namespace danemail {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase32Hex[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::array<int8_t, 256> make_base64_table() {
    std::array<int8_t, 256> table{};
    table.fill(-1);
    for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kBase64[i])] = static_cast<int8_t>(i);
    return table;
}

int base32hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'V') return c - 'A' + 10;
    if (c >= 'a' && c <= 'v') return c - 'a' + 10;
    return -1;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::string to_hex(ByteView data, bool upper) {
    const char* digits = upper ? kHexUpper : kHexLower;
    std::string out;
    out.reserve(data.size() * 2);
    for (uint8_t b : data) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

std::optional<Bytes> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    Bytes out;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return out;
}

std::string to_base64(ByteView data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        uint32_t v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
        out += {kBase64[v >> 18], kBase64[v >> 12 & 63], kBase64[v >> 6 & 63], kBase64[v & 63]};
    }
    if (size_t rest = data.size() - i; rest == 1) {
        uint32_t v = data[i] << 16;
        out += {kBase64[v >> 18], kBase64[v >> 12 & 63], '=', '='};
    } else if (rest == 2) {
        uint32_t v = data[i] << 16 | data[i + 1] << 8;
        out += {kBase64[v >> 18], kBase64[v >> 12 & 63], kBase64[v >> 6 & 63], '='};
    }
    return out;
}

std::optional<Bytes> from_base64(std::string_view text) {
    static const std::array<int8_t, 256> table = make_base64_table();
    Bytes out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0, quantum = 0, padding = 0;
    for (char c : text) {
        if (is_space(c)) continue;
        if (c == '=') {
            ++padding;
            ++quantum;
            continue;
        }
        int v = table[static_cast<uint8_t>(c)];
        if (v < 0 || padding > 0) return std::nullopt;  // data after padding is an error
        acc = acc << 6 | static_cast<uint32_t>(v);
        bits += 6;
        ++quantum;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>(acc >> bits));
        }
    }
    if (quantum % 4 != 0 || padding > 2) return std::nullopt;
    if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
    return out;
}

std::string to_base32hex(ByteView data) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : data) {
        acc = acc << 8 | b;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out.push_back(kBase32Hex[acc >> bits & 31]);
        }
    }
    if (bits > 0) out.push_back(kBase32Hex[acc << (5 - bits) & 31]);
    return out;
}

std::optional<Bytes> from_base32hex(std::string_view text) {
    Bytes out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = base32hex_value(c);
        if (v < 0) return std::nullopt;
        acc = acc << 5 | static_cast<uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>(acc >> bits));
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace danemail
