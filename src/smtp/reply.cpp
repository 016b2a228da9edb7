// SMTP replies on the wire (RFC 5321 §4.2): one line per line of text, "250-" on every line but the last,
// the enhanced status code (RFC 2034 §4) repeated on each. Reply texts may quote what a client sent, so a
// stray CR is dropped here: a reply can never end early or carry an extra line nobody meant to send.
#include "smtp/reply.h"

#include <string_view>

namespace danemail::smtp {

namespace {

void append_code(std::string& out, int code) {
    // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39; anything else is a programming error, sent as 451.
    if (code < 200 || code > 599) code = 451;
    out.push_back(static_cast<char>('0' + code / 100));
    out.push_back(static_cast<char>('0' + code / 10 % 10));
    out.push_back(static_cast<char>('0' + code % 10));
}

void append_without_cr(std::string& out, std::string_view text) {
    for (char c : text)
        if (c != '\r') out.push_back(c);
}

}  // namespace

std::string Reply::to_wire() const {
    std::string out;
    out.reserve(text.size() + status.size() + 16);
    std::string_view rest = text;
    while (true) {
        size_t newline = rest.find('\n');
        bool last = newline == std::string_view::npos;
        std::string_view line = last ? rest : rest.substr(0, newline);
        append_code(out, code);
        out.push_back(last ? ' ' : '-');
        if (!status.empty()) {
            out += status;
            if (!line.empty()) out.push_back(' ');
        }
        append_without_cr(out, line);
        // "334 " with an empty challenge keeps its space (RFC 4954 §4 continue-req); other lines lose it.
        if (out.back() == ' ' && !(code == 334 && last)) out.pop_back();
        out += "\r\n";
        if (last) break;
        rest.remove_prefix(newline + 1);
    }
    return out;
}

}  // namespace danemail::smtp
