// The DS query to a parent's servers (RFC 4035 §3.1.4.1: the parent side of the cut answers DS
// authoritatively). Each answer is untrusted network input: a datagram whose ID or question does not match
// ours is ignored (a stray or forged packet; the connected UDP socket already drops other sources), anything
// else that breaks RFC 1035 §4.1 or is not an authoritative NOERROR answer is an error naming the server.
// Not DNSSEC-validated (see parent_ds.h).
#include "dnsserver/parent_ds.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dns/message.h"

namespace danemail::dnsserver {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kTcpLengthPrefix = 2;  // RFC 1035 §4.2.2

uint16_t random_id() {
    uint16_t id = 0;
    if (::getrandom(&id, sizeof id, 0) != static_cast<ssize_t>(sizeof id)) {
        // getrandom cannot fail for 2 bytes once the pool is ready; fall back to something that varies.
        id = static_cast<uint16_t>(Clock::now().time_since_epoch().count());
    }
    return id;
}

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<int64_t>(0, left));
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Waits for `events` on `fd` until the deadline; false on timeout or error (message in `why`).
bool wait_for(int fd, short events, Clock::time_point deadline, std::string& why) {
    for (;;) {
        pollfd p{fd, events, 0};
        int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready > 0) return true;
        if (ready == 0) {
            why = "no answer before the timeout";
            return false;
        }
        if (errno != EINTR) {
            why = errno_text("poll");
            return false;
        }
    }
}

Bytes make_query(const dns::Name& zone, uint16_t id) {
    dns::Message query;
    query.header.id = id;
    query.header.rd = false;  // the parent's authoritative data, not a resolver's
    query.questions.push_back({zone, dns::type::DS, dns::rrclass::IN});
    dns::Edns edns;
    edns.udp_payload_size = kParentQueryPayload;
    edns.dnssec_ok = true;
    query.edns = edns;
    return dns::message_to_wire(query).value();
}

FileDescriptor open_socket(const Endpoint& server, int type, std::string& why) {
    FileDescriptor fd(::socket(server.family(), type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        why = errno_text("socket");
        return fd;
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.address), server.length) != 0 &&
        errno != EINPROGRESS) {
        why = errno_text("connect");
        return FileDescriptor();
    }
    return fd;
}

// One UDP exchange; nullopt with `why` set on failure.
std::optional<dns::Message> exchange_udp(const Endpoint& server, const dns::Name& zone,
                                         Clock::time_point deadline, std::string& why) {
    FileDescriptor fd = open_socket(server, SOCK_DGRAM, why);
    if (!fd) return std::nullopt;
    const uint16_t id = random_id();
    const Bytes query = make_query(zone, id);
    if (::send(fd.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
        why = errno_text("send");
        return std::nullopt;
    }
    Bytes buffer(dns::kMaxMessageSize);
    size_t ignored = 0;
    std::string last_ignored;
    for (;;) {
        if (!wait_for(fd.get(), POLLIN, deadline, why)) {
            if (ignored)
                why +=
                    " (ignored " + std::to_string(ignored) + " datagram(s), the last " + last_ignored + ")";
            return std::nullopt;
        }
        ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            why = errno_text("recv");  // ECONNREFUSED: nothing listens there
            return std::nullopt;
        }
        // Not an answer to our query (RFC 5452 §9.1): ignored, and we keep listening until the deadline.
        auto response = dns::parse_message(ByteView(buffer.data(), static_cast<size_t>(n)));
        if (!response) {
            ++ignored;
            last_ignored = "malformed: " + response.error().to_string();
            continue;
        }
        if (!answers_parent_ds_query(*response, id, zone)) {
            ++ignored;
            last_ignored = "not matching the query's ID, QR, opcode or question";
            continue;
        }
        return std::move(*response);
    }
}

// Reads exactly `size` bytes from a TCP socket before the deadline.
bool read_exactly(int fd, uint8_t* out, size_t size, Clock::time_point deadline, std::string& why) {
    size_t have = 0;
    while (have < size) {
        if (!wait_for(fd, POLLIN, deadline, why)) return false;
        ssize_t n = ::recv(fd, out + have, size - have, 0);
        if (n == 0) {
            why =
                "connection closed after " + std::to_string(have) + " of " + std::to_string(size) + " bytes";
            return false;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            why = errno_text("recv");
            return false;
        }
        have += static_cast<size_t>(n);
    }
    return true;
}

