// Message content as the SMTP server receives it. DataReader reads after DATA (RFC 5321 §4.1.1.4): it ends
// only at CRLF "." CRLF and removes dot-stuffing (§4.5.2); the smuggling endings LF.LF, LF.CRLF, CRLF.LF,
// CR.CR and CRLF.CR CRLF never end it (CVE-2023-51764/5/6). BdatReader filters BDAT chunks (RFC 3030), which
// carry raw octets: no dots, no end marker, but the same line-ending policy, with a CR at the end of one
// chunk and an LF at the start of the next making one CRLF. Both read untrusted octets at memchr speed and
// append the content once, to the message's own buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "smtp/server/session.h"

namespace danemail::smtp {

class DataReader {
public:
    // Starts a message whose content is appended to `*sink` (which may already hold the Received header).
    // After `max_size` content octets nothing more is kept, but reading goes on to the end.
    void start(std::string* sink, LineEndingPolicy policy, size_t max_size);

    // Consumes `input` up to and including the final CRLF "." CRLF; returns the octets consumed. Once
    // finished(), the rest of the input belongs to the next command.
    size_t feed(std::string_view input);

    bool finished() const { return state_ == State::Done; }
    // A bare CR or LF was seen. With LineEndingPolicy::Reject the message must be refused (550 5.6.0) and
    // the sink holds only what came before it.
    bool bare_line_ending() const { return bare_line_ending_; }
    bool too_big() const { return size_ > max_size_; }
    // Content octets after unstuffing (and normalisation), counted past the limit too.
    size_t size() const { return size_; }

private:
    enum class State {
        LineStart,      // after a CRLF (or the DATA command): "." may start the end marker or a stuffed dot
        SoftLineStart,  // after a normalised bare CR or LF: a stuffed dot is removed, but nothing ends here
        Dot,            // "." at a LineStart
        SoftDot,        // "." at a SoftLineStart
        DotCr,          // "." CR at a LineStart: an LF now ends the message
        Text,           // inside a line
        Cr,             // a CR inside a line; its successor decides
        Done,
    };

    void emit(const char* bytes, size_t count);
    void bare_line_end();

    std::string* sink_ = nullptr;
    LineEndingPolicy policy_ = LineEndingPolicy::Reject;
    size_t max_size_ = 0;
    size_t size_ = 0;
    State state_ = State::Done;
    bool bare_line_ending_ = false;
};

class BdatReader {
public:
    // Starts a message whose content is appended to `*sink` (which may already hold the Received header).
    void start(std::string* sink, LineEndingPolicy policy);
    // Appends octets of a chunk; chunks and parts of chunks may be split anywhere.
    void append(std::string_view octets);
    // After the LAST chunk: a CR still waiting for its LF was bare.
    void finish();

    bool bare_line_ending() const { return bare_line_ending_; }
    size_t size() const { return size_; }  // content octets appended (after normalisation)

private:
    void emit(const char* bytes, size_t count);
    void bare_line_end();

    std::string* sink_ = nullptr;
    LineEndingPolicy policy_ = LineEndingPolicy::Reject;
    size_t size_ = 0;
    bool pending_cr_ = false;
    bool bare_line_ending_ = false;
};

}  // namespace danemail::smtp
