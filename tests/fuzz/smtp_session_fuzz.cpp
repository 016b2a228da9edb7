// libFuzzer target for a whole SMTP server session (src/smtp/server/session.h): command framing and parsing,
// addresses, AUTH, DATA dot-unstuffing and end detection, BDAT chunks, STARTTLS. The harness plays the
// listener: it feeds the input in segments, performs every action at once with in-memory hooks, and drops
// what follows STARTTLS in its segment. Byte 0 picks the port, line-ending policy, limits and hook failures;
// byte 1 the segment size. It checks the invariants the safety rules promise: replies are well-formed, no
// delivered message holds a bare CR or LF, port 25 never relays, submission never delivers without TLS and
// login, and no Deliver happens without a DATA or BDAT that could have ended.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/server/fake_mail_hooks.h"
#include "smtp/server/session.h"

namespace {

using namespace danemail::smtp;

// Byte 0.
constexpr uint8_t kPortMask = 0x03;  // 0, 3: Mx; 1: Submission; 2: ImplicitTlsSubmission
constexpr uint8_t kNormalize = 0x04;
constexpr uint8_t kSmallLimits = 0x08;
constexpr uint8_t kDeliveryFails = 0x10;
constexpr uint8_t kAuthFailsTemporarily = 0x20;
constexpr uint8_t kLookupFailsTemporarily = 0x40;
constexpr uint8_t kNoCertificate = 0x80;

const TlsInfo kTls{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256};

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "smtp_session_fuzz: %s [%.*s]\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

// Every reply line: three digits, '-' or ' ', text without CR or LF, CRLF.
void check_wire(std::string_view output) {
    while (!output.empty()) {
        size_t end = output.find("\r\n");
        if (end == std::string_view::npos) fail("reply without CRLF", output);
        std::string_view line = output.substr(0, end);
        if (line.size() < 4) fail("short reply line", line);
        for (int i = 0; i < 3; ++i)
            if (line[i] < '0' || line[i] > '9') fail("reply code not numeric", line);
        if (line[0] < '2' || line[0] > '5') fail("reply code out of range", line);
        if (line[3] != ' ' && line[3] != '-') fail("bad reply separator", line);
        if (line.find_first_of("\r\n") != std::string_view::npos) fail("CR or LF inside a reply line", line);
        output.remove_prefix(end + 2);
    }
}

size_t count_ignoring_case(std::string_view haystack, std::string_view needle) {
    size_t count = 0;
    for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        bool match = true;
        for (size_t j = 0; j < needle.size() && match; ++j) {
            char c = haystack[i + j];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            match = c == needle[j];
        }
        count += match;
    }
    return count;
}

