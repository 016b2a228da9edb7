// TCP query service on Boost.Asio with C++20 coroutines (RFC 1035 §4.2.2, RFC 7766 §6.2): one io_context per
// thread; the acceptors run on the first and hand each connection to the next io_context in turn. Per
// connection, a reader parses 2-byte length-prefixed queries out of a buffered stream and answers each at
// once (answer_query, Transport::Tcp) into a write queue; a writer drains the queue, whole messages only; an
// allowed AXFR/IXFR (transfer_access.h) streams from its own coroutine, adding one message at a time while
// the queue has room, so answers to later queries go out between its messages (RFC 7766 §6.2.1.1).
// TSIG-signed queries go to tsig_answer.h. Reading pauses while too many queries are in flight or too many
// bytes are queued; a watchdog closes connections idle longer than the limit (RFC 7766 §6.2.3). A zero or
// oversized length, EOF, a read error or the per-connection query limit end reading: what was read is
// answered, then the connection closes; a write error closes it at once. Input is untrusted network data.
#include "dnsserver/tcp_listener.h"

#include <fmt/core.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <cstring>
#include <deque>

#include "dnsserver/answer.h"
#include "dnsserver/transfer_access.h"
#include "dnsserver/tsig_answer.h"

namespace danemail::dnsserver {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// What every connection of one listener shares; outlives all of its coroutines.
struct Service {
    const ZoneSource& zones;
    const TransferSource* transfers;
    const TcpLimits& limits;
    std::atomic<size_t>& connections;
    std::atomic<size_t>& peak_connections;
};

}  // namespace

struct TcpListener::State {
    explicit State(const Service& s) : service(s) {}
    // The acceptors live on contexts[0] and accept into sockets of every context, so a pending accept holds a
    // socket of another context: the acceptors go first, then contexts[0], then the rest.
    ~State() {
        acceptors.clear();
        for (auto& context : contexts) context.reset();
    }

    Service service;
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<tcp::acceptor> acceptors;
    size_t next_context = 0;  // round-robin; used by the accept loops on contexts[0] only
};

namespace {

constexpr size_t kMaxWriteBatch = 16;     // messages gathered into one write
constexpr size_t kSpareBuffers = 4;       // response buffers kept per connection for reuse
constexpr size_t kSpareCapacity = 16384;  // larger buffers (transfer messages) are freed, not kept
constexpr size_t kInitialInput = 4096;    // grows to 2 + max_query_size when a query needs it
constexpr std::chrono::milliseconds kAcceptPause{100};

tcp::endpoint to_asio(const Endpoint& endpoint) {
    tcp::endpoint result;
    std::memcpy(result.data(), &endpoint.address, endpoint.length);
    result.resize(endpoint.length);
    return result;
}

// A response waiting to be written, with its 2-byte length prefix (RFC 1035 §4.2.2).
struct Outgoing {
    std::array<uint8_t, 2> prefix{};
    Bytes body;
    bool ends_query = false;  // the last message for its query: one fewer in flight once written
};

// One connection's socket, write queue and counters, shared by its reader, writer, watchdog and transfers.
// All of them run on the connection's io_context (one thread), so nothing here needs a lock.
struct Connection {
    Connection(tcp::socket s, const Service& service_in)
        : service(service_in),
          socket(std::move(s)),
          idle_timer(socket.get_executor()),
          writer_wake(socket.get_executor(), Clock::time_point::max()),
          room_wake(socket.get_executor(), Clock::time_point::max()) {
        touch();
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { --service.connections; }

    const Service& service;
    tcp::socket socket;
    asio::steady_timer idle_timer;  // the watchdog's
    // Events: these never expire; cancel() wakes whoever waits, who then looks at the state again.
    asio::steady_timer writer_wake;  // something to write, or reading ended
    asio::steady_timer room_wake;    // a write finished (room in the queue, fewer in flight), or closed
    Clock::time_point deadline;
    std::deque<Outgoing> queue;
    size_t queued_bytes = 0;  // in the queue or being written
    size_t in_flight = 0;     // queries read whose last response message is not yet written
    bool reading_done = false;
    bool closed = false;
    std::vector<Bytes> spare;

    void touch() { deadline = Clock::now() + service.limits.idle_timeout; }

    bool finished() const { return reading_done && in_flight == 0 && queue.empty(); }

    Bytes take_buffer() {
        if (spare.empty()) return {};
        Bytes buffer = std::move(spare.back());
        spare.pop_back();
        return buffer;
    }
    void recycle(Bytes buffer) {
        if (spare.size() < kSpareBuffers && buffer.capacity() <= kSpareCapacity)
            spare.push_back(std::move(buffer));
    }

    // Queues one message (at most 65535 bytes: the caller checks).
    void push(Bytes body, bool ends_query) {
        Outgoing out;
        out.prefix = {static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size() & 0xff)};
        out.body = std::move(body);
        out.ends_query = ends_query;
        queued_bytes += 2 + out.body.size();
        queue.push_back(std::move(out));
        writer_wake.cancel();
    }

