// The SMTP server's network side (smtp_listener.h) on Boost.Asio with C++20 coroutines: acceptors, one
// coroutine per connection feeding a Session and doing what it asks — replies in one write per batch
// (RFC 2920), STARTTLS (RFC 3207) and implicit TLS (RFC 8314 §3.3), hooks on the blocking pool, the AUTH
// delay — and a watchdog for the timeouts (RFC 5321 §4.5.3.2). Everything read is untrusted; bytes sent
// after STARTTLS are dropped, and once TLS is on the raw socket is never read again (RFC 3207 §4.2).
#include "smtp/server/smtp_listener.h"

#include <fmt/core.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <functional>
#include <mutex>
#include <optional>

#include "smtp/server/auth_throttle.h"
#include "smtp/server/connection_limits.h"
#include "tls/server_context.h"

namespace danemail::smtp {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

namespace {

// Plain connections read into one buffer per I/O thread (waiting for readability first, so an idle
// connection holds no buffer); TLS connections need their own, as asio's stream reads into it while
// suspended. 8 KiB per TLS connection is small beside what OpenSSL and asio's stream keep for it.
constexpr size_t kThreadReadBuffer = 64 * 1024;
constexpr size_t kTlsReadBuffer = 8 * 1024;
// After a timeout, the 421 and the TLS close_notify get this long before the socket is simply closed.
constexpr std::chrono::seconds kClosingGrace{5};
constexpr std::chrono::milliseconds kAcceptPause{100};

// One acceptor and the session settings of its service.
struct Listener {
    tcp::acceptor acceptor;
    SessionSettings settings;  // with `port` and `starttls_available` set for this listener
    uint16_t port = 0;         // as bound, for the log
};

// The current TLS context; reload_certificate() swaps it while connections keep the one they started with.
class TlsContextHolder {
public:
    std::shared_ptr<ssl::context> get() const {
        std::lock_guard lock(mutex_);
        return context_;
    }
    void set(tls::SslCtxPtr native) {
        auto context = std::make_shared<ssl::context>(native.release());  // takes over the SSL_CTX
        std::lock_guard lock(mutex_);
        context_ = std::move(context);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<ssl::context> context_;
};

// What every connection of the server shares; outlives all of their coroutines.
struct Service {
    const SmtpServerConfig& config;
    MailHooks& hooks;
    ConnectionLimits& limits;
    AuthThrottle& throttle;
    TlsContextHolder& tls;
    asio::thread_pool& blocking;
};

std::string endpoint_text(const tcp::endpoint& endpoint) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
}

// One client connection. Its driver and its watchdog run on the connection's io_context (one thread),
// so nothing here needs a lock; the blocking pool only ever sees the Session's request or message.
struct Connection {
    Connection(tcp::socket accepted, const Service& service_in, const Listener& listener_in,
               char* thread_buffer)
        : service(service_in),
          listener(listener_in),
          socket(std::move(accepted)),
          shared_input(thread_buffer),
          watchdog_timer(socket.get_executor(), Clock::time_point::max()) {}
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const Service& service;
    const Listener& listener;
    tcp::socket socket;
    std::shared_ptr<ssl::context> tls_context;  // the context this connection's TLS was made from
    std::optional<ssl::stream<tcp::socket&>> tls;
    std::vector<char> tls_input;
    char* shared_input;   // this thread's read buffer (kThreadReadBuffer bytes), for plain reads
    std::string pending;  // unconsumed input from shared_input kept while the session waits for an action
    asio::steady_timer watchdog_timer;
    Clock::time_point deadline = Clock::time_point::max();
    bool timed_out = false;  // the watchdog cancelled what was waiting
    bool closed = false;
    bool tls_unusable = false;    // the peer closed TLS or it failed: no close_notify from us
    ConnectionLimits::Slot slot;  // this connection's place under the limits, until the session ends
    std::string client_address;   // numeric, for the Session and the limits
    std::string peer;             // "[address]:port", for the log
    std::string end_reason = "client closed";
    size_t bytes_in = 0;
    size_t bytes_out = 0;
    size_t messages = 0;

    // The next operation must finish within `timeout`.
    void arm(std::chrono::milliseconds timeout) {
        deadline = Clock::now() + timeout;
        if (watchdog_timer.expiry() > deadline) watchdog_timer.expires_at(deadline);  // wakes the watchdog
    }
    // No deadline while the server itself is busy (blocking pool, AUTH delay).
    void disarm() { deadline = Clock::time_point::max(); }

