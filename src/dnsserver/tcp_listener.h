// DNS over TCP (RFC 1035 §4.2.2, RFC 7766): an acceptor per endpoint on one Boost.Asio io_context thread,
// one C++20 coroutine per connection reading 2-byte length-prefixed queries, answering each in order as it
// arrives (pipelining), closing idle connections (RFC 7766 §6.2.3) and capping concurrent connections;
// AXFR (RFC 5936) and IXFR (RFC 1995) to secondaries allowed by address and TSIG key (RFC 8945), and TSIG on
// ordinary queries (transfer_access.h, tsig_answer.h).
// Everything read from a connection is untrusted: a zero or oversized length closes it.
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
    // Stops accepting, drops open connections and joins the thread; idempotent.
    void stop();

    size_t open_connections() const { return connections_.load(); }
    // The port the i-th endpoint is bound to (useful when it was given as port 0).
    uint16_t port(size_t index) const;

private:
    struct State;
    TcpListener(const ZoneSource& zones, const TcpLimits& limits, const TransferSource* transfers);

    const ZoneSource& zones_;
    const TransferSource* transfers_;
    TcpLimits limits_;
    std::atomic<size_t> connections_{0};
    std::unique_ptr<State> state_;  // the io_context and acceptors (Asio stays out of this header)
    std::thread thread_;
};

}  // namespace danemail::dnsserver