void check_message(const IncomingMessage& message, const SessionSettings& settings, FakeMailHooks& hooks) {
    if (message.recipients.empty()) fail("delivery without recipients");
    for (size_t i = 0; i < message.recipients.size(); ++i)
        for (size_t j = i + 1; j < message.recipients.size(); ++j)
            if (message.recipients[i] == message.recipients[j]) fail("duplicate recipient");
    if (message.id.size() != 12) fail("queue id is not 12 characters", message.id);
    if (!message.content.starts_with("Received: from ")) fail("no Received header first");
    // Under either policy, what is delivered has CRLF line endings only.
    const std::string& content = message.content;
    for (size_t i = 0; i < content.size(); ++i) {
        if (content[i] == '\r' && (i + 1 == content.size() || content[i + 1] != '\n'))
            fail("bare CR delivered");
        if (content[i] == '\n' && (i == 0 || content[i - 1] != '\r')) fail("bare LF delivered");
    }
    if (content.size() > settings.limits.max_message_size + 4096)
        fail("message over the size limit delivered");
    if (settings.port == ServicePort::Mx) {
        if (message.account) fail("authenticated on port 25");
        for (const auto& recipient : message.recipients)
            if (hooks.check_recipient(recipient).kind != RecipientKind::Local) fail("port 25 relayed");
    } else {
        if (!message.tls) fail("submission delivered without TLS");
        if (!message.account) fail("submission delivered without login");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t flags = data[0];
    const size_t segment_size = data[1];
    std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

    SessionSettings settings;
    switch (flags & kPortMask) {
        case 1:
            settings.port = ServicePort::Submission;
            break;
        case 2:
            settings.port = ServicePort::ImplicitTlsSubmission;
            break;
        default:
            settings.port = ServicePort::Mx;
            break;
    }
    settings.hostname = "mx.example.org";
    settings.starttls_available = !(flags & kNoCertificate);
    settings.bare_line_endings = flags & kNormalize ? LineEndingPolicy::Normalize : LineEndingPolicy::Reject;
    if (flags & kSmallLimits) {
        settings.limits.max_command_line = 64;
        settings.limits.max_auth_line = 128;
        settings.limits.max_recipients = 3;
        settings.limits.max_message_size = 256;
        settings.limits.max_commands = 40;
        settings.limits.max_junk_commands = 8;
        settings.limits.max_errors = 5;
        settings.limits.max_auth_failures = 2;
    }

    FakeMailHooks hooks;
    hooks.add_local("alice@example.org");
    hooks.add_local("postmaster@example.org");
    hooks.add_domain("example.net");
    hooks.add_account("carol@example.org", "secret", 7);
    if (flags & kDeliveryFails) hooks.set_delivery_reply(Reply{452, "4.3.1", "Insufficient system storage"});
    if (flags & kAuthFailsTemporarily)
        hooks.set_auth_failure(Reply{454, "4.7.0", "Temporary authentication failure"});
    if (flags & kLookupFailsTemporarily)
        hooks.set_recipient_failure(Reply{451, "4.3.0", "Temporary lookup failure"});

    std::optional<TlsInfo> tls;
    if (settings.port == ServicePort::ImplicitTlsSubmission) tls = kTls;
    Session session(settings, hooks, "192.0.2.1", tls);
    session.start();
    check_wire(session.output());
    session.output().clear();

    size_t data_replies = 0;  // 354s sent: each allows one DATA delivery
    size_t deliveries = 0;
    bool closed = false;
    const size_t step = segment_size == 0 ? (input.empty() ? 1 : input.size()) : segment_size;
    for (size_t start = 0; start < input.size() && !closed; start += step) {
        std::string_view segment = input.substr(start, step);
        size_t position = 0;
        bool segment_done = false;
        while (!segment_done) {
            size_t consumed = 0;
            SessionAction action = session.advance(segment.substr(position), consumed);
            if (consumed > segment.size() - position) fail("consumed more than the input");
            position += consumed;
            std::string output = std::move(session.output());
            session.output().clear();
            check_wire(output);
            for (size_t at = output.find("354 "); at != std::string::npos; at = output.find("354 ", at + 1))
                if (at == 0 || output[at - 1] == '\n') ++data_replies;
            switch (action) {
                case SessionAction::NeedInput:
                    if (position != segment.size()) fail("NeedInput before all input was consumed");
                    segment_done = true;
                    break;
                case SessionAction::StartTls:
                    // RFC 3207 §4.2: the 220 is the last thing said in clear.
                    if (!output.ends_with("220 2.0.0 Ready to start TLS\r\n"))
                        fail("StartTls without 220 last", output);
                    if (session.tls_active()) fail("StartTls inside TLS");
                    session.tls_started(kTls);
                    segment_done = true;  // the rest of the segment is dropped
                    break;
                case SessionAction::Authenticate: {
                    if (settings.port == ServicePort::Mx) fail("Authenticate on port 25");
                    if (!session.tls_active()) fail("Authenticate without TLS");
                    const AuthRequest& request = session.auth_request();
                    session.auth_finished(hooks.authenticate(request.user, request.password));
                    break;
                }
                case SessionAction::Deliver:
                    ++deliveries;
                    if (deliveries >
                        data_replies + count_ignoring_case(input.substr(0, start + position), "BDAT"))
                        fail("Deliver without a DATA or BDAT to end");
                    check_message(session.message(), settings, hooks);
                    session.delivery_finished(hooks.deliver(session.message()));
                    break;
                case SessionAction::Close:
                    closed = true;
                    segment_done = true;
                    break;
            }
        }
    }
    if (closed) {
        size_t consumed = 1;
        if (session.advance("NOOP\r\n", consumed) != SessionAction::Close || consumed != 0)
            fail("a closed session read on");
        if (!session.output().empty()) fail("a closed session answered");
    } else {
        session.timed_out();
        if (!session.output().starts_with("421 4.4.2 ")) fail("timeout without 421", session.output());
    }
    return 0;
}
