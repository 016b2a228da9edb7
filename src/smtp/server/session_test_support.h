// Test support for Session (session_*_test.cpp): a synchronous driver that plays the listener's part —
// feeds input, performs StartTls/Authenticate/Deliver at once with FakeMailHooks, drops what follows
// STARTTLS in the same segment — and helpers that read reply codes out of the transcript.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "smtp/server/fake_mail_hooks.h"
#include "smtp/server/session.h"

namespace danemail::smtp::testing {

inline const TlsInfo kTestTls{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256};

inline SessionSettings test_settings(ServicePort port, LineEndingPolicy policy = LineEndingPolicy::Reject) {
    SessionSettings settings;
    settings.port = port;
    settings.hostname = "mx.example.org";
    settings.starttls_available = true;
    settings.bare_line_endings = policy;
    return settings;
}

class SessionDriver {
public:
    explicit SessionDriver(ServicePort port = ServicePort::Mx,
                           LineEndingPolicy policy = LineEndingPolicy::Reject)
        : SessionDriver(test_settings(port, policy)) {}

    explicit SessionDriver(const SessionSettings& session_settings) : settings(session_settings) {
        hooks.add_local("alice@example.org");
        hooks.add_local("bob@example.org");
        hooks.add_local("Postmaster@example.org");
        hooks.add_domain("example.net");
        hooks.add_account("carol@example.org", "secret", 7);
        std::optional<TlsInfo> tls;
        if (settings.port == ServicePort::ImplicitTlsSubmission) tls = kTestTls;
        session = std::make_unique<Session>(settings, hooks, "192.0.2.1", tls);
        session->start();
        greeting = take_output();
    }

    // Feeds one segment as the listener would receive it; returns everything the session answered.
    std::string feed(std::string_view input) {
        std::string out;
        size_t position = 0;
        while (true) {
            size_t consumed = 0;
            SessionAction action = session->advance(input.substr(position), consumed);
            EXPECT_LE(consumed, input.size() - position);
            position += consumed;
            out += take_output();
            switch (action) {
                case SessionAction::NeedInput:
                    EXPECT_EQ(position, input.size());
                    return out;
                case SessionAction::StartTls:
                    ++tls_handshakes;
                    discarded += input.substr(position);
                    session->tls_started(kTestTls);
                    return out;
                case SessionAction::Authenticate: {
                    ++authentications;
                    const AuthRequest& request = session->auth_request();
                    last_auth_user = request.user;
                    last_auth_password = request.password;
                    session->auth_finished(hooks.authenticate(request.user, request.password));
                    break;
                }
                case SessionAction::Deliver:
                    session->delivery_finished(hooks.deliver(session->message()));
                    break;
                case SessionAction::Close:
                    closed = true;
                    return out;
            }
        }
    }

    // Feeds the input one octet at a time (every possible split point between reads).
    std::string feed_bytewise(std::string_view input) {
        std::string out;
        for (size_t i = 0; i < input.size() && !closed; ++i) out += feed(input.substr(i, 1));
        return out;
    }

    // EHLO on port 25; on 587 also STARTTLS, EHLO again and AUTH as carol.
    void ready() {
        feed("EHLO client.example\r\n");
        if (settings.port == ServicePort::Submission) {
            feed("STARTTLS\r\n");
            feed("EHLO client.example\r\n");
        }
        if (settings.port != ServicePort::Mx) feed("AUTH PLAIN AGNhcm9sQGV4YW1wbGUub3JnAHNlY3JldA==\r\n");
    }

    std::string take_output() {
        std::string out = std::move(session->output());
        session->output().clear();
        return out;
    }

    SessionSettings settings;
    FakeMailHooks hooks;
    std::unique_ptr<Session> session;
    std::string greeting;
    std::string discarded;  // input dropped after STARTTLS
    int tls_handshakes = 0;
    int authentications = 0;
    std::string last_auth_user;
    std::string last_auth_password;
    bool closed = false;
};

// The final line of every reply in `transcript`, shortened to its code and enhanced status: "250 2.1.0",
// "354", "334". Continuation lines ("250-...") are skipped.
inline std::vector<std::string> codes(std::string_view transcript) {
    std::vector<std::string> out;
    while (!transcript.empty()) {
        size_t end = transcript.find("\r\n");
        std::string_view line = transcript.substr(0, end);
        transcript.remove_prefix(end == std::string_view::npos ? transcript.size() : end + 2);
        if (line.size() < 4 || line[3] != ' ') continue;
        bool enhanced = line.size() >= 9 && line[4] >= '2' && line[4] <= '5' && line[5] == '.';
        if (enhanced) {
            size_t status_end = line.find(' ', 4);
            out.emplace_back(line.substr(0, status_end));
        } else {
            out.emplace_back(line.substr(0, 3));
        }
    }
    return out;
}

using Codes = std::vector<std::string>;

}  // namespace danemail::smtp::testing
