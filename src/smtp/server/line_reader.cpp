// Command-line framing for the SMTP server (RFC 5321 §2.3.8 line endings, §4.5.3.1.4 line length, RFC 4954
// §4 AUTH line length). Untrusted input: arbitrary octets, lines split anywhere across reads, bare CR and LF,
// over-long lines. No allocation per octet: the buffer is bounded by the limit and keeps its capacity.
#include "smtp/server/line_reader.h"

#include "smtp/command.h"

namespace danemail::smtp {

LineReader::LineReader(LineEndingPolicy policy, size_t command_limit, size_t auth_limit)
    : policy_(policy), command_limit_(command_limit), auth_limit_(auth_limit) {}

void LineReader::reset() {
    buffer_.clear();
    line_ = Line{};
    pending_cr_ = false;
    delivered_ = false;
}

void LineReader::append(const char* bytes, size_t count, bool sasl_response) {
    if (line_.too_long || count == 0) return;
    // Both limits count the CRLF (RFC 5321 §4.5.3.1.4).
    size_t limit = command_limit_ > 2 ? command_limit_ - 2 : 0;
    if (buffer_.size() + count > limit) {
        // The first five octets of the line, which may straddle the buffer and the new bytes.
        char head[5];
        size_t known = 0;
        for (size_t i = 0; i < buffer_.size() && known < 5; ++i) head[known++] = buffer_[i];
        for (size_t i = 0; i < count && known < 5; ++i) head[known++] = bytes[i];
        bool auth_line =
            sasl_response || (known == 5 && equals_ignoring_case(std::string_view(head, 5), "AUTH "));
        size_t auth = auth_limit_ > 2 ? auth_limit_ - 2 : 0;
        if (auth_line && auth > limit) limit = auth;
    }
    if (buffer_.size() + count > limit) {
        line_.too_long = true;
        buffer_.clear();
        return;
    }
    buffer_.append(bytes, count);
}

size_t LineReader::read(std::string_view input, bool sasl_response, bool& complete) {
    complete = false;
    if (delivered_) {
        buffer_.clear();
        line_ = Line{};
        delivered_ = false;
    }
    const char* begin = input.data();
    const char* end = begin + input.size();
    const char* p = begin;
    auto finish = [&]() {
        complete = true;
        delivered_ = true;
        line_.text = buffer_;
        return static_cast<size_t>(p - begin);
    };
    while (p < end) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (*p == '\n') {
                ++p;
                return finish();
            }
            // A bare CR: a line end when normalising (the octet after it is not consumed), else an error
            // that still waits for the line's real end.
            if (policy_ == LineEndingPolicy::Normalize) return finish();
            line_.bare_line_ending = true;
            continue;
        }
        const char* stop = p;
        while (stop < end && *stop != '\r' && *stop != '\n') ++stop;
        append(p, static_cast<size_t>(stop - p), sasl_response);
        p = stop;
        if (p == end) break;
        if (*p == '\r') {
            pending_cr_ = true;
            ++p;
            continue;
        }
        // A bare LF ends the line only when normalising. Refused, it must not end it either: what follows
        // it is not a command of its own, else a client library that strips CRLF but not LF from an
        // argument ("RCPT TO:<a>\nRCPT TO:<b>") lets its caller inject commands (RFC 5321 §2.3.8).
        ++p;
        if (policy_ == LineEndingPolicy::Normalize) return finish();
        line_.bare_line_ending = true;
    }
    return input.size();
}

}  // namespace danemail::smtp
