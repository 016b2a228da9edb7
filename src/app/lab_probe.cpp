// One DNS question over UDP to a lab server, for `lab up` (waiting until each server answers) and
// `lab status`.
#include "app/lab_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace danemail::app::lab {
namespace {

// Closes the socket when the probe returns.
class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const { return fd_; }

private:
    int fd_;
};

uint16_t random_id() {
    static std::mt19937 generator{std::random_device{}()};
    return static_cast<uint16_t>(generator());
}

}  // namespace

Result<ProbeAnswer> ask(const Probe& probe) {
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(probe.port);
    if (::inet_pton(AF_INET, probe.address.c_str(), &server.sin_addr) != 1)
        return make_error(probe.address, "not an IPv4 address");

    dns::Message query;
    query.header.id = random_id();
    query.header.rd = probe.recursion_desired;
    query.questions.push_back({probe.name, probe.type});
    if (probe.dnssec_ok) {
        dns::Edns edns;
        edns.dnssec_ok = true;
        query.edns = edns;
    }
    auto wire = dns::message_to_wire(query);
    if (!wire) return wire.error();

    Socket socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (socket.fd() < 0) return make_error(std::string("socket: ") + std::strerror(errno));
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0 ||
        ::send(socket.fd(), wire->data(), wire->size(), 0) < 0)
        return make_error(probe.address, std::strerror(errno));

    const auto deadline = std::chrono::steady_clock::now() + probe.timeout;
    Bytes reply(dns::kMaxMessageSize);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return make_error(probe.address, "no answer");
        pollfd wait{socket.fd(), POLLIN, 0};
        const int ready = ::poll(&wait, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return make_error(probe.address, "no answer");
        const ssize_t got = ::recv(socket.fd(), reply.data(), reply.size(), 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return make_error(probe.address, std::strerror(errno));  // e.g. ECONNREFUSED: nothing listens
        }
        auto message = dns::parse_message(ByteView(reply.data(), static_cast<size_t>(got)));
        if (!message || !message->header.qr || message->header.id != query.header.id ||
            message->questions.size() != 1 || !(message->questions[0].name == probe.name) ||
            message->questions[0].type != probe.type)
            continue;  // not the answer to this question
        ProbeAnswer answer;
        answer.rcode = message->header.rcode;
        answer.authoritative = message->header.aa;
        answer.authenticated = message->header.ad;
        answer.answer_count = message->answer.size();
        for (const dns::Record& record : message->answer)
            if (record.type == probe.type) answer.answer_has_type = true;
        return answer;
    }
}

bool answers_soa(const std::string& address, const dns::Name& apex, std::chrono::milliseconds timeout) {
    Probe probe{address, 53, apex, dns::type::SOA, false, false, timeout};
    auto answer = ask(probe);
    return answer && answer->rcode == dns::Rcode::NoError && answer->authoritative && answer->answer_has_type;
}

}  // namespace danemail::app::lab