    // Ends the connection at once; every coroutine of it wakes, sees `closed` and returns.
    void close() {
        if (closed) return;
        closed = true;
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        idle_timer.cancel();
        writer_wake.cancel();
        room_wake.cancel();
    }

    std::string peer_address() {
        boost::system::error_code ec;
        tcp::endpoint peer = socket.remote_endpoint(ec);
        if (ec) return {};
        return peer_address_text(peer.data(), static_cast<socklen_t>(peer.size()));
    }
};

asio::awaitable<void> wait_for(asio::steady_timer& event) {
    boost::system::error_code ignored;  // operation_aborted: the event fired
    co_await event.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

// Closes the connection once the deadline has passed without being pushed back by a read or a write.
asio::awaitable<void> watchdog(std::shared_ptr<Connection> connection) {
    while (!connection->closed) {
        if (Clock::now() >= connection->deadline) {
            connection->close();
            co_return;
        }
        connection->idle_timer.expires_at(connection->deadline);
        boost::system::error_code ec;
        co_await connection->idle_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

// Drains the write queue, several whole messages per write, until the connection has nothing more to send
// and reading has ended (then closes it), or a write fails.
asio::awaitable<void> write_loop(std::shared_ptr<Connection> connection) {
    Connection& c = *connection;
    std::vector<Outgoing> batch;
    std::vector<asio::const_buffer> buffers;
    boost::system::error_code ec;
    while (!c.closed) {
        if (c.queue.empty()) {
            if (c.finished()) break;
            co_await wait_for(c.writer_wake);
            continue;
        }
        batch.clear();
        buffers.clear();
        while (!c.queue.empty() && batch.size() < kMaxWriteBatch) {
            batch.push_back(std::move(c.queue.front()));
            c.queue.pop_front();
        }
        for (const Outgoing& out : batch) {
            buffers.push_back(asio::buffer(out.prefix));
            buffers.push_back(asio::buffer(out.body));
        }
        co_await asio::async_write(c.socket, buffers, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || c.closed) break;
        c.touch();
        for (Outgoing& out : batch) {
            c.queued_bytes -= 2 + out.body.size();
            if (out.ends_query) --c.in_flight;
            c.recycle(std::move(out.body));
        }
        c.room_wake.cancel();
    }
    c.close();
}

// Streams an allowed transfer: each message is made when the queue is under half full, so ordinary answers
// queued meanwhile go out between the transfer's messages; the last one ends the query.
asio::awaitable<void> stream_transfer(std::shared_ptr<Connection> connection,
                                      std::unique_ptr<OutgoingTransfer> transfer) {
    Connection& c = *connection;
    const size_t share = std::max<size_t>(c.service.limits.max_queued_bytes / 2, 1);
    if (transfer->done()) {  // nothing to send
        --c.in_flight;
        c.room_wake.cancel();
        c.writer_wake.cancel();
        co_return;
    }
    while (!transfer->done()) {
        if (c.closed) {
            fmt::print(stderr, "danemail: {}: the connection closed before the end\n", transfer->summary());
            co_return;
        }
        if (c.queued_bytes >= share) {
            co_await wait_for(c.room_wake);
            continue;
        }
        Bytes message;
        if (auto made = transfer->next(message); !made || message.size() > 65535) {
            fmt::print(stderr, "danemail: {}: failed: {}\n", transfer->summary(),
                       made ? std::string("message too large") : made.error().to_string());
            c.close();
            co_return;
        }
        c.push(std::move(message), transfer->done());
    }
    fmt::print(stderr, "danemail: {}\n", transfer->summary());
}

// Answers one query: into the write queue at once, or by starting a transfer stream.
void answer_one(const std::shared_ptr<Connection>& connection, ByteView query, const AnswerOptions& options) {
    Connection& c = *connection;
    const Service& service = c.service;
    std::shared_ptr<const zone::ZoneSet> snapshot = service.zones.load();
    Bytes response = c.take_buffer();
    AnswerResult result = answer_query(query, *snapshot, response, options);
    if (result.kind == AnswerKind::Transfer || result.kind == AnswerKind::NotAuth) {
        // Transfers and TSIG-signed queries: the engine leaves these to us (transfer_access.h,
        // tsig_answer.h).
        std::shared_ptr<const TransferZones> transfer_zones;
        if (service.transfers != nullptr) transfer_zones = service.transfers->load();
        if (is_transfer_query(query)) {
            TransferReply reply = answer_transfer(query, c.peer_address(), std::move(transfer_zones),
                                                  Transport::Tcp, now_unix());
            if (reply.stream) {
                ++c.in_flight;
                c.recycle(std::move(response));
                asio::co_spawn(c.socket.get_executor(), stream_transfer(connection, std::move(reply.stream)),
                               asio::detached);
                return;
            }
            response = std::move(reply.response);
        } else {
            std::span<const TsigKey> keys;
            if (transfer_zones) keys = transfer_zones->keys;
            SignedAnswer signed_answer =
                answer_signed_query(query, *snapshot, keys, response, options, now_unix());
            if (!signed_answer.refusal.empty()) {
                std::string peer = c.peer_address();
                fmt::print(stderr, "danemail: TSIG query refused: peer {} over TCP: {}\n",
                           peer.empty() ? "?" : peer, signed_answer.refusal);
            }
        }
    }
    if (response.empty() || response.size() > 65535) {  // nothing to send, or cannot be framed
        c.recycle(std::move(response));
        return;
    }
    ++c.in_flight;
    c.push(std::move(response), true);
}

// Reads queries until EOF, an error, a zero or oversized length (RFC 7766 §8: nothing to answer) or the
// per-connection limit, pausing while the connection has too much in flight or queued.
asio::awaitable<void> read_loop(std::shared_ptr<Connection> connection) {
    Connection& c = *connection;
    const TcpLimits& limits = c.service.limits;
    AnswerOptions options;
    options.transport = Transport::Tcp;
    Bytes input(std::min(kInitialInput, limits.max_query_size + 2));
    size_t begin = 0;  // unparsed input is [begin, end)
    size_t end = 0;
    size_t served = 0;
    boost::system::error_code ec;
    while (!c.closed && served < limits.max_queries_per_connection) {
        if (c.in_flight >= limits.max_queries_in_flight || c.queued_bytes >= limits.max_queued_bytes) {
            co_await wait_for(c.room_wake);  // backpressure: no more reading until a write completes
            continue;
        }
        size_t have = end - begin;
        size_t needed = 2;
        if (have >= 2) {
            size_t length = (size_t{input[begin]} << 8) | input[begin + 1];
            if (length == 0 || length > limits.max_query_size) break;
            needed = 2 + length;
            if (have >= needed) {
                answer_one(connection, ByteView(input.data() + begin + 2, length), options);
                begin += needed;
                ++served;
                continue;
            }
        }
        if (begin > 0) {
            std::memmove(input.data(), input.data() + begin, have);
            begin = 0;
            end = have;
        }
        if (input.size() < needed) input.resize(needed);
        size_t got = co_await c.socket.async_read_some(asio::buffer(input.data() + end, input.size() - end),
                                                       asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // EOF (the client may half-close after its last query), or an error
        end += got;
        c.touch();
    }
}

asio::awaitable<void> serve_connection(tcp::socket accepted, const Service& service) {
    auto connection = std::make_shared<Connection>(std::move(accepted), service);
    auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, watchdog(connection), asio::detached);
    asio::co_spawn(executor, write_loop(connection), asio::detached);
    co_await read_loop(connection);
    // The writer closes the connection once what was read has been answered.
    connection->reading_done = true;
    connection->writer_wake.cancel();
}

using Contexts = std::vector<std::unique_ptr<asio::io_context>>;

// Runs on contexts[0]; `next_context` is shared by the accept loops of every endpoint (same thread).
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Contexts& contexts, size_t& next_context,
                                  const Service& service) {
    for (;;) {
        asio::io_context& context = *contexts[next_context++ % contexts.size()];
        boost::system::error_code ec;
        tcp::socket socket = co_await acceptor.async_accept(context.get_executor(),
                                                            asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
            if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                ec == asio::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system) {
                // Out of file descriptors or memory: the pending connection stays in the backlog and accept
                // would fail again at once; pause instead of spinning.
                asio::steady_timer pause(acceptor.get_executor(), kAcceptPause);
                co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            continue;  // e.g. a connection reset before accept: keep accepting
        }
        size_t open = service.connections.fetch_add(1) + 1;
        if (open > service.limits.max_connections) {
            --service.connections;
            boost::system::error_code ignored;
            socket.close(ignored);  // over the cap: refuse by closing (RFC 7766 §6.2.2)
            continue;
        }
        size_t peak = service.peak_connections.load();
        while (open > peak && !service.peak_connections.compare_exchange_weak(peak, open)) {
        }
        asio::co_spawn(context, serve_connection(std::move(socket), service), asio::detached);
    }
}

}  // namespace

TcpListener::TcpListener(const ZoneSource& zones, const TcpLimits& limits, const TransferSource* transfers)
    : zones_(zones), transfers_(transfers), limits_(limits) {
    if (limits_.threads == 0) limits_.threads = std::max(1u, std::thread::hardware_concurrency());
    state_ = std::make_unique<State>(Service{zones_, transfers_, limits_, connections_, peak_connections_});
    for (unsigned i = 0; i < limits_.threads; ++i)
        state_->contexts.push_back(std::make_unique<asio::io_context>(1));  // each run by one thread
}

TcpListener::~TcpListener() {
    stop();
}

Result<std::unique_ptr<TcpListener>> TcpListener::open(const std::vector<Endpoint>& endpoints,
                                                       const ZoneSource& zones, const TcpLimits& limits,
                                                       const TransferSource* transfers) {
    std::unique_ptr<TcpListener> listener(new TcpListener(zones, limits, transfers));
    for (const Endpoint& endpoint : endpoints) {
        boost::system::error_code ec;
        tcp::acceptor acceptor(*listener->state_->contexts.front());
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
    if (!state_) return 0;
    boost::system::error_code ec;
    auto endpoint = state_->acceptors.at(index).local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

void TcpListener::start() {
    if (!state_ || !threads_.empty()) return;
    for (tcp::acceptor& acceptor : state_->acceptors)
        asio::co_spawn(*state_->contexts.front(),
                       accept_loop(acceptor, state_->contexts, state_->next_context, state_->service),
                       asio::detached);
    for (auto& context : state_->contexts) {
        asio::io_context* io = context.get();
        threads_.emplace_back([io] {
            auto work = asio::make_work_guard(*io);  // a context with no connection yet keeps running
            io->run();
        });
    }
}

void TcpListener::stop() {
    if (threads_.empty()) return;
    for (auto& context : state_->contexts) context->stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    state_.reset();  // destroys pending coroutines (and their sockets) with their io_contexts
}

}  // namespace danemail::dnsserver
