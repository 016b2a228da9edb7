// Domain name parsing, printing, decompression and canonical ordering (RFC 1035 §3.1, §4.1.4; RFC 4034 §6.1).
#include "dns/name.h"

#include <array>
#include <cstring>

namespace danemail::dns {
namespace {

// Offsets of each label's length byte, leftmost first; returns the count (root label excluded).
size_t label_offsets(const std::string& wire, std::array<uint8_t, Name::kMaxLabels + 1>& offsets) {
    size_t count = 0, pos = 0;
    while (pos < wire.size() && wire[pos] != 0) {
        offsets[count++] = static_cast<uint8_t>(pos);
        pos += 1 + static_cast<uint8_t>(wire[pos]);
    }
    return count;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

void append_escaped_label(std::string& out, std::string_view label) {
    for (unsigned char c : label) {
        if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c <= 0x20 || c >= 0x7f) {
            char buffer[5];
            buffer[0] = '\\';
            buffer[1] = static_cast<char>('0' + c / 100);
            buffer[2] = static_cast<char>('0' + c / 10 % 10);
            buffer[3] = static_cast<char>('0' + c % 10);
            out.append(buffer, 4);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

Result<Name> Name::from_text(std::string_view text, const Name* origin) {
    if (text.empty()) return make_error("empty domain name");
    if (text == "@") {
        if (!origin) return make_error("'@' used without an origin");
        return *origin;
    }
    if (text == ".") return Name();

    std::string wire;
    std::string label;
    bool absolute = false;
    auto finish_label = [&]() -> Status {
        if (label.empty()) return make_error("empty label in '" + std::string(text) + "'");
        if (label.size() > kMaxLabelLength)
            return make_error("label longer than 63 bytes in '" + std::string(text) + "'");
        wire.push_back(static_cast<char>(label.size()));
        wire += label;
        label.clear();
        return {};
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\') {
            if (i + 1 >= text.size()) return make_error("dangling backslash in '" + std::string(text) + "'");
            if (is_digit(text[i + 1])) {
                if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3]))
                    return make_error("\\DDD escape needs three digits in '" + std::string(text) + "'");
                int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                if (v > 255) return make_error("\\DDD escape above 255 in '" + std::string(text) + "'");
                label.push_back(static_cast<char>(v));
                i += 3;
            } else {
                label.push_back(text[++i]);
            }
        } else if (c == '.') {
            if (auto s = finish_label(); !s) return s.error();
            if (i + 1 == text.size()) absolute = true;
        } else {
            label.push_back(c);
        }
    }
    if (!absolute) {
        if (!label.empty())
            if (auto s = finish_label(); !s) return s.error();
        if (!origin) return make_error("relative name '" + std::string(text) + "' without an origin");
        wire += origin->wire_.substr(0, origin->wire_.size() - 1);
    }
    wire.push_back('\0');
    if (wire.size() > kMaxWireLength)
        return make_error("name longer than 255 bytes in wire form: '" + std::string(text) + "'");
    return Name(std::move(wire));
}

Result<Name> Name::from_wire(ByteView wire) {
    size_t offset = 0;
    std::string out;
    while (true) {
        if (offset >= wire.size()) return make_error("name runs past the end of its data");
        uint8_t len = wire[offset];
        if (len > kMaxLabelLength)
            return make_error("compression pointer or bad label type in uncompressed name");
        if (offset + 1 + len > wire.size()) return make_error("label runs past the end of its data");
        out.append(reinterpret_cast<const char*>(&wire[offset]), 1 + len);
        offset += 1 + len;
        if (out.size() > kMaxWireLength) return make_error("name longer than 255 bytes");
        if (len == 0) break;
    }
    if (offset != wire.size()) return make_error("trailing bytes after name");
    return Name(std::move(out));
}

Result<Name> Name::read(ByteView message, size_t& offset) {
    std::string out;
    size_t pos = offset;
    size_t end_of_name = 0;  // where `offset` goes after the name; set at the first pointer
    int pointers = 0;
    while (true) {
        if (pos >= message.size()) return make_error("name runs past the end of the message");
        uint8_t len = message[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 1 >= message.size()) return make_error("truncated compression pointer");
            size_t target = static_cast<size_t>(len & 0x3F) << 8 | message[pos + 1];
            if (end_of_name == 0) end_of_name = pos + 2;
            // Pointers must point backwards (RFC 1035 §4.1.4 "prior occurrence"); that alone rules out
            // loops, and the count bounds the work.
            if (target >= pos || ++pointers > 64)
                return make_error("compression pointer loop or forward pointer");
            pos = target;
            continue;
        }
        if (len > kMaxLabelLength) return make_error("unknown label type");
        if (pos + 1 + len > message.size()) return make_error("label runs past the end of the message");
        out.append(reinterpret_cast<const char*>(&message[pos]), 1 + len);
        if (out.size() > kMaxWireLength) return make_error("name longer than 255 bytes");
        pos += 1 + len;
        if (len == 0) break;
    }
    offset = end_of_name ? end_of_name : pos;
    return Name(std::move(out));
}