// One TCP exchange (RFC 7766 §8: 2-byte length prefix); nullopt with `why` set on failure.
std::optional<dns::Message> exchange_tcp(const Endpoint& server, const dns::Name& zone,
                                         Clock::time_point deadline, std::string& why) {
    FileDescriptor fd = open_socket(server, SOCK_STREAM, why);
    if (!fd) return std::nullopt;
    if (!wait_for(fd.get(), POLLOUT, deadline, why)) return std::nullopt;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
        why = std::string("connect: ") + std::strerror(error ? error : errno);
        return std::nullopt;
    }
    const uint16_t id = random_id();
    const Bytes query = make_query(zone, id);
    Bytes framed{static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
    framed.insert(framed.end(), query.begin(), query.end());
    size_t sent = 0;
    while (sent < framed.size()) {
        if (!wait_for(fd.get(), POLLOUT, deadline, why)) return std::nullopt;
        ssize_t n = ::send(fd.get(), framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            why = errno_text("send");
            return std::nullopt;
        }
        sent += static_cast<size_t>(n);
    }
    uint8_t prefix[kTcpLengthPrefix];
    if (!read_exactly(fd.get(), prefix, sizeof prefix, deadline, why)) return std::nullopt;
    const size_t size = (size_t{prefix[0]} << 8) | prefix[1];
    if (size < dns::kHeaderSize) {
        why = "TCP answer of " + std::to_string(size) + " bytes is shorter than a DNS header";
        return std::nullopt;
    }
    Bytes buffer(size);
    if (!read_exactly(fd.get(), buffer.data(), size, deadline, why)) return std::nullopt;
    auto response = dns::parse_message(buffer);
    if (!response) {
        why = "malformed TCP answer: " + response.error().to_string();
        return std::nullopt;
    }
    if (!answers_parent_ds_query(*response, id, zone)) {
        why = "the TCP answer does not match the query (ID, QR, opcode or question)";
        return std::nullopt;
    }
    return std::move(*response);
}

}  // namespace

bool answers_parent_ds_query(const dns::Message& response, uint16_t id, const dns::Name& zone) {
    return response.header.id == id && response.header.qr && response.header.opcode == dns::Opcode::Query &&
           response.questions.size() == 1 && response.questions[0].name == zone &&
           response.questions[0].type == dns::type::DS && response.questions[0].rclass == dns::rrclass::IN;
}

Result<ParentDs> read_parent_ds_answer(const dns::Message& response, const dns::Name& zone) {
    if (response.header.rcode != dns::Rcode::NoError)
        return make_error("answered " + dns::rcode_to_text(response.header.rcode));
    if (!response.header.aa)
        return make_error("answered without AA: not authoritative for the parent of " + zone.to_text());
    ParentDs result;
    bool have_ttl = false;
    for (const dns::Record& record : response.answer) {
        if (record.type == dns::type::RRSIG) continue;  // not validated here
        if (record.type != dns::type::DS || !(record.owner == zone) || record.rclass != dns::rrclass::IN)
            return make_error("unexpected " + dns::type_to_text(record.type) + " record for " +
                              record.owner.to_text() + " in the answer");
        auto ds = dns::DsRdata::decode(record.rdata);
        if (!ds) return make_error("malformed DS record: " + ds.error().to_string());
        result.ds.push_back(std::move(*ds));
        result.ttl = have_ttl ? std::min(result.ttl, record.ttl) : record.ttl;  // RFC 2181 §5.2
        have_ttl = true;
    }
    if (result.ds.empty()) {
        // NODATA: the negative TTL is the lesser of the SOA's TTL and its MINIMUM (RFC 2308 §5).
        for (const dns::Record& record : response.authority)
            if (record.type == dns::type::SOA)
                if (auto soa = dns::SoaRdata::decode(record.rdata))
                    result.ttl = std::min(record.ttl, soa->minimum);
    }
    return result;
}

Result<ParentDs> query_parent_ds(const dns::Name& zone, std::span<const Endpoint> servers,
                                 std::chrono::milliseconds timeout) {
    if (servers.empty()) return make_error(zone.to_text(), "no parent servers to ask for the DS RRset");
    std::string failures;
    for (const Endpoint& server : servers) {
        const Clock::time_point deadline = Clock::now() + timeout;
        std::string why;
        auto response = exchange_udp(server, zone, deadline, why);
        if (response && response->header.tc) {
            // RFC 7766 §5: a truncated answer is asked again over TCP, with a fresh timeout.
            response = exchange_tcp(server, zone, Clock::now() + timeout, why);
            if (!response) why = "over TCP after a truncated UDP answer: " + why;
        }
        if (response) {
            auto answer = read_parent_ds_answer(*response, zone);
            if (answer) {
                answer->server = server.text;
                return std::move(*answer);
            }
            why = answer.error().to_string();
        }
        failures += (failures.empty() ? "" : "; ") + server.text + ": " + why;
    }
    return make_error(zone.to_text() + " DS", "no parent server answered: " + failures);
}

}  // namespace danemail::dnsserver
