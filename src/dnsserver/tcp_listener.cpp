// TCP query service on Boost.Asio with C++20 coroutines (RFC 1035 §4.2.2, RFC 7766 §6.2): per connection a
// read loop over 2-byte length-prefixed messages, each answered with answer_query (Transport::Tcp) and
// written back before the next is read, so pipelined queries are answered in order and at most one response
// is queued per connection. A watchdog closes connections idle longer than the limit (RFC 7766 §6.2.3);
// a zero or oversized length, EOF or any error closes the connection. Input is untrusted network data.
#include "dnsserver/tcp_listener.h"

#include <boost/asio.hpp>
#include <cstring>

#include "dnsserver/answer.h"
#include "dnsserver/transfer.h"

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

// The AXFR messages for `query` when `peer` may transfer the zone it names (RFC 5936 §2.2, §5); empty
// when the engine's answer (REFUSED) should go back instead. IXFR is answered in AXFR form (RFC 1995 §4).
std::vector<Bytes> transfer_messages(ByteView query, const tcp::endpoint& peer,
                                     const TransferSource* transfers) {
    if (transfers == nullptr) return {};
    std::shared_ptr<const TransferZones> snapshot = transfers->load();
    if (!snapshot) return {};
    std::string address = peer.address().to_string();
    if (peer.address().is_v6() && peer.address().to_v6().is_v4_mapped())
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, peer.address().to_v6()).to_string();
    bool allowed = false;
    for (const TransferPeer& p : snapshot->peers) allowed = allowed || p.address == address;
    if (!allowed) return {};
    auto message = dns::parse_message(query);
    if (!message || message->questions.size() != 1) return {};
    const dns::Question& question = message->questions.front();
    if (question.type != dns::type::AXFR && question.type != dns::type::IXFR) return {};
    const TransferZones::Zone* zone = snapshot->find(question.name);
    if (zone == nullptr) return {};
    TransferOptions options;
    if (message->edns) options.edns = &*message->edns;
    auto messages = axfr_response(*message, *zone->records, options);
    if (!messages) return {};
    return std::move(*messages);
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
        snapshot.reset();
        if (!result.respond() || response.empty()) continue;
        if (result.kind == AnswerKind::Transfer) {
            boost::system::error_code peer_error;
            tcp::endpoint peer = socket.remote_endpoint(peer_error);
            std::vector<Bytes> messages;
            if (!peer_error) messages = transfer_messages(query, peer, transfers);
            bool failed = false;
            for (const Bytes& message : messages) {
                std::array<uint8_t, 2> frame{static_cast<uint8_t>(message.size() >> 8),
                                             static_cast<uint8_t>(message.size() & 0xff)};
                std::array<asio::const_buffer, 2> parts{asio::buffer(frame), asio::buffer(message)};
                connection->deadline = std::chrono::steady_clock::now() + limits.idle_timeout;
                co_await asio::async_write(socket, parts, token);
                if (ec) {
                    failed = true;
                    break;
                }
            }
            if (failed) break;
            if (!messages.empty()) {
                connection->deadline = std::chrono::steady_clock::now() + limits.idle_timeout;
                continue;
            }
        }
        if (response.size() > 65535) break;  // cannot be framed; the engine keeps TCP answers below this
        std::array<uint8_t, 2> out_prefix{static_cast<uint8_t>(response.size() >> 8),
                                          static_cast<uint8_t>(response.size() & 0xff)};
        std::array<asio::const_buffer, 2> buffers{asio::buffer(out_prefix), asio::buffer(response)};
        co_await asio::async_write(socket, buffers, token);
        if (ec) break;
        connection->deadline = std::chrono::steady_clock::now() + limits.idle_timeout;
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
