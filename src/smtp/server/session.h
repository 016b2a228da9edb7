// One SMTP server session as a state machine without I/O (RFC 5321, with ESMTP extensions PIPELINING RFC
// 2920, SIZE RFC 1870, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, ENHANCEDSTATUSCODES RFC 2034, STARTTLS RFC 3207,
// CHUNKING/BDAT RFC 3030, AUTH PLAIN/LOGIN RFC 4954 + RFC 4616). The driver (smtp_listener.cpp) feeds it the
// bytes read from the client — already decrypted — and performs what it asks for: write its output, start
// TLS, check a password, deliver a message, close. Everything it reads is untrusted; this is what the fuzz
// target drives.
//
// The safety rules live here:
// - Only CRLF ends a line. DATA ends only at CRLF "." CRLF; the smuggling endings (LF.LF, LF.CRLF, CRLF.LF,
//   CR.CR, CRLF.CR CRLF) never do. A bare CR or LF in a command or in message content is rejected (the
//   message gets 550 5.6.0 once its real end arrives) or, with LineEndingPolicy::Normalize, turned into CRLF.
// - STARTTLS: the 220 is the last thing said in clear; the driver discards every byte the client pipelined
//   after the command, and tls_started() forgets everything (HELO, envelope, authentication) — RFC 3207 §4.2.
// - Submission ports: no AUTH and no MAIL before TLS (530 5.7.0); AUTH only inside TLS; MAIL only after
//   AUTH, and only with an address the account may use (553 5.7.1). Port 25 never relays (554 5.7.1).
// - Limits: command line length (RFC 5321 §4.5.3.1.4, 512 octets, 12288 for AUTH lines per RFC 4954 §4),
//   recipients, message size (SIZE and while reading), commands and errors per session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/server/mail_hooks.h"

namespace danemail::smtp {

// Which service a listener offers (RFC 8314 for the two submission ports).
enum class ServicePort {
    Mx,                     // 25: mail from other providers; STARTTLS offered, never required; no AUTH
    Submission,             // 587: STARTTLS required before AUTH and MAIL; AUTH required before MAIL
    ImplicitTlsSubmission,  // 465: TLS from the first byte; AUTH required before MAIL
};

enum class LineEndingPolicy {
    Reject,     // a bare CR or LF: 500 5.5.2 for a command line, 550 5.6.0 for a message
    Normalize,  // a bare CR or LF becomes CRLF (it still never ends DATA)
};

struct SessionLimits {
    size_t max_command_line = 512;        // octets including CRLF, RFC 5321 §4.5.3.1.4
    size_t max_auth_line = 12288;         // RFC 4954 §4
    size_t max_recipients = 100;          // RFC 5321 §4.5.3.1.8 requires at least 100
    size_t max_message_size = 50u << 20;  // octets of content, advertised with SIZE
    // Commands, and NOOP/RSET/VRFY/EXPN/HELP, since the session began or its last accepted message: then
    // 421 4.7.0 and close. Sessions that deliver mail may run long (connection reuse); idle chatter may not.
    size_t max_commands = 1000;
    size_t max_junk_commands = 100;
    size_t max_errors = 10;        // 4xx/5xx replies to commands per session: then 421 and close
    size_t max_auth_failures = 3;  // per session: then 421 4.7.0 and close
};

struct SessionSettings {
    ServicePort port = ServicePort::Mx;
    std::string hostname;             // ours: in the greeting, EHLO reply and Received header
    bool starttls_available = false;  // a certificate is loaded (ImplicitTlsSubmission: TLS is already on)
    LineEndingPolicy bare_line_endings = LineEndingPolicy::Reject;
    SessionLimits limits;
};

// What the driver must do before feeding more input.
enum class SessionAction {
    NeedInput,     // everything given was consumed: write output(), then read more
    StartTls,      // write output() (the 220), discard all input not consumed, handshake, call tls_started()
    Authenticate,  // call MailHooks::authenticate(auth_request()) off the I/O thread, then auth_finished()
    Deliver,       // call MailHooks::deliver(message()) off the I/O thread, then delivery_finished()
    Close,         // write output(), then close the connection
};

struct AuthRequest {
    std::string user;  // the authentication identity (RFC 4616 authcid)
    std::string password;
};

class Session {
public:
    // `client_address` is the peer's numeric address. For ImplicitTlsSubmission pass the established TLS.
    Session(const SessionSettings& settings, MailHooks& hooks, std::string client_address,
            std::optional<TlsInfo> tls = std::nullopt);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Queues the 220 greeting in output().
    void start();

    // Consumes bytes read from the client. Returns the next action and sets `consumed` to the number of
    // bytes used: all of `input` for NeedInput, fewer when an action must happen first — feed the rest
    // after it (except after StartTls and Close, when the rest is dropped). Partial lines are kept inside.
    SessionAction advance(std::string_view input, size_t& consumed);

    // Replies queued for the client; the driver writes and clears it.
    std::string& output();

    void tls_started(const TlsInfo& tls);
    const AuthRequest& auth_request() const;
    void auth_finished(const AuthResult& result);
    const IncomingMessage& message() const;
    void delivery_finished(const Reply& reply);

    // The client was silent too long (RFC 5321 §4.5.3.2): queues 421 4.4.2; the driver closes.
    void timed_out();

    bool tls_active() const;
    // Message content (DATA or a BDAT chunk) is being read: the driver waits for it with the data timeout.
    bool reading_message() const;
    // Failed AUTH attempts in this session (the driver's per-address delay uses its own count).
    size_t auth_failures() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace danemail::smtp
