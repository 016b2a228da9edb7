// Master-file lexer (RFC 1035 §5.1): splits zone-file text into logical entries of TextTokens, joining lines
// inside parentheses, dropping comments, keeping backslash escapes raw and tracking line:column of every
// token. Reads untrusted user text: unbalanced parentheses and unterminated quotes are reported, never fatal.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dns/text_token.h"

namespace danemail::dns {

// One logical entry (a record or a directive). The token storage is reused from entry to entry so that
// lexing a large zone does not allocate per token: only the first `size` tokens belong to this entry.
struct ZoneEntry {
    std::vector<TextToken> storage;
    size_t size = 0;
    bool owner_omitted = false;  // the entry's first line starts with white space (RFC 1035 §5.1)

    std::span<const TextToken> tokens() const { return {storage.data(), size}; }
};

class ZoneLexer {
public:
    enum class Next { kEntry, kError, kEnd };

    explicit ZoneLexer(std::string_view text) : text_(text) {}

    // Reads the next entry that has at least one token. kError: the entry was malformed; `error` says why
    // with Error::where "line:column", and the lexer has already moved past the whole entry.
    Next next(ZoneEntry& entry, Error& error);

private:
    TextToken& new_token(ZoneEntry& entry);
    // Appends the body of the quoted string opening at pos_ to `out`; false if it is not closed on its line.
    void skip_escape();
    bool read_quoted(std::string& out);
    void read_word(TextToken& token);
    uint32_t column() const { return static_cast<uint32_t>(pos_ - line_start_ + 1); }
    void set_error(uint32_t line, uint32_t column, std::string what);

    std::string_view text_;
    size_t pos_ = 0;
    size_t line_start_ = 0;
    uint32_t line_ = 1;
    bool has_error_ = false;
    Error error_;
};

}  // namespace danemail::dns