    void close() {
        if (closed) return;
        closed = true;
        ErrorCode ignored;
        socket.close(ignored);
        watchdog_timer.cancel();
    }
};

// RFC 5321 §4.5.3.2: a client silent past its deadline first has what it waits on cancelled (the driver
// then writes 421 4.4.2); if even that does not finish within the grace period, the socket is closed.
asio::awaitable<void> watchdog(std::shared_ptr<Connection> connection) {
    Connection& c = *connection;
    while (!c.closed) {
        if (Clock::now() >= c.deadline) {
            if (c.timed_out) {
                c.close();
                co_return;
            }
            c.timed_out = true;
            c.end_reason = "timeout";
            c.deadline = Clock::now() + kClosingGrace;
            ErrorCode ignored;
            c.socket.cancel(ignored);
        }
        c.watchdog_timer.expires_at(c.deadline);
        ErrorCode ec;  // operation_aborted: the deadline moved or the connection closed
        co_await c.watchdog_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

// Writes and clears `output`; false when the connection is no longer usable.
asio::awaitable<bool> write_output(Connection& c, std::string& output) {
    if (output.empty() || c.closed) co_return !c.closed;
    ErrorCode ec;
    if (!c.timed_out) c.arm(c.service.config.command_timeout);
    if (c.tls) {
        co_await asio::async_write(*c.tls, asio::buffer(output),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) c.tls_unusable = true;
    } else {
        // A batch of replies nearly always fits the socket buffer: one non-blocking send, without a round
        // through the scheduler; the rest, if any, is written asynchronously.
        size_t sent = c.socket.write_some(asio::buffer(output), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again || (!ec && sent < output.size())) {
            ec.clear();
            co_await asio::async_write(c.socket, asio::buffer(output.data() + sent, output.size() - sent),
                                       asio::redirect_error(asio::use_awaitable, ec));
        }
    }
    c.bytes_out += output.size();
    output.clear();
    if (ec) {
        if (!c.timed_out) c.end_reason = "write failed: " + ec.message();
        co_return false;
    }
    co_return true;
}

// Reads the client's next bytes into `input`; false on EOF, error or timeout (`timed_out` says which).
// While a message is arriving the wait for each block is `data_timeout` (RFC 5321 §4.5.3.2.5), else
// `command_timeout` (§4.5.3.2.7).
asio::awaitable<bool> read_input(Connection& c, std::string_view& input, bool reading_message) {
    ErrorCode ec;
    c.arm(reading_message ? c.service.config.data_timeout : c.service.config.command_timeout);
    if (c.tls) {
        size_t got = co_await c.tls->async_read_some(asio::buffer(c.tls_input),
                                                     asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
            input = std::string_view(c.tls_input.data(), got);
            c.bytes_in += got;
            co_return true;
        }
        // A close_notify (eof), a TCP close without one (stream_truncated) or any TLS error: the connection
        // ends here — nothing after the TLS session is ever read in clear.
        c.tls_unusable = true;
        if (!c.timed_out)
            c.end_reason = ec == asio::error::eof ? "TLS closed by the client" : "TLS read: " + ec.message();
        co_return false;
    }
    for (;;) {
        co_await c.socket.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        size_t got = c.socket.read_some(asio::buffer(c.shared_input, kThreadReadBuffer), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
        if (ec) break;
        input = std::string_view(c.shared_input, got);
        c.bytes_in += got;
        co_return true;
    }
    if (!c.timed_out) c.end_reason = ec == asio::error::eof ? "client closed" : "read: " + ec.message();
    co_return false;
}

// Input the session has not consumed yet must survive a suspension: the thread's buffer will be reused.
void keep_pending(Connection& c, std::string_view& input) {
    std::less<const char*> before;
    if (input.empty() || before(input.data(), c.shared_input) ||
        !before(input.data(), c.shared_input + kThreadReadBuffer))
        return;
    c.pending.assign(input);
    input = c.pending;
}

// Hands the connection to TLS: handshake within tls_handshake_timeout; then every byte goes through it.
asio::awaitable<std::optional<TlsInfo>> start_tls(Connection& c) {
    c.tls_context = c.service.tls.get();
    if (!c.tls_context) {
        c.end_reason = "no TLS certificate loaded";
        co_return std::nullopt;
    }
    c.tls.emplace(c.socket, *c.tls_context);
    c.arm(c.service.config.tls_handshake_timeout);
    ErrorCode ec;
    co_await c.tls->async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        c.tls_unusable = true;
        c.end_reason = c.timed_out ? "TLS handshake timed out" : "TLS handshake failed: " + ec.message();
        co_return std::nullopt;
    }
    SSL* ssl = c.tls->native_handle();
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    TlsInfo info{SSL_get_version(ssl), SSL_CIPHER_get_name(cipher), SSL_CIPHER_get_bits(cipher, nullptr)};
    fmt::print(stderr, "smtp: TLS established {} {} with {}\n", info.version, info.cipher, c.peer);
    c.tls_input.resize(kTlsReadBuffer);
    co_return info;
}

asio::awaitable<AuthResult> authenticate_on_pool(MailHooks& hooks, const AuthRequest& request) {
    co_return hooks.authenticate(request.user, request.password);
}

asio::awaitable<Reply> deliver_on_pool(MailHooks& hooks, const IncomingMessage& message) {
    co_return hooks.deliver(message);
}

// Runs the session until it closes or the connection fails. Returns with `end_reason` set.
asio::awaitable<void> drive_session(Connection& c, std::optional<TlsInfo> implicit_tls) {
    const Service& service = c.service;
    Session session(c.listener.settings, service.hooks, c.client_address, std::move(implicit_tls));
    session.start();
    std::string_view input;
    for (;;) {
        size_t consumed = 0;
        SessionAction action = session.advance(input, consumed);
        input.remove_prefix(std::min(consumed, input.size()));
        switch (action) {
            case SessionAction::NeedInput:
                std::string().swap(c.pending);  // consumed: give its memory back
                input = {};
                if (!co_await write_output(c, session.output())) co_return;
                if (!co_await read_input(c, input, session.reading_message())) {
                    if (c.timed_out && !c.closed) {
                        session.timed_out();
                        co_await write_output(c, session.output());
                    }
                    co_return;
                }
                break;
            case SessionAction::StartTls: {
                if (!co_await write_output(c, session.output())) co_return;
                // RFC 3207 §4.2: whatever the client pipelined after STARTTLS was said in clear and is
                // dropped unread; the session forgets everything it learnt before TLS.
                input = {};
                std::string().swap(c.pending);
                std::optional<TlsInfo> info = co_await start_tls(c);
                if (!info) co_return;
                session.tls_started(*info);
                break;
            }
            case SessionAction::Authenticate: {
                keep_pending(c, input);
                c.disarm();
                AuthResult result = co_await asio::co_spawn(
                    service.blocking, authenticate_on_pool(service.hooks, session.auth_request()),
                    asio::use_awaitable);
                if (!result.account && !result.temporary_failure) {
                    // RFC 4954 §4 leaves guessing to the server: the 535 waits longer with every failure from
                    // this client, whichever connection it comes on.
                    asio::steady_timer delay(c.socket.get_executor(),
                                             service.throttle.record_failure(c.client_address));
                    ErrorCode ignored;
                    co_await delay.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
                    fmt::print(stderr, "smtp: authentication failed for {}\n", c.peer);
                }
                session.auth_finished(result);
                break;
            }
            case SessionAction::Deliver: {
                keep_pending(c, input);
                c.disarm();
                Reply reply = co_await asio::co_spawn(
                    service.blocking, deliver_on_pool(service.hooks, session.message()), asio::use_awaitable);
                if (reply.positive()) ++c.messages;
                session.delivery_finished(reply);
                break;
            }
            case SessionAction::Close:
                // The place is given back before the last reply goes out: a client that reconnects as
                // soon as it reads 221 must not find its own closing connection still counted.
                c.slot.release();
                c.end_reason = "session ended";
                co_await write_output(c, session.output());
                co_return;
        }
    }
}

// Sends our close_notify without waiting for the client's (RFC 8446 §6.1 allows closing the write side
// alone), within the grace period, then closes the socket.
asio::awaitable<void> close_connection(Connection& c) {
    if (c.tls && !c.tls_unusable && !c.closed) {
        SSL_set_shutdown(c.tls->native_handle(), SSL_RECEIVED_SHUTDOWN);
        c.deadline = Clock::now() + kClosingGrace;
        c.timed_out = true;  // a second expiry closes the socket
        c.watchdog_timer.expires_at(c.deadline);
        ErrorCode ignored;
        co_await c.tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
    }
    c.close();
}

void refuse(tcp::socket& socket, const std::string& peer, const Listener& listener, Admission admission) {
    const char* why = admission == Admission::ServerFull ? "server" : "client";
    fmt::print(stderr, "smtp: refused {} to {}: too many connections ({})\n", peer, listener.port, why);
    if (listener.settings.port != ServicePort::ImplicitTlsSubmission) {
        // RFC 5321 §3.8: 421 and close. Not on 465, where a TLS client could not read it anyway.
        const std::string& hostname =
            listener.settings.hostname.empty() ? "localhost" : listener.settings.hostname;
        std::string reply = "421 4.7.0 " + hostname + " Too many connections\r\n";
        ErrorCode ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(reply), ignored);
    }
    ErrorCode ignored;
    socket.close(ignored);
}

asio::awaitable<void> serve_connection(tcp::socket accepted, const Service& service, const Listener& listener,
                                       char* thread_buffer) {
    ErrorCode ec;
    tcp::endpoint remote = accepted.remote_endpoint(ec);
    if (ec) co_return;  // already gone
    std::string client_address = remote.address().to_string();
    std::string peer = endpoint_text(remote);
    ConnectionLimits::Slot slot;
    if (Admission admission = service.limits.admit(client_address, slot); admission != Admission::Admitted) {
        refuse(accepted, peer, listener, admission);
        co_return;
    }
    fmt::print(stderr, "smtp: connect from {} to {}\n", peer, listener.port);

    auto connection = std::make_shared<Connection>(std::move(accepted), service, listener, thread_buffer);
    Connection& c = *connection;
    c.slot = std::move(slot);
    c.client_address = std::move(client_address);
    c.peer = std::move(peer);
    c.socket.non_blocking(true, ec);
    c.socket.set_option(tcp::no_delay(true), ec);  // replies are batched here, not by Nagle
    asio::co_spawn(c.socket.get_executor(), watchdog(connection), asio::detached);

    bool failed = false;
    try {
        std::optional<TlsInfo> implicit_tls;
        if (listener.settings.port == ServicePort::ImplicitTlsSubmission)
            implicit_tls = co_await start_tls(c);
        if (listener.settings.port != ServicePort::ImplicitTlsSubmission || implicit_tls)
            co_await drive_session(c, std::move(implicit_tls));
    } catch (const std::exception& error) {  // the session boundary (STYLE.md rule 5)
        c.end_reason = std::string("internal error: ") + error.what();
        failed = true;
    }
    if (failed) c.tls_unusable = true;
    co_await close_connection(c);
    fmt::print(stderr, "smtp: disconnect from {} messages={} in={} out={} ({})\n", c.peer, c.messages,
               c.bytes_in, c.bytes_out, c.end_reason);
}

using Contexts = std::vector<std::unique_ptr<asio::io_context>>;
using ReadBuffers = std::vector<std::unique_ptr<char[]>>;

// Runs on contexts[0]; `next_context` is shared by the accept loops of every listener (same thread).
asio::awaitable<void> accept_loop(Listener& listener, const Contexts& contexts, const ReadBuffers& buffers,
                                  size_t& next_context, const Service& service) {
    for (;;) {
        size_t index = next_context++ % contexts.size();
        ErrorCode ec;
        tcp::socket socket = co_await listener.acceptor.async_accept(
            contexts[index]->get_executor(), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (!listener.acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
            if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                ec == asio::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system) {
                // Out of descriptors or memory: the connection stays in the backlog; pause, do not spin.
                fmt::print(stderr, "smtp: accept on port {}: {}\n", listener.port, ec.message());
                asio::steady_timer pause(listener.acceptor.get_executor(), kAcceptPause);
                co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            continue;
        }
        asio::co_spawn(*contexts[index],
                       serve_connection(std::move(socket), service, listener, buffers[index].get()),
                       asio::detached);
    }
}

}  // namespace

struct SmtpServer::State {
    State(const SmtpServerConfig& server_config, MailHooks& hooks, std::atomic<size_t>& connections)
        : config(server_config),
          limits(config.max_connections, config.max_connections_per_client, connections),
          throttle(config.first_auth_failure_delay, config.max_auth_failure_delay),
          blocking(std::max(1u, config.blocking_threads)),
          service{config, hooks, limits, throttle, tls, blocking} {
        if (config.threads == 0) config.threads = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < config.threads; ++i) {
            contexts.push_back(std::make_unique<asio::io_context>(1));  // each run by one thread
            read_buffers.push_back(std::make_unique<char[]>(kThreadReadBuffer));
        }
    }
    // The acceptors live on contexts[0] and accept into sockets of every context: they go first, then the
    // contexts (destroying the coroutines of open connections), then what those coroutines used.
    ~State() {
        listeners.clear();
        for (auto& context : contexts) context.reset();
    }

    SmtpServerConfig config;  // `threads` resolved
    ConnectionLimits limits;
    AuthThrottle throttle;
    TlsContextHolder tls;
    asio::thread_pool blocking;
    Service service;
    ReadBuffers read_buffers;
    Contexts contexts;
    std::vector<Listener> listeners;
    size_t next_context = 0;
};

SmtpServer::SmtpServer(MailHooks& hooks) : hooks_(hooks) {}

SmtpServer::~SmtpServer() {
    stop();
}

namespace {

Status check_config(const SmtpServerConfig& config) {
    if (config.listen.empty()) return make_error("smtp: no listen address");
    bool has_tls = !config.certificate_chain_file.empty() || !config.private_key_file.empty();
    if (has_tls && (config.certificate_chain_file.empty() || config.private_key_file.empty()))
        return make_error("smtp: TLS needs both a certificate chain file and a private key file");
    for (const ListenAddress& listen : config.listen) {
        if (listen.service == ServicePort::ImplicitTlsSubmission && !has_tls)
            return make_error(
                fmt::format("smtp: [{}]:{}", listen.address, listen.port),
                "implicit TLS (RFC 8314) needs a certificate chain file and a private key file");
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<SmtpServer>> SmtpServer::open(const SmtpServerConfig& config, MailHooks& hooks) {
    if (Status valid = check_config(config); !valid) return valid.error();
    std::unique_ptr<SmtpServer> server(new SmtpServer(hooks));
    server->state_ = std::make_unique<State>(config, hooks, server->connections_);
    State& state = *server->state_;
    const bool has_tls = !config.certificate_chain_file.empty();
    if (has_tls) {
        auto context = tls::make_server_context(config.certificate_chain_file, config.private_key_file);
        if (!context) return context.error();
        state.tls.set(std::move(*context));
    }
    for (const ListenAddress& listen : config.listen) {
        std::string where = fmt::format("smtp: [{}]:{}", listen.address, listen.port);
        ErrorCode ec;
        asio::ip::address address = asio::ip::make_address(listen.address, ec);
        if (ec) return make_error(where, "not a numeric IP address");
        tcp::endpoint endpoint(address, listen.port);
        tcp::acceptor acceptor(*state.contexts.front());
        acceptor.open(endpoint.protocol(), ec);
        if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec && address.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
        if (!ec) acceptor.bind(endpoint, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return make_error(where, "cannot listen: " + ec.message());
        Listener listener{std::move(acceptor), config.session, 0};
        listener.settings.port = listen.service;
        listener.settings.starttls_available = has_tls;
        listener.port = listener.acceptor.local_endpoint(ec).port();
        state.listeners.push_back(std::move(listener));
    }
    return server;
}

uint16_t SmtpServer::port(size_t index) const {
    if (!state_ || index >= state_->listeners.size()) return 0;
    return state_->listeners[index].port;
}

void SmtpServer::start() {
    if (!state_ || !threads_.empty()) return;
    State& state = *state_;
    for (Listener& listener : state.listeners)
        asio::co_spawn(
            *state.contexts.front(),
            accept_loop(listener, state.contexts, state.read_buffers, state.next_context, state.service),
            asio::detached);
    for (auto& context : state.contexts) {
        asio::io_context* io = context.get();
        threads_.emplace_back([io] {
            auto work = asio::make_work_guard(*io);  // a context without connections keeps running
            io->run();
        });
    }
}

void SmtpServer::stop() {
    if (!state_) return;
    for (auto& context : state_->contexts) context->stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    // Deliveries and password checks under way finish; their results go to stopped contexts and are
    // dropped with them (the client gets no reply and retries).
    state_->blocking.join();
    state_.reset();  // closes the acceptors, then destroys every connection's coroutines and socket
}

Status SmtpServer::reload_certificate() {
    if (!state_) return make_error("smtp: the server is stopped");
    const SmtpServerConfig& config = state_->config;
    if (config.certificate_chain_file.empty()) return make_error("smtp: no certificate configured");
    auto context = tls::make_server_context(config.certificate_chain_file, config.private_key_file);
    if (!context) return context.error();
    state_->tls.set(std::move(*context));
    fmt::print(stderr, "smtp: certificate reloaded from {}\n", config.certificate_chain_file);
    return {};
}

}  // namespace danemail::smtp
