// Master-file lexer (RFC 1035 §5.1): entries, parentheses, comments, quoted strings and escapes, with
// line:column positions. Input is untrusted zone-file text; every malformed entry is skipped whole.
#include "dns/zone_lexer.h"

#include <array>
#include <string>

namespace danemail::dns {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Characters that end an unquoted word (RFC 1035 §5.1) or need a look inside one (escape, quote): a table, so
// that the bulk of a zone file (base64 signatures, names) is scanned with one load and test per byte.
constexpr std::array<bool, 256> kWordSpecial = [] {
    std::array<bool, 256> table{};
    for (unsigned char c : std::string_view(" \t\r\n;()\\\"")) table[c] = true;
    return table;
}();

bool is_word_special(char c) {
    return kWordSpecial[static_cast<unsigned char>(c)];
}

std::string position(uint32_t line, uint32_t column) {
    return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

void ZoneLexer::set_error(uint32_t line, uint32_t column, std::string what) {
    if (has_error_) return;  // the first error of an entry is the one worth reading
    has_error_ = true;
    error_ = make_error(position(line, column), std::move(what));
}

TextToken& ZoneLexer::new_token(ZoneEntry& entry) {
    if (entry.size == entry.storage.size()) entry.storage.emplace_back();
    TextToken& token = entry.storage[entry.size++];
    token.text.clear();
    token.quoted = false;
    token.line = line_;
    token.column = column();
    return token;
}

// Moves past a backslash escape, which stays raw in the token for the RDATA parser; an escaped newline
// continues the word or string on the next line.
void ZoneLexer::skip_escape() {
    if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;
        ++line_;
        line_start_ = pos_;
    } else {
        pos_ = pos_ + 2 < text_.size() ? pos_ + 2 : text_.size();
    }
}

bool ZoneLexer::read_quoted(std::string& out) {
    const uint32_t open_line = line_, open_column = column();
    ++pos_;  // the opening quote
    size_t segment = pos_;
    while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c == '\\') {
            skip_escape();
            continue;
        }
        if (c == '"') {
            out.append(text_.substr(segment, pos_ - segment));
            ++pos_;
            return true;
        }
        if (c == '\n') break;
        ++pos_;
    }
    set_error(open_line, open_column,
              "unterminated quoted string; expected a closing '\"' before the end of the line");
    return false;
}

void ZoneLexer::read_word(TextToken& token) {
    size_t segment = pos_;
    const char* const text = text_.data();
    const size_t size = text_.size();
    while (pos_ < size) {
        while (pos_ < size && !is_word_special(text[pos_])) ++pos_;
        if (pos_ >= size) break;
        char c = text[pos_];
        if (c == '\\') {
            skip_escape();
            continue;
        }
        if (c == '"') {
            // A quoted part inside a word (alpn="h2,h3") joins the word without its quotes.
            token.text.append(text_.substr(segment, pos_ - segment));
            if (!read_quoted(token.text)) return;
            segment = pos_;
            continue;
        }
        break;  // blank, newline, ';', '(' or ')': the word ends
    }
    token.text.append(text + segment, pos_ - segment);
}

ZoneLexer::Next ZoneLexer::next(ZoneEntry& entry, Error& error) {
    while (pos_ < text_.size()) {
        entry.size = 0;
        entry.owner_omitted = is_blank(text_[pos_]) && text_[pos_] != '\r';
        has_error_ = false;
        int depth = 0;
        uint32_t open_line = 0, open_column = 0;  // the outermost unclosed '('

        while (true) {
            while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
            if (pos_ >= text_.size()) {
                if (depth > 0)
                    set_error(open_line, open_column,
                              "'(' is never closed; expected ')' before the end of the file");
                break;
            }
            char c = text_[pos_];
            if (c == '\n') {
                ++pos_;
                ++line_;
                line_start_ = pos_;
                if (depth == 0) break;
            } else if (c == ';') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else if (c == '(') {
                if (depth++ == 0) {
                    open_line = line_;
                    open_column = column();
                }
                ++pos_;
            } else if (c == ')') {
                if (depth == 0) {
                    set_error(line_, column(), "')' without a matching '('");
                } else {
                    --depth;
                }
                ++pos_;
            } else if (c == '"') {
                TextToken& token = new_token(entry);
                token.quoted = true;
                if (!read_quoted(token.text)) --entry.size;
            } else {
                read_word(new_token(entry));
            }
        }
        if (has_error_) {
            error = std::move(error_);
            return Next::kError;
        }
        if (entry.size > 0) return Next::kEntry;
    }
    return Next::kEnd;
}

}  // namespace danemail::dns