Result<Name> Name::from_labels(const std::string_view* labels, size_t count) {
    std::string wire;
    for (size_t i = 0; i < count; ++i) {
        if (labels[i].empty() || labels[i].size() > kMaxLabelLength) return make_error("bad label length");
        wire.push_back(static_cast<char>(labels[i].size()));
        wire += labels[i];
    }
    wire.push_back('\0');
    if (wire.size() > kMaxWireLength) return make_error("name longer than 255 bytes");
    return Name(std::move(wire));
}

std::string Name::to_text() const {
    if (is_root()) return ".";
    std::string out;
    size_t pos = 0;
    while (wire_[pos] != 0) {
        uint8_t len = static_cast<uint8_t>(wire_[pos]);
        append_escaped_label(out, std::string_view(wire_).substr(pos + 1, len));
        out.push_back('.');
        pos += 1 + len;
    }
    return out;
}

std::string Name::to_text_relative(const Name& origin) const {
    if (*this == origin) return "@";
    if (!is_subdomain_of(origin)) return to_text();
    std::string full = Name(wire_.substr(0, wire_.size() - origin.wire_.size()) + '\0').to_text();
    full.pop_back();  // drop the trailing dot: relative
    return full;
}

size_t Name::label_count() const {
    size_t count = 0, pos = 0;
    while (wire_[pos] != 0) {
        ++count;
        pos += 1 + static_cast<uint8_t>(wire_[pos]);
    }
    return count;
}

Name Name::parent() const {
    if (is_root()) return *this;
    return Name(wire_.substr(1 + static_cast<uint8_t>(wire_[0])));
}

Name Name::suffix(size_t labels) const {
    if (labels == 0) return Name();  // the root alone
    std::array<uint8_t, kMaxLabels + 1> offsets;
    size_t count = label_offsets(wire_, offsets);
    if (labels >= count) return *this;
    return Name(wire_.substr(offsets[count - labels]));
}

Result<Name> Name::prepend(std::string_view label) const {
    if (label.empty() || label.size() > kMaxLabelLength) return make_error("bad label length");
    if (wire_.size() + 1 + label.size() > kMaxWireLength) return make_error("name longer than 255 bytes");
    std::string wire;
    wire.reserve(wire_.size() + 1 + label.size());
    wire.push_back(static_cast<char>(label.size()));
    wire += label;
    wire += wire_;
    return Name(std::move(wire));
}

Name Name::lowercased() const {
    std::string wire = wire_;
    size_t pos = 0;
    while (wire[pos] != 0) {
        uint8_t len = static_cast<uint8_t>(wire[pos]);
        for (size_t i = pos + 1; i <= pos + len; ++i)
            wire[i] = static_cast<char>(dns_tolower(static_cast<uint8_t>(wire[i])));
        pos += 1 + len;
    }
    return Name(std::move(wire));
}

bool Name::is_subdomain_of(const Name& ancestor) const {
    if (ancestor.wire_.size() > wire_.size()) return false;
    // The ancestor must start at a label boundary of this name.
    size_t start = wire_.size() - ancestor.wire_.size();
    size_t pos = 0;
    while (pos < start) pos += 1 + static_cast<uint8_t>(wire_[pos]);
    if (pos != start) return false;
    return Name(wire_.substr(start)) == ancestor;
}

bool operator==(const Name& a, const Name& b) {
    if (a.wire_.size() != b.wire_.size()) return false;
    // Length bytes are < 64 and never letters, so lower-casing every byte is safe for comparison.
    for (size_t i = 0; i < a.wire_.size(); ++i)
        if (dns_tolower(static_cast<uint8_t>(a.wire_[i])) != dns_tolower(static_cast<uint8_t>(b.wire_[i])))
            return false;
    return true;
}

int canonical_compare(const Name& a, const Name& b) {
    std::array<uint8_t, Name::kMaxLabels + 1> oa, ob;
    size_t na = label_offsets(a.wire_, oa), nb = label_offsets(b.wire_, ob);
    while (na > 0 && nb > 0) {
        --na;
        --nb;
        size_t la = static_cast<uint8_t>(a.wire_[oa[na]]), lb = static_cast<uint8_t>(b.wire_[ob[nb]]);
        const auto* pa = reinterpret_cast<const uint8_t*>(a.wire_.data()) + oa[na] + 1;
        const auto* pb = reinterpret_cast<const uint8_t*>(b.wire_.data()) + ob[nb] + 1;
        size_t common = la < lb ? la : lb;
        for (size_t i = 0; i < common; ++i) {
            uint8_t ca = dns_tolower(pa[i]), cb = dns_tolower(pb[i]);
            if (ca != cb) return ca < cb ? -1 : 1;
        }
        if (la != lb) return la < lb ? -1 : 1;
    }
    if (na == nb) return 0;
    return na < nb ? -1 : 1;
}

size_t Name::hash() const {
    size_t h = 1469598103934665603ull;  // FNV-1a over the lower-cased wire form
    for (char c : wire_) {
        h ^= dns_tolower(static_cast<uint8_t>(c));
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace danemail::dns
