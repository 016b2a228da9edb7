// DNS over UDP (RFC 1035 §4.2.1, RFC 6891): one socket per worker thread, all bound to the same endpoint
// with SO_REUSEPORT so the kernel spreads queries; each worker reads and answers batches with recvmmsg and
// sendmmsg into buffers allocated once. Every datagram is untrusted; the answer engine decides what to send,
// including TC=1 when the answer exceeds the client's EDNS payload size. TSIG-signed queries and IXFR (its
// one-SOA form, RFC 1995 §2) take a slow path (tsig_answer.h, transfer_access.h) that unsigned queries never
// reach, so the fast path stays allocation-free.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "base/result.h"
#include "dnsserver/answer.h"
#include "dnsserver/server.h"

namespace danemail::dnsserver {

class UdpListener {
public:
    // Opens `workers` sockets on `endpoint` (SO_REUSEPORT); nothing runs until start(). With `transfers`,
    // TSIG-signed queries are checked against its keys and IXFR is answered to its secondaries; without it
    // signed queries get NOTAUTH/BADKEY and transfers REFUSED.
    static Result<std::unique_ptr<UdpListener>> open(const Endpoint& endpoint, unsigned workers,
                                                     const ZoneSource& zones, uint16_t max_udp_payload,
                                                     const TransferSource* transfers = nullptr);
    UdpListener(const UdpListener&) = delete;
    UdpListener& operator=(const UdpListener&) = delete;
    ~UdpListener();

    void start();
    // The port the sockets are bound to (useful when the endpoint gave port 0 and there is one worker).
    uint16_t port() const;
    // Wakes every worker and joins it; idempotent.
    void stop();

private:
    UdpListener(const ZoneSource& zones, uint16_t max_udp_payload, const TransferSource* transfers);
    void run_worker(int socket_fd);
    // The slow path for what the engine leaves to the listener: TSIG-signed queries and transfers.
    void answer_special(ByteView query, const zone::ZoneSet& zones, const sockaddr_storage& peer,
                        socklen_t peer_length, Bytes& response) const;

    const ZoneSource& zones_;
    const TransferSource* transfers_;
    AnswerOptions options_;
    FileDescriptor stop_event_;  // eventfd, readable once stop() was called
    std::vector<FileDescriptor> sockets_;
    std::vector<std::thread> threads_;
};

}  // namespace danemail::dnsserver
