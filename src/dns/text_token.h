// One word of master-file text as the zone-file lexer hands it to the rdata parser (RFC 1035 §5.1).
#pragma once

#include <cstdint>
#include <string>

namespace danemail::dns {

// `text` keeps backslash escapes exactly as written (names need "\." intact); quotes are removed and
// `quoted` is set when the whole word was a quoted string. A quoted part inside a word (SVCB's
// alpn="h2,h3") is appended to the word without its quotes.
struct TextToken {
    std::string text;
    bool quoted = false;
    uint32_t line = 0;
    uint32_t column = 0;
};

}  // namespace danemail::dns
