// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): acceptors and connections spread over one Boost.Asio io_context
// per thread (one thread per core by default), one set of C++20 coroutines per connection reading 2-byte
// length-prefixed queries while earlier ones are answered — pipelining with out-of-order answers (RFC 7766
// §6.2.1.1): an ordinary answer goes out at once, between the messages of a zone transfer streaming on the
// same connection. Queries in flight and bytes queued for writing are bounded per connection (backpressure:
// reading stops while either is full); idle connections are closed (RFC 7766 §6.2.3) and concurrent
// connections capped. AXFR (RFC 5936) and IXFR (RFC 1995) go to secondaries allowed by address and TSIG key
// (RFC 8945), TSIG-signed ordinary queries are checked (transfer_access.h, tsig_answer.h).
// Everything read from a connection is untrusted: a zero or oversized length ends reading and closes it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "base/result.h"
#include "dnsserver/server.h"

namespace danemail::dnsserver {

struct TcpLimits {
    std::chrono::milliseconds idle_timeout{10'000};  // RFC 7766 §6.2.3 suggests seconds, not minutes
    size_t max_connections = 512;
    size_t max_query_size = 16 * 1024;  // a query holds one question, OPT and perhaps TSIG
    size_t max_queries_per_connection = 10'000;
    // Queries read on one connection whose responses are not yet completely written (a transfer counts
    // until its last message is out); reading pauses at the limit. 1 answers strictly in order.
    size_t max_queries_in_flight = 32;
    // Response bytes queued for writing on one connection; reading pauses while the queue is this full
    // (a client that does not read cannot make the server buffer without bound), and a transfer only adds
    // its next message while the queue is under half of it, so ordinary answers interleave.
    size_t max_queued_bytes = 256 * 1024;
    // Threads, each running its own io_context; connections are spread over them round-robin. 0: one per
    // core (std::thread::hardware_concurrency).
    unsigned threads = 0;
};

class TcpListener {
public:
    // Binds and listens on every endpoint; nothing is accepted until start().
    // With `transfers`, AXFR/IXFR queries from its secondaries, signed with their keys, are answered from its
    // snapshot (transfer_access.h), and TSIG-signed queries are checked against its keys (tsig_answer.h);
    // without it transfers are refused and signed queries get NOTAUTH/BADKEY.
    static Result<std::unique_ptr<TcpListener>> open(const std::vector<Endpoint>& endpoints,
                                                     const ZoneSource& zones, const TcpLimits& limits = {},
                                                     const TransferSource* transfers = nullptr);
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;
    ~TcpListener();

    void start();
    // Stops accepting, drops open connections (transfers included) and joins every thread; idempotent.
    void stop();

    size_t open_connections() const { return connections_.load(); }
    // The most connections that were open at once since start().
    size_t peak_connections() const { return peak_connections_.load(); }
    // The number of threads (io_contexts) serving connections.
    unsigned threads() const { return limits_.threads; }
    // The port the i-th endpoint is bound to (useful when it was given as port 0).
    uint16_t port(size_t index) const;

private:
    struct State;
    TcpListener(const ZoneSource& zones, const TcpLimits& limits, const TransferSource* transfers);

    const ZoneSource& zones_;
    const TransferSource* transfers_;
    TcpLimits limits_;  // with `threads` resolved
    std::atomic<size_t> connections_{0};
    std::atomic<size_t> peak_connections_{0};
    std::unique_ptr<State> state_;  // the io_contexts and acceptors (Asio stays out of this header)
    std::vector<std::thread> threads_;
};

}  // namespace danemail::dnsserver
