// The server side of SMTP AUTH (RFC 4954 §4) for the two mechanisms a mail client needs inside TLS: PLAIN
// (RFC 4616: [authzid] NUL authcid NUL passwd, in one step, with or without an initial response) and LOGIN
// (draft-murchison-sasl-login: "Username:", "Password:"). Untrusted input: the base64 responses. Produces the
// credentials for MailHooks::authenticate; never checks a password itself. Decoded secrets are wiped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtp/server/session.h"

namespace danemail::smtp {

enum class SaslMechanism { Plain, Login };

// "PLAIN" or "LOGIN" in any case; nullopt for every other mechanism (504 5.5.4).
std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view name);

class SaslExchange {
public:
    enum class Step {
        Challenge,    // send "334 " + challenge() and read the next response line
        Credentials,  // credentials() are ready for MailHooks::authenticate
        Cancelled,    // the client sent "*" (RFC 4954 §4): 501 5.7.0
        BadEncoding,  // the response is not base64: 501 5.5.2
        Malformed,    // decoded, but not what the mechanism expects (PLAIN without NULs): 501 5.5.2
    };

    ~SaslExchange() { clear(); }

    // Starts an exchange; `initial_response` is the AUTH command's second argument, if any ("=" for an
    // empty one, RFC 4954 §4).
    Step start(SaslMechanism mechanism, std::optional<std::string_view> initial_response);
    // The client's answer to a 334 challenge: one line without CRLF.
    Step respond(std::string_view line);

    // The base64 text of the current challenge (empty for PLAIN's "334 ").
    const std::string& challenge() const { return challenge_; }
    const AuthRequest& credentials() const { return credentials_; }
    // PLAIN's authorization identity (RFC 4616 §2); empty when the client sent none.
    const std::string& authorization_id() const { return authorization_id_; }

    // Wipes the password and forgets the exchange.
    void clear();

private:
    Step decode(std::string_view text, std::string& out);
    Step plain(std::string_view message);

    SaslMechanism mechanism_ = SaslMechanism::Plain;
    bool login_has_user_ = false;
    std::string challenge_;
    std::string authorization_id_;
    AuthRequest credentials_;
};

}  // namespace danemail::smtp
