// TCP query service on Boost.Asio with C++20 coroutines (RFC 1035 §4.2.2, RFC 7766 §6.2): per connection a
// read loop over 2-byte length-prefixed messages, each answered with answer_query (Transport::Tcp) and
// written back before the next is read, so pipelined queries are answered in order and at most one response
// is queued per connection. AXFR/IXFR and TSIG-signed queries go to transfer_access.h and tsig_answer.h; an
// allowed transfer is streamed message by message. A watchdog closes connections idle longer than the limit
// (RFC 7766 §6.2.3); a zero or oversized length, EOF or any error closes the connection. Input is untrusted
// network data.
#include "dnsserver/tcp_listener.h"

#include <fmt/core.h>

#include <boost/asio.hpp>
#include <cstring>

#include "dnsserver/answer.h"
#include "dnsserver/transfer_access.h"
#include "dnsserver/tsig_answer.h"

namespace danemail::dnsserver {

namespace asio = boost::asio;
using asio::ip::tcp;

struct TcpListener::State {
    asio::io_context io{1};
    std::vector<tcp::acceptor> acceptors;
};

namespace {

tcp::endpoint to_asio(const Endpoint& endpoint) {
    tcp::endpoint result;
    std::memcpy(result.data(), &endpoint.address, endpoint.length);
    result.resize(endpoint.length);
    return result;
}

// One connection's socket and idle deadline, shared by its reader and its watchdog.
struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
    tcp::socket socket;
    asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
};

// Closes the socket once the deadline has passed without being pushed back by activity.
asio::awaitable<void> watchdog(std::shared_ptr<Connection> connection) {
    while (connection->socket.is_open()) {
        if (std::chrono::steady_clock::now() >= connection->deadline) {
            boost::system::error_code ignored;
            connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
            connection->socket.close(ignored);
            co_return;
        }
        connection->timer.expires_at(connection->deadline);
        boost::system::error_code ec;
        co_await connection->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

struct ConnectionCount {
    std::atomic<size_t>& count;
    ~ConnectionCount() { --count; }
};

void log_tsig_refusal(tcp::socket& socket, const std::string& why) {
    boost::system::error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    fmt::print(stderr, "danemail: TSIG query refused: peer {} over TCP: {}\n",
               ec ? std::string("?") : peer_address_text(peer.data(), static_cast<socklen_t>(peer.size())),
               why);
}

// Writes one message with its 2-byte length prefix (RFC 1035 §4.2.2).
asio::awaitable<bool> write_framed(Connection& connection, const Bytes& message, const TcpLimits& limits) {
    if (message.size() > 65535) co_return false;  // cannot be framed
    std::array<uint8_t, 2> frame{static_cast<uint8_t>(message.size() >> 8),
                                 static_cast<uint8_t>(message.size() & 0xff)};
    std::array<asio::const_buffer, 2> parts{asio::buffer(frame), asio::buffer(message)};
    boost::system::error_code ec;
    co_await asio::async_write(connection.socket, parts, asio::redirect_error(asio::use_awaitable, ec));
    connection.deadline = std::chrono::steady_clock::now() + limits.idle_timeout;
    co_return !ec;
}

// Sends every message of an allowed transfer, each as soon as it is made, and logs the transfer.
asio::awaitable<bool> send_transfer(Connection& connection, OutgoingTransfer& transfer,
                                    const TcpLimits& limits) {
    Bytes message;
    while (!transfer.done()) {
        if (auto made = transfer.next(message); !made) {
            fmt::print(stderr, "danemail: {}: failed: {}\n", transfer.summary(), made.error().to_string());
            co_return false;
        }
        if (!co_await write_framed(connection, message, limits)) {
            fmt::print(stderr, "danemail: {}: the connection failed\n", transfer.summary());
            co_return false;
        }
    }
    fmt::print(stderr, "danemail: {}\n", transfer.summary());
    co_return true;
}

asio::awaitable<void> serve_connection(tcp::socket accepted, const ZoneSource& zones, const TcpLimits& limits,
                                       std::atomic<size_t>& connections, const TransferSource* transfers) {
    ConnectionCount counted{connections};
    auto connection = std::make_shared<Connection>(std::move(accepted));
    tcp::socket& socket = connection->socket;
    connection->deadline = std::chrono::steady_clock::now() + limits.idle_timeout;
    asio::co_spawn(co_await asio::this_coro::executor, watchdog(connection), asio::detached);

    Bytes query;
    query.reserve(limits.max_query_size);
    Bytes response;
    response.reserve(65535 + 2);
    AnswerOptions options;
    options.transport = Transport::Tcp;

    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    for (size_t served = 0; served < limits.max_queries_per_connection; ++served) {
        std::array<uint8_t, 2> prefix{};
        co_await asio::async_read(socket, asio::buffer(prefix), token);
        if (ec) break;
        size_t length = (size_t{prefix[0]} << 8) | prefix[1];
        if (length == 0 || length > limits.max_query_size) break;  // RFC 7766 §8: nothing to answer
        query.resize(length);
        co_await asio::async_read(socket, asio::buffer(query), token);
        if (ec) break;

        std::shared_ptr<const zone::ZoneSet> snapshot = zones.load();
        AnswerResult result = answer_query(query, *snapshot, response, options);
        if (result.kind == AnswerKind::Transfer || result.kind == AnswerKind::NotAuth) {
            // Transfers and TSIG-signed queries: the engine leaves these to us (transfer_access.h,
            // tsig_answer.h).
            std::shared_ptr<const TransferZones> transfer_zones;
            if (transfers != nullptr) transfer_zones = transfers->load();
            if (is_transfer_query(query)) {
                boost::system::error_code peer_error;
                tcp::endpoint peer = socket.remote_endpoint(peer_error);
                if (peer_error) break;
                std::string address = peer_address_text(peer.data(), static_cast<socklen_t>(peer.size()));
                TransferReply reply =
                    answer_transfer(query, address, std::move(transfer_zones), Transport::Tcp, now_unix());
                if (reply.stream) {
                    snapshot.reset();
                    if (!co_await send_transfer(*connection, *reply.stream, limits)) break;
                    continue;
                }
                response = std::move(reply.response);
            } else {
                std::span<const TsigKey> keys;
                if (transfer_zones) keys = transfer_zones->keys;
                SignedAnswer signed_answer =
                    answer_signed_query(query, *snapshot, keys, response, options, now_unix());
                if (!signed_answer.refusal.empty()) log_tsig_refusal(socket, signed_answer.refusal);
            }
        }
        snapshot.reset();
        if (response.empty()) continue;
        if (!co_await write_framed(*connection, response, limits)) break;
    }
    // End the connection and wake the watchdog, which then sees the socket closed.
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    connection->timer.cancel();
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const ZoneSource& zones, const TcpLimits& limits,
                                  std::atomic<size_t>& connections, const TransferSource* transfers) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
            continue;  // e.g. EMFILE or a connection reset before accept: keep accepting
        }
        if (connections.load() >= limits.max_connections) {
            boost::system::error_code ignored;
            socket.close(ignored);  // over the cap: refuse by closing (RFC 7766 §6.2.2)
            continue;
        }
        ++connections;
        asio::co_spawn(acceptor.get_executor(),
                       serve_connection(std::move(socket), zones, limits, connections, transfers),
                       asio::detached);
    }
}

}  // namespace

