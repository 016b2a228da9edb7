// DNS messages (RFC 1035 §4.1): header, question, answer/authority/additional sections, with the OPT
// pseudo-RR (RFC 6891) lifted out into an Edns. parse_message reads untrusted network input and rejects
// anything malformed; MessageBuilder writes messages with name compression (RFC 1035 §4.1.4, RFC 3597 §4)
// inside a size limit, truncating with TC as RFC 2181 §9 and RFC 6891 §7 describe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/edns.h"
#include "dns/name.h"
#include "dns/record.h"
#include "dns/types.h"

namespace danemail::dns {

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxUdpSizeWithoutEdns = 512;  // RFC 1035 §4.2.1
inline constexpr size_t kMaxMessageSize = 65535;       // TCP length prefix, RFC 1035 §4.2.2

// OPCODE (RFC 1035 §4.1.1, RFC 1996 NOTIFY, RFC 2136 UPDATE, RFC 8490 DSO). Other values are kept as read.
enum class Opcode : uint8_t { Query = 0, IQuery = 1, Status = 2, Notify = 4, Update = 5, Dso = 6 };

// RCODE, 12 bits with EDNS (RFC 6891 §6.1.3); 16 means BADVERS with OPT and BADSIG with TSIG (RFC 8945).
enum class Rcode : uint16_t {
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
    YxDomain = 6,
    YxRrset = 7,
    NxRrset = 8,
    NotAuth = 9,
    NotZone = 10,
    BadVers = 16,
    BadCookie = 23,  // RFC 7873
};

std::string opcode_to_text(Opcode opcode);  // "QUERY", or "OPCODE3" for unassigned values
std::string rcode_to_text(Rcode rcode);     // "NXDOMAIN", or "RCODE12" for values without a mnemonic

struct Header {
    uint16_t id = 0;
    bool qr = false;  // a response
    Opcode opcode = Opcode::Query;
    bool aa = false;  // authoritative answer
    bool tc = false;  // truncated
    bool rd = false;  // recursion desired
    bool ra = false;  // recursion available
    bool z = false;   // reserved: zero on sending, ignored on receipt
    bool ad = false;  // authentic data (RFC 4035 §3.2.3)
    bool cd = false;  // checking disabled (RFC 4035 §3.2.2)
    // The whole RCODE: the low 4 bits travel in the header, the upper 8 in the OPT record (RFC 6891 §6.1.3).
    // A parsed message has them merged; a builder splits them again.
    Rcode rcode = Rcode::NoError;
};

struct Question {
    Name name;
    RRType type;
    RRClass rclass = rrclass::IN;
};

enum class Section : uint8_t { Answer, Authority, Additional };

struct Message {
    Header header;
    std::vector<Question> questions;
    std::vector<Record> answer;
    std::vector<Record> authority;
    std::vector<Record> additional;  // without the OPT record; a TSIG record stays here, last (RFC 8945 §5.1)
    std::optional<Edns> edns;

