// UDP workers: poll on the socket and a stop eventfd, then drain the socket in recvmmsg batches, answer each
// datagram with answer_query (RFC 1035 §4.2.1, RFC 6891 §6.2.5 payload limits, TC per RFC 2181 §9) and send
// the batch back with sendmmsg. Datagrams are untrusted: truncated reads (MSG_TRUNC) are dropped, and so is
// whatever the engine drops. Buffers are allocated once per worker; nothing is allocated per unsigned query.
// What the engine answers NotAuth (a TSIG is present) or leaves to the transfer code goes to answer_special.
#include "dnsserver/udp_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "dnsserver/transfer_access.h"
#include "dnsserver/tsig_answer.h"

namespace danemail::dnsserver {
namespace {

constexpr size_t kBatchSize = 32;
// Queries larger than this are not DNS queries we answer (a query holds one question and an OPT record,
// perhaps a TSIG); longer datagrams arrive with MSG_TRUNC and are dropped.
constexpr size_t kMaxQuerySize = 4096;
constexpr size_t kResponseCapacity = 65535;

Error system_error(const std::string& where, const char* what) {
    return make_error(where, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

UdpListener::UdpListener(const ZoneSource& zones, uint16_t max_udp_payload, const TransferSource* transfers)
    : zones_(zones), transfers_(transfers) {
    options_.transport = Transport::Udp;
    options_.max_udp_payload = max_udp_payload;
}

UdpListener::~UdpListener() {
    stop();
}

Result<std::unique_ptr<UdpListener>> UdpListener::open(const Endpoint& endpoint, unsigned workers,
                                                       const ZoneSource& zones, uint16_t max_udp_payload,
                                                       const TransferSource* transfers) {
    std::unique_ptr<UdpListener> listener(new UdpListener(zones, max_udp_payload, transfers));
    listener->stop_event_ = FileDescriptor(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!listener->stop_event_) return system_error(endpoint.text, "eventfd");
    for (unsigned i = 0; i < std::max(workers, 1u); ++i) {
        FileDescriptor fd(::socket(endpoint.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd) return system_error(endpoint.text, "udp socket");
        int on = 1;
        if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
            return system_error(endpoint.text, "SO_REUSEPORT");
        if (endpoint.family() == AF_INET6 &&
            ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0)
            return system_error(endpoint.text, "IPV6_V6ONLY");
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) != 0)
            return system_error(endpoint.text, "udp bind");
        listener->sockets_.push_back(std::move(fd));
    }
    return listener;
}

void UdpListener::start() {
    for (const FileDescriptor& fd : sockets_) threads_.emplace_back([this, s = fd.get()] { run_worker(s); });
}

uint16_t UdpListener::port() const {
    if (sockets_.empty()) return 0;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(sockets_.front().get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
}

void UdpListener::stop() {
    if (threads_.empty()) return;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_event_.get(), &one, sizeof one);
    for (std::thread& t : threads_) t.join();
    threads_.clear();
}

void UdpListener::answer_special(ByteView query, const zone::ZoneSet& zones, const sockaddr_storage& peer,
                                 socklen_t peer_length, Bytes& response) const {
    std::shared_ptr<const TransferZones> transfers;
    if (transfers_ != nullptr) transfers = transfers_->load();
    const std::string address = peer_address_text(reinterpret_cast<const sockaddr*>(&peer), peer_length);
    if (is_transfer_query(query)) {
        // RFC 1995 §2: IXFR may come over UDP; AXFR is answered TC=1 like an IXFR that does not fit.
        TransferReply reply = answer_transfer(query, address, std::move(transfers), Transport::Udp,
                                              now_unix(), options_.max_udp_payload);
        response = std::move(reply.response);
        response.reserve(kResponseCapacity);
        return;
    }
    std::span<const TsigKey> keys;
    if (transfers) keys = transfers->keys;
    SignedAnswer answer = answer_signed_query(query, zones, keys, response, options_, now_unix());
    if (!answer.refusal.empty())
        fmt::print(stderr, "danemail: TSIG query refused: peer {} over UDP: {}\n", address, answer.refusal);
}

void UdpListener::run_worker(int socket_fd) {
    // Per-worker state, allocated once (DESIGN.md "Hot paths").
    std::vector<std::array<uint8_t, kMaxQuerySize>> queries(kBatchSize);
    std::vector<Bytes> responses(kBatchSize);
    for (Bytes& r : responses) r.reserve(kResponseCapacity);
    std::array<sockaddr_storage, kBatchSize> peers{};
    std::array<iovec, kBatchSize> in_iov{};
    std::array<mmsghdr, kBatchSize> in{};
    std::array<iovec, kBatchSize> out_iov{};
    std::array<mmsghdr, kBatchSize> out{};
    for (size_t i = 0; i < kBatchSize; ++i) {
        in_iov[i] = {queries[i].data(), kMaxQuerySize};
        in[i].msg_hdr.msg_iov = &in_iov[i];
        in[i].msg_hdr.msg_iovlen = 1;
        in[i].msg_hdr.msg_name = &peers[i];
    }

    std::array<pollfd, 2> fds{{{socket_fd, POLLIN, 0}, {stop_event_.get(), POLLIN, 0}}};
    for (;;) {
        int ready = ::poll(fds.data(), fds.size(), -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        if ((fds[0].revents & POLLIN) == 0) continue;

        // Drain the socket, a batch at a time, but go back to poll after a bounded number of batches so
        // a stop request is seen under load.
        for (int round = 0; round < 64; ++round) {
            for (size_t i = 0; i < kBatchSize; ++i) {
                in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
                in[i].msg_hdr.msg_flags = 0;
            }
            int received = ::recvmmsg(socket_fd, in.data(), kBatchSize, MSG_DONTWAIT, nullptr);
            if (received <= 0) break;

            std::shared_ptr<const zone::ZoneSet> zones = zones_.load();  // one snapshot per batch
            unsigned count = 0;
            for (int i = 0; i < received; ++i) {
                if (in[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
                ByteView query(queries[i].data(), in[i].msg_len);
                AnswerResult result = answer_query(query, *zones, responses[i], options_);
                if (result.kind == AnswerKind::NotAuth || result.kind == AnswerKind::Transfer)
                    answer_special(query, *zones, peers[i], in[i].msg_hdr.msg_namelen, responses[i]);
                if (!result.respond() || responses[i].empty()) continue;
                out_iov[count] = {responses[i].data(), responses[i].size()};
                out[count].msg_hdr = {};
                out[count].msg_hdr.msg_name = &peers[i];
                out[count].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
                out[count].msg_hdr.msg_iov = &out_iov[count];
                out[count].msg_hdr.msg_iovlen = 1;
                ++count;
            }
            // A datagram the kernel will not send (e.g. an unreachable peer) is skipped, not retried.
            unsigned sent = 0;
            while (sent < count) {
                int n = ::sendmmsg(socket_fd, &out[sent], count - sent, MSG_DONTWAIT);
                if (n <= 0) {
                    if (n < 0 && errno == EINTR) continue;
                    ++sent;
                    continue;
                }
                sent += static_cast<unsigned>(n);
            }
            if (static_cast<size_t>(received) < kBatchSize) break;
        }
    }
}

}  // namespace danemail::dnsserver
