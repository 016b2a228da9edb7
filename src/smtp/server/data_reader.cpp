// DATA and BDAT content readers (RFC 5321 §4.1.1.4 end of data, §4.5.2 transparency, RFC 3030 chunks).
// Untrusted input: every octet the client sends after 354 or BDAT. The scans use memchr for LF and CR, so
// ordinary lines cost two vectorised searches and one append; a line break decided across two reads is
// carried in the state, never by looking back into a previous buffer.
#include "smtp/server/data_reader.h"

#include <cstring>

namespace danemail::smtp {

namespace {

constexpr char kCrlf[] = "\r\n";

const char* find_byte(const char* from, const char* to, char byte) {
    return static_cast<const char*>(std::memchr(from, byte, static_cast<size_t>(to - from)));
}

}  // namespace

void DataReader::start(std::string* sink, LineEndingPolicy policy, size_t max_size) {
    sink_ = sink;
    policy_ = policy;
    max_size_ = max_size;
    size_ = 0;
    state_ = State::LineStart;  // the DATA command's CRLF came just before
    bare_line_ending_ = false;
}

void DataReader::emit(const char* bytes, size_t count) {
    size_ += count;
    if (size_ > max_size_) return;
    if (bare_line_ending_ && policy_ == LineEndingPolicy::Reject) return;
    sink_->append(bytes, count);
}

void DataReader::bare_line_end() {
    bare_line_ending_ = true;
    if (policy_ == LineEndingPolicy::Normalize) emit(kCrlf, 2);
}

size_t DataReader::feed(std::string_view input) {
    const char* begin = input.data();
    const char* end = begin + input.size();
    const char* p = begin;
    // The next LF at or after p (or `end` when there is none), searched once per run of CRs, so a flood of
    // bare CRs costs linear time.
    const char* next_lf = nullptr;
    while (p < end && state_ != State::Done) {
        switch (state_) {
            case State::LineStart:
                if (*p == '.') {
                    ++p;
                    state_ = State::Dot;
                } else {
                    state_ = State::Text;
                }
                break;
            case State::SoftLineStart:
                if (*p == '.') {
                    ++p;
                    state_ = State::SoftDot;
                } else {
                    state_ = State::Text;
                }
                break;
            case State::Dot:
                if (*p == '\r') {
                    ++p;
                    state_ = State::DotCr;
                } else {
                    // "." LF is a line holding a dot followed by a bare LF; ".x" loses its stuffed dot.
                    if (*p == '\n') emit(".", 1);
                    state_ = State::Text;
                }
                break;
            case State::SoftDot:
                // RFC 5321 §4.5.2: the first dot goes only when other characters follow on the line.
                if (*p == '\r' || *p == '\n') emit(".", 1);
                state_ = State::Text;
                break;
            case State::DotCr:
                if (*p == '\n') {
                    ++p;
                    state_ = State::Done;  // CRLF "." CRLF: the only end of data
                } else {
                    emit(".", 1);  // CRLF "." CR x: the line was ".", its CR is bare
                    state_ = State::Cr;
                }
                break;
            case State::Text: {
                if (next_lf == nullptr || next_lf < p) {
                    next_lf = find_byte(p, end, '\n');
                    if (next_lf == nullptr) next_lf = end;
                }
                if (const char* cr = find_byte(p, next_lf, '\r')) {
                    emit(p, static_cast<size_t>(cr - p));
                    p = cr + 1;
                    state_ = State::Cr;
                    break;
                }
                emit(p, static_cast<size_t>(next_lf - p));
                p = next_lf;
                if (p < end) {  // an LF without CR
                    ++p;
                    bare_line_end();
                    state_ = State::SoftLineStart;
                }
                break;
            }
            case State::Cr:
                if (*p == '\n') {
                    ++p;
                    emit(kCrlf, 2);
                    state_ = State::LineStart;
                } else {
                    bare_line_end();  // the octet after the bare CR starts the next line
                    state_ = State::SoftLineStart;
                }
                break;
            case State::Done:
                break;
        }
    }
    return static_cast<size_t>(p - begin);
}

void BdatReader::start(std::string* sink, LineEndingPolicy policy) {
    sink_ = sink;
    policy_ = policy;
    size_ = 0;
    pending_cr_ = false;
    bare_line_ending_ = false;
}

void BdatReader::emit(const char* bytes, size_t count) {
    size_ += count;
    if (bare_line_ending_ && policy_ == LineEndingPolicy::Reject) return;
    sink_->append(bytes, count);
}

void BdatReader::bare_line_end() {
    bare_line_ending_ = true;
    if (policy_ == LineEndingPolicy::Normalize) emit(kCrlf, 2);
}

void BdatReader::append(std::string_view octets) {
    const char* p = octets.data();
    const char* end = p + octets.size();
    const char* next_lf = nullptr;
    while (p < end) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (*p == '\n') {
                ++p;
                emit(kCrlf, 2);
            } else {
                bare_line_end();
            }
            continue;
        }
        if (next_lf == nullptr || next_lf < p) {
            next_lf = find_byte(p, end, '\n');
            if (next_lf == nullptr) next_lf = end;
        }
        if (const char* cr = find_byte(p, next_lf, '\r')) {
            emit(p, static_cast<size_t>(cr - p));
            p = cr + 1;
            pending_cr_ = true;
            continue;
        }
        emit(p, static_cast<size_t>(next_lf - p));
        p = next_lf;
        if (p < end) {
            ++p;
            bare_line_end();
        }
    }
}

void BdatReader::finish() {
    if (pending_cr_) {
        pending_cr_ = false;
        bare_line_end();
    }
}

}  // namespace danemail::smtp
