// DNS over UDP (RFC 1035 §4.2.1, RFC 6891): one socket per worker thread, all bound to the same endpoint
// with SO_REUSEPORT so the kernel spreads queries; each worker reads and answers batches with recvmmsg and
// sendmmsg into buffers allocated once. Every datagram is untrusted; the answer engine decides what to send,
// including TC=1 when the answer exceeds the client's EDNS payload size.
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
    // Opens `workers` sockets on `endpoint` (SO_REUSEPORT); nothing runs until start().
    static Result<std::unique_ptr<UdpListener>> open(const Endpoint& endpoint, unsigned workers,
                                                     const ZoneSource& zones, uint16_t max_udp_payload);
    UdpListener(const UdpListener&) = delete;
    UdpListener& operator=(const UdpListener&) = delete;
    ~UdpListener();

    void start();
    // Wakes every worker and joins it; idempotent.
    void stop();

private:
    UdpListener(const ZoneSource& zones, uint16_t max_udp_payload);
    void run_worker(int socket_fd);

    const ZoneSource& zones_;
    AnswerOptions options_;
    FileDescriptor stop_event_;  // eventfd, readable once stop() was called
    std::vector<FileDescriptor> sockets_;
    std::vector<std::thread> threads_;
};

}  // namespace danemail::dnsserver