TcpListener::TcpListener(const ZoneSource& zones, const TcpLimits& limits, const TransferSource* transfers)
    : zones_(zones), transfers_(transfers), limits_(limits), state_(std::make_unique<State>()) {}

TcpListener::~TcpListener() {
    stop();
}

Result<std::unique_ptr<TcpListener>> TcpListener::open(const std::vector<Endpoint>& endpoints,
                                                       const ZoneSource& zones, const TcpLimits& limits,
                                                       const TransferSource* transfers) {
    std::unique_ptr<TcpListener> listener(new TcpListener(zones, limits, transfers));
    for (const Endpoint& endpoint : endpoints) {
        boost::system::error_code ec;
        tcp::acceptor acceptor(listener->state_->io);
        tcp::endpoint address = to_asio(endpoint);
        acceptor.open(address.protocol(), ec);
        if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec && endpoint.family() == AF_INET6) acceptor.set_option(asio::ip::v6_only(true), ec);
        if (!ec) acceptor.bind(address, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return make_error(endpoint.text, "tcp listen: " + ec.message());
        listener->state_->acceptors.push_back(std::move(acceptor));
    }
    return listener;
}

uint16_t TcpListener::port(size_t index) const {
    boost::system::error_code ec;
    auto endpoint = state_->acceptors.at(index).local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

void TcpListener::start() {
    for (tcp::acceptor& acceptor : state_->acceptors)
        asio::co_spawn(state_->io, accept_loop(acceptor, zones_, limits_, connections_, transfers_),
                       asio::detached);
    thread_ = std::thread([this] { state_->io.run(); });
}

void TcpListener::stop() {
    if (!thread_.joinable()) return;
    asio::post(state_->io, [this] {
        for (tcp::acceptor& acceptor : state_->acceptors) {
            boost::system::error_code ignored;
            acceptor.close(ignored);
        }
        state_->io.stop();  // open connections are dropped with their coroutine frames below
    });
    thread_.join();
    state_.reset();  // destroys pending coroutines (and their sockets) before the acceptors' io_context
}

}  // namespace danemail::dnsserver
