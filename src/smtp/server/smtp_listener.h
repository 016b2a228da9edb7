// The SMTP server's network side: acceptors on port 25, 587 and 465 spread over one Boost.Asio io_context
// per thread, one C++20 coroutine per connection driving a Session (session.h) — reading, writing, STARTTLS
// and implicit TLS through OpenSSL, timeouts (RFC 5321 §4.5.3.2), a cap on connections overall and per
// client address, and a growing delay after failed AUTH per client address. Password checks and deliveries
// (MailHooks: Argon2id, fsync) run on a separate blocking pool so no I/O thread ever waits on a disk.
// Everything read from a connection is untrusted; after a TLS close_notify the connection is closed — no
// byte is ever read in clear once TLS has started.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "smtp/server/mail_hooks.h"
#include "smtp/server/session.h"

namespace danemail::smtp {

struct ListenAddress {
    std::string address;  // numeric IPv4 or IPv6 ("127.0.0.1", "::1")
    uint16_t port = 25;   // 0: any free port (tests)
    ServicePort service = ServicePort::Mx;
};

struct SmtpServerConfig {
    std::vector<ListenAddress> listen;
    // Hostname, limits and the line-ending policy; `port` and `starttls_available` are set per listener.
    SessionSettings session;
    // PEM files: the certificate chain (leaf first) and its private key. Empty: no TLS, so no STARTTLS is
    // offered and an ImplicitTlsSubmission listener is a configuration error.
    std::string certificate_chain_file;
    std::string private_key_file;

    unsigned threads = 0;                    // I/O threads; 0: one per core
    unsigned blocking_threads = 32;          // for MailHooks::authenticate and deliver (fsync-bound: many)
    size_t max_connections = 2000;           // beyond: 421 4.7.0 and close
    size_t max_connections_per_client = 50;  // per client IP address (Postfix: 50): 421 4.7.0, close
    std::chrono::milliseconds command_timeout{300'000};  // RFC 5321 §4.5.3.2.7: at least 5 minutes
    std::chrono::milliseconds data_timeout{180'000};     // §4.5.3.2.5: a data block, 3 minutes
    std::chrono::milliseconds tls_handshake_timeout{30'000};
    // After the n-th failed AUTH from one client address (counted across its connections, forgotten after
    // an hour without failure) the 535 reply waits first_auth_failure_delay × 2^(n-1), at most
    // max_auth_failure_delay.
    std::chrono::milliseconds first_auth_failure_delay{500};
    std::chrono::milliseconds max_auth_failure_delay{30'000};
};

class SmtpServer {
public:
    // Loads the certificate and key, binds and listens; nothing is accepted until start(). Errors name the
    // file or the address.
    static Result<std::unique_ptr<SmtpServer>> open(const SmtpServerConfig& config, MailHooks& hooks);
    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;
    ~SmtpServer();

    void start();
    // Stops accepting, closes open connections, waits for the blocking pool and joins every thread;
    // idempotent. A delivery in progress completes (its client gets no reply, and retries).
    void stop();

    // Reloads the certificate chain and key (SIGHUP after a renewal); new connections use the new ones.
    Status reload_certificate();

    // The port the i-th listen address is bound to (useful when it was given as 0).
    uint16_t port(size_t index) const;
    size_t open_connections() const { return connections_.load(); }

private:
    struct State;
    explicit SmtpServer(MailHooks& hooks);

    MailHooks& hooks_;
    std::atomic<size_t> connections_{0};
    std::unique_ptr<State>
        state_;  // io_contexts, acceptors, TLS context, blocking pool (Asio stays out of here)
    std::vector<std::thread> threads_;
};

}  // namespace danemail::smtp