    std::vector<Record>& section(Section which);
    const std::vector<Record>& section(Section which) const;
    // The TSIG record ending the additional section, or nullptr.
    const Record* tsig() const;
};

// Reads only the 12-byte header (its RCODE without extended bits): enough to answer FORMERR to a message
// that parse_message rejects. Fails only when fewer than 12 bytes arrived.
Result<Header> parse_header(ByteView wire);

// Parses a whole message from untrusted bytes. Rejects, with an error naming the byte offset: counts that
// disagree with the data, bad names or compression pointers (via Name::read), RDATA that does not fit its
// type (via read_rdata; empty RDATA is allowed with class ANY or NONE, RFC 2136 §2.5), an OPT record outside
// the additional section, a second OPT or one not owned by the root (RFC 6891 §6.1.1), a TSIG that is not the
// last record (RFC 8945 §5.1), and trailing bytes. A server answers all of these with FORMERR.
Result<Message> parse_message(ByteView wire);

// Builds the wire form of `message` in a fresh buffer, truncating (TC set) at `max_size`.
Result<Bytes> message_to_wire(const Message& message, size_t max_size = kMaxMessageSize);

// Multi-line text in the style of dig, for logs and tests.
std::string message_to_text(const Message& message);

// Writes one message into a caller's buffer, for the server's hot path: the only heap memory it touches is
// that buffer (reserved once; reuse it across messages), and compression uses a fixed table inside the
// builder.
//
// Order of calls: add_question (any number), set_edns (once, optional), add_record/add_rrset section by
// section (answer, then authority, then additional), finish. A record that does not fit is left out whole; in
// the answer and authority sections that also sets TC and closes the builder, so every later add returns
// false (RFC 2181 §9). In the additional section a record that does not fit is only left out: TC is not set
// for additional data (RFC 2181 §9, RFC 4035 §3.1.1); call set_truncated() where a rule demands TC anyway
// (RFC 9471 glue). The OPT record's space is reserved by set_edns, so it is always included (RFC 6891 §7).
class MessageBuilder {
public:
    // Starts a message in `out` (cleared; capacity kept). `max_size` is clamped to 12..65535.
    MessageBuilder(Bytes& out, const Header& header, size_t max_size = kMaxMessageSize);
    MessageBuilder(const MessageBuilder&) = delete;
    MessageBuilder& operator=(const MessageBuilder&) = delete;

    // The header to write; may change until finish(). Counts, TC and the RCODE split are filled in then.
    Header& header() { return header_; }

    bool add_question(const Question& question);
    // Reserves room for the OPT record and writes it at the end of the additional section (before a TSIG).
    // `edns` must stay alive until finish(). False when even the OPT alone does not fit.
    bool set_edns(const Edns& edns);
    // Adds one record, compressing its owner and the embedded names RFC 3597 §4 allows. False if it did not
    // fit.
    bool add_record(Section section, const Record& record);
    // Adds all of `records` or none of them (an RRset and its RRSIGs should not be split).
    bool add_rrset(Section section, std::span<const Record> records);
    // Sets TC and closes the builder.
    void set_truncated();

    // Writes the header and OPT record. Errors on misuse: sections out of order, a record after a TSIG, an
    // OPT passed as a record, or an RCODE above 15 without EDNS. On success `out` holds the whole message.
    Status finish();

    bool truncated() const { return truncated_; }
    size_t size() const { return out_.size(); }

private:
    static constexpr size_t kCompressionSlots = 128;
    // A name (or name suffix) already in the output that a compression pointer may target.
    struct CompressionTarget {
        uint32_t hash;        // of the uncompressed suffix bytes
        uint16_t offset;      // where its first label starts in the message (< 0x4000)
        uint8_t wire_length;  // of the uncompressed suffix
    };
    // State to roll back to when a record or RRset does not fit.
    struct Mark {
        size_t size;
        size_t targets;
        std::array<uint16_t, 3> counts;
    };

    Mark mark() const { return {out_.size(), target_count_, section_counts_}; }
    void rollback(const Mark& m);
    bool enter_section(Section section);
    bool write_record(const Record& record);
    void write_name(std::string_view wire, bool compress);
    void write_rdata(const Record& record);
    void write_opt();
    size_t find_target(const uint8_t* suffix, size_t length, uint32_t hash) const;
    void put16(uint16_t value);
    void put32(uint32_t value);
    void fail(const char* what);

    Bytes& out_;
    Header header_;
    size_t max_size_;
    size_t limit_;  // max_size_ less the space reserved for the OPT record
    const Edns* edns_ = nullptr;
    size_t opt_ttl_offset_ = 0;  // where the OPT TTL (extended RCODE) sits once written; 0 if not yet
    uint16_t question_count_ = 0;
    std::array<uint16_t, 3> section_counts_{};
    int current_section_ = -1;  // -1 while still in the question section
    bool truncated_ = false;
    bool closed_ = false;  // truncated, or a TSIG was written: nothing more goes in
    bool tsig_written_ = false;
    const char* misuse_ = nullptr;
    size_t target_count_ = 0;
    std::array<CompressionTarget, kCompressionSlots> targets_;
};

}  // namespace danemail::dns
