// Domain names in wire form (RFC 1035 §3.1): parsing from presentation text with escapes (\. and \DDD),
// reading from messages with compression pointers (loop- and length-checked: untrusted input), printing,
// case-insensitive comparison and DNSSEC canonical ordering (RFC 4034 §6.1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "base/result.h"

namespace danemail::dns {

class Name {
public:
    static constexpr size_t kMaxWireLength = 255;
    static constexpr size_t kMaxLabelLength = 63;
    static constexpr size_t kMaxLabels = 127;

    // The root name ".".
    Name() : wire_(1, '\0') {}

    // Presentation form. A name without a trailing dot is relative to `origin` (nullptr: it is an error);
    // "@" is the origin itself.
    static Result<Name> from_text(std::string_view text, const Name* origin = nullptr);
    // Uncompressed wire form that must be exactly one valid name.
    static Result<Name> from_wire(ByteView wire);
    // Reads a possibly compressed name at `offset` in `message`; on success `offset` moves past the name
    // as it stands at that position (a pointer counts two bytes).
    static Result<Name> read(ByteView message, size_t& offset);
    // Build from labels (leftmost first), each 1..63 bytes.
    static Result<Name> from_labels(const std::string_view* labels, size_t count);

    // Wire bytes, ending with the zero-length root label.
    const std::string& wire() const { return wire_; }
    ByteView wire_bytes() const { return as_bytes(wire_); }
    size_t wire_length() const { return wire_.size(); }

    std::string to_text() const;  // absolute, with trailing dot; "." for the root
    // Relative to `origin` without trailing dot when the name is below it, "@" when equal.
    std::string to_text_relative(const Name& origin) const;

    size_t label_count() const;  // not counting the root label
    bool is_root() const { return wire_.size() == 1; }
    bool is_wildcard() const { return wire_.size() >= 3 && wire_[0] == 1 && wire_[1] == '*'; }
    std::string_view first_label() const { return std::string_view(wire_).substr(1, uint8_t(wire_[0])); }

    Name parent() const;               // the name without its first label; root stays root
    Name suffix(size_t labels) const;  // the rightmost `labels` labels
    Result<Name> prepend(std::string_view label) const;
    Name lowercased() const;

    // True if this name equals `ancestor` or lies below it (case-insensitive).
    bool is_subdomain_of(const Name& ancestor) const;

    // Case-insensitive equality.
    friend bool operator==(const Name& a, const Name& b);
    // Exact byte equality (case-sensitive).
    bool identical(const Name& other) const { return wire_ == other.wire_; }

    // RFC 4034 §6.1 canonical order: <0, 0, >0.
    friend int canonical_compare(const Name& a, const Name& b);
    friend bool operator<(const Name& a, const Name& b) { return canonical_compare(a, b) < 0; }

    size_t hash() const;  // case-insensitive

private:
    explicit Name(std::string wire) : wire_(std::move(wire)) {}
    std::string wire_;
};

struct NameHash {
    size_t operator()(const Name& n) const { return n.hash(); }
};

// ASCII lower-casing of one byte, as DNS compares names (RFC 4343).
inline uint8_t dns_tolower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
}

// Appends one label or a character-string's bytes in presentation form, escaping what must be escaped.
void append_escaped_label(std::string& out, std::string_view label);

}  // namespace danemail::dns
