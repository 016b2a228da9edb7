// SASL PLAIN (RFC 4616) and LOGIN for the SMTP AUTH command (RFC 4954 §4): decodes the client's base64
// responses (untrusted), splits PLAIN's NUL-separated fields and collects the user and password for the
// account check. Buffers that held a password are wiped with OPENSSL_cleanse.
#include "smtp/server/sasl.h"

#include <openssl/crypto.h>

#include "base/encoding.h"
#include "smtp/command.h"

namespace danemail::smtp {

namespace {

constexpr std::string_view kUsernameChallenge = "VXNlcm5hbWU6";  // base64("Username:")
constexpr std::string_view kPasswordChallenge = "UGFzc3dvcmQ6";  // base64("Password:")

void wipe(std::string& secret) {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

}  // namespace

std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view name) {
    if (equals_ignoring_case(name, "PLAIN")) return SaslMechanism::Plain;
    if (equals_ignoring_case(name, "LOGIN")) return SaslMechanism::Login;
    return std::nullopt;
}

void SaslExchange::clear() {
    wipe(credentials_.password);
    credentials_.user.clear();
    authorization_id_.clear();
    challenge_.clear();
    login_has_user_ = false;
}

SaslExchange::Step SaslExchange::decode(std::string_view text, std::string& out) {
    out.clear();
    if (text == "*") return Step::Cancelled;
    if (text == "=") return Step::Credentials;  // RFC 4954 §4: an empty initial response
    auto bytes = from_base64(text);
    if (!bytes) return Step::BadEncoding;
    out.assign(bytes->begin(), bytes->end());
    if (!bytes->empty()) OPENSSL_cleanse(bytes->data(), bytes->size());
    return Step::Credentials;
}

// RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd, authcid and passwd not empty.
SaslExchange::Step SaslExchange::plain(std::string_view message) {
    size_t first = message.find('\0');
    if (first == std::string_view::npos) return Step::Malformed;
    size_t second = message.find('\0', first + 1);
    if (second == std::string_view::npos) return Step::Malformed;
    if (message.find('\0', second + 1) != std::string_view::npos) return Step::Malformed;
    std::string_view user = message.substr(first + 1, second - first - 1);
    std::string_view password = message.substr(second + 1);
    if (user.empty() || password.empty()) return Step::Malformed;
    authorization_id_.assign(message.substr(0, first));
    credentials_.user.assign(user);
    credentials_.password.assign(password);
    return Step::Credentials;
}

SaslExchange::Step SaslExchange::start(SaslMechanism mechanism,
                                       std::optional<std::string_view> initial_response) {
    clear();
    mechanism_ = mechanism;
    if (initial_response) return respond(*initial_response);
    challenge_ = mechanism == SaslMechanism::Plain ? "" : std::string(kUsernameChallenge);
    return Step::Challenge;
}

SaslExchange::Step SaslExchange::respond(std::string_view line) {
    std::string decoded;
    Step step = decode(line, decoded);
    if (step != Step::Credentials) {
        wipe(decoded);
        return step;
    }
    if (mechanism_ == SaslMechanism::Plain) {
        step = plain(decoded);
        wipe(decoded);
        return step;
    }
    if (!login_has_user_) {
        if (decoded.empty()) return Step::Malformed;
        credentials_.user = std::move(decoded);
        login_has_user_ = true;
        challenge_ = std::string(kPasswordChallenge);
        return Step::Challenge;
    }
    if (decoded.empty()) return Step::Malformed;
    wipe(credentials_.password);
    credentials_.password.assign(decoded);
    wipe(decoded);
    return Step::Credentials;
}

}  // namespace danemail::smtp
