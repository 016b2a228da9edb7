// The NOTIFY sender's thread (RFC 1996 §3.5–§3.7, §4.7 retransmission; RFC 8945 §5.1 signing): poll on one
// UDP socket per address family and a wake eventfd; send what is due, double the timeout after each try,
// and retire a NOTIFY when its response arrives or its tries run out. Responses are untrusted: they must
// parse, be responses with opcode NOTIFY, carry the ID and question sent, come from the target's address and
// port, and verify with the target's TSIG key when the NOTIFY was signed.
#include "dnsserver/notify.h"

#include <openssl/rand.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "dns/message.h"
#include "dnsserver/tsig.h"
#include "zone/journal.h"

namespace danemail::dnsserver {

namespace {

constexpr size_t kMaxOutcomes = 1000;
constexpr size_t kReceiveBuffer = 65535;

uint16_t random_id() {
    uint16_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1)
        id = static_cast<uint16_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return id;
}

// Address family, address and port equal.
bool same_endpoint(const sockaddr_storage& from, socklen_t length, const Endpoint& endpoint) {
    if (from.ss_family != endpoint.address.ss_family) return false;
    if (from.ss_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in a, b;
        std::memcpy(&a, &from, sizeof a);
        std::memcpy(&b, &endpoint.address, sizeof b);
        return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
    }
    if (from.ss_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 a, b;
        std::memcpy(&a, &from, sizeof a);
        std::memcpy(&b, &endpoint.address, sizeof b);
        return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
    }
    return false;
}

std::string pending_key(const dns::Name& apex, const Endpoint& target) {
    return apex.to_text() + " " + target.text;
}

}  // namespace

bool answers_notify(const dns::Message& response, ByteView wire, uint16_t id, const dns::Name& apex,
                    const TsigKey* key, const Bytes& request_mac, UnixTime now) {
    if (!response.header.qr || response.header.opcode != dns::Opcode::Notify) return false;
    if (response.questions.size() != 1) return false;
    const dns::Question& question = response.questions.front();
    if (question.type != dns::type::SOA || question.rclass != dns::rrclass::IN) return false;
    if (response.header.id != id || !(question.name == apex)) return false;
    if (key) {  // RFC 8945 §5.3: the response to a signed NOTIFY is signed too
        TsigResponseVerifier verifier(*key, request_mac);
        // A TSIG error the target reports (NOTAUTH with BADKEY or BADSIG, unsigned) is its answer too:
        // retrying would not change it.
        bool reported_error = response.header.rcode == dns::Rcode::NotAuth && response.tsig();
        if (!verifier.verify(wire, now) && !reported_error) return false;
    }
    return true;
}

struct Notifier::Socket {
    FileDescriptor fd;
    int family = 0;
};

// One NOTIFY of one zone version to one target, until answered or given up.
struct Notifier::Pending {
    dns::Name apex;
    uint32_t serial = 0;
    std::optional<dns::Record> soa;
    NotifyTarget target;
    uint16_t id = 0;
    Bytes request_mac;  // of the last signed try: a signed response covers it (RFC 8945 §4.3.1)
    unsigned tries = 0;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point next_send;
};

Notifier::Notifier(std::vector<NotifyTarget> targets, NotifyOptions options)
    : options_(std::move(options)), targets_(std::move(targets)) {}

Notifier::~Notifier() {
    stop();
}

Result<std::unique_ptr<Notifier>> Notifier::start(std::vector<NotifyTarget> targets, NotifyOptions options) {
    std::unique_ptr<Notifier> notifier(new Notifier(std::move(targets), std::move(options)));
    notifier->wake_ = FileDescriptor(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!notifier->wake_) return make_error("notify", std::string("eventfd: ") + std::strerror(errno));
    for (int family : {AF_INET, AF_INET6}) {
        FileDescriptor fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd) continue;  // e.g. no IPv6 on this host: targets of that family are skipped
        if (family == AF_INET6) {
            int on = 1;
            (void)::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        }
        for (const Endpoint& source : notifier->options_.sources) {
            if (source.family() != family) continue;
            sockaddr_storage address = source.address;
            if (family == AF_INET)
                reinterpret_cast<sockaddr_in*>(&address)->sin_port = 0;
            else
                reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = 0;
            if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), source.length) != 0)
                return make_error("notify", "bind to " + source.text + ": " + std::strerror(errno));
            break;
        }
        notifier->sockets_.push_back(std::make_unique<Socket>(Socket{std::move(fd), family}));
    }
    notifier->thread_ = std::thread([n = notifier.get()] { n->run(); });
    return notifier;
}

void Notifier::announce(const dns::Record& soa) {
    enqueue(soa.owner, zone::soa_serial(soa), soa);
}

void Notifier::announce(const dns::Name& apex, uint32_t serial) {
    enqueue(apex, serial, std::nullopt);
}

void Notifier::enqueue(const dns::Name& apex, uint32_t serial, std::optional<dns::Record> soa) {
    {
        std::lock_guard lock(mutex_);
        for (const NotifyTarget& target : targets_) {
            // A newer version replaces the one still pending for this zone and target (RFC 1996 §4.7 asks
            // only that the secondary learn of the newest serial).
            auto pending = std::make_unique<Pending>();
            pending->apex = apex;
            pending->serial = serial;
            pending->soa = soa;
            pending->target = target;
            pending->id = random_id();
            pending->timeout = options_.first_timeout;
            pending->next_send = std::chrono::steady_clock::now();
            pending_[pending_key(apex, target.endpoint)] = std::move(pending);
        }
    }
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void Notifier::set_targets(std::vector<NotifyTarget> targets) {
    std::lock_guard lock(mutex_);
    targets_ = std::move(targets);
    for (auto it = pending_.begin(); it != pending_.end();) {
        bool kept = false;
        for (const NotifyTarget& target : targets_)
            kept = kept || it->first == pending_key(it->second->apex, target.endpoint);
        it = kept ? std::next(it) : pending_.erase(it);
    }
}

std::vector<NotifyOutcome> Notifier::outcomes() const {
    std::lock_guard lock(mutex_);
    return outcomes_;
}

size_t Notifier::pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

void Notifier::stop() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
    thread_.join();
    std::lock_guard lock(mutex_);
    pending_.clear();
}

int Notifier::socket_for(const Endpoint& endpoint) const {
    for (const auto& socket : sockets_)
        if (socket->family == endpoint.family()) return socket->fd.get();
    return -1;
}

void Notifier::finish(const std::string& key, bool answered, dns::Rcode rcode) {
    auto it = pending_.find(key);
    if (it == pending_.end()) return;
    const Pending& pending = *it->second;
    NotifyOutcome outcome{pending.apex, pending.serial, pending.target.endpoint.text,
                          answered,     rcode,          pending.tries};
    if (options_.log) {
        if (!answered)
            fmt::print(stderr, "danemail: NOTIFY {} serial {} to {}: no answer after {} tries\n",
                       outcome.apex.to_text(), outcome.serial, outcome.target, outcome.tries);
        else
            fmt::print(stderr, "danemail: NOTIFY {} serial {} to {}: {}\n", outcome.apex.to_text(),
                       outcome.serial, outcome.target,
                       rcode == dns::Rcode::NoError ? std::string("acknowledged")
                                                    : "answered " + dns::rcode_to_text(rcode));
    }
    if (outcomes_.size() >= kMaxOutcomes) outcomes_.erase(outcomes_.begin());
    outcomes_.push_back(std::move(outcome));
    pending_.erase(it);
}

// Sends every NOTIFY whose time has come; gives up on those out of tries. Called with the mutex held.
void Notifier::send_due(std::chrono::steady_clock::time_point now) {
    std::vector<std::string> exhausted;
    for (auto& [key, pending] : pending_) {
        if (pending->next_send > now) continue;
        if (pending->tries >= options_.tries) {
            exhausted.push_back(key);
            continue;
        }
        // RFC 1996 §3.7: opcode NOTIFY, AA, the question <apex> SOA IN, the new SOA as a hint.
        dns::Header header;
        header.id = pending->id;
        header.opcode = dns::Opcode::Notify;
        header.aa = true;
        Bytes message;
        dns::MessageBuilder builder(message, header);
        bool built = builder.add_question({pending->apex, dns::type::SOA, dns::rrclass::IN});
        if (built && pending->soa) built = builder.add_record(dns::Section::Answer, *pending->soa);
        built = built && builder.finish();
        if (built && pending->target.key) {
            TsigSigner signer(*pending->target.key);
            built = static_cast<bool>(signer.sign(message, now_unix()));
            pending->request_mac = signer.mac();
        }
        ++pending->tries;
        pending->next_send = now + pending->timeout;
        pending->timeout *= 2;
        int fd = socket_for(pending->target.endpoint);
        if (!built || fd < 0) {
            pending->tries = options_.tries;  // cannot be sent: give up at the next round
            continue;
        }
        // A failed send counts as a try: the retry timer covers transient errors.
        (void)::sendto(fd, message.data(), message.size(), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&pending->target.endpoint.address),
                       pending->target.endpoint.length);
    }
    for (const std::string& key : exhausted) finish(key, false, dns::Rcode::NoError);
}

// Reads every datagram waiting on `fd` and retires the NOTIFY each one answers. Called with the mutex held.
void Notifier::receive(int fd) {
    std::array<uint8_t, kReceiveBuffer> buffer;
    for (;;) {
        sockaddr_storage from{};
        socklen_t from_length = sizeof from;
        ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &from_length);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // EAGAIN: drained; anything else: ignore, the retry timer goes on
        }
        if (static_cast<size_t>(n) > buffer.size()) continue;  // truncated: not a response we sent for
        ByteView wire(buffer.data(), static_cast<size_t>(n));
        auto response = dns::parse_message(wire);
        if (!response) continue;
        std::string key;
        for (const auto& [pending_key_text, pending] : pending_) {
            if (pending->tries == 0 || !same_endpoint(from, from_length, pending->target.endpoint)) continue;
            const TsigKey* tsig_key = pending->target.key ? &*pending->target.key : nullptr;
            if (!answers_notify(*response, wire, pending->id, pending->apex, tsig_key, pending->request_mac,
                                now_unix()))
                continue;
            key = pending_key_text;
            break;
        }
        if (!key.empty()) finish(key, true, response->header.rcode);
    }
}

void Notifier::run() {
    using namespace std::chrono;
    std::vector<pollfd> fds;
    fds.push_back({wake_.get(), POLLIN, 0});
    for (const auto& socket : sockets_) fds.push_back({socket->fd.get(), POLLIN, 0});
    for (;;) {
        int timeout_ms = -1;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            auto now = steady_clock::now();
            send_due(now);
            for (const auto& [key, pending] : pending_) {
                auto wait = duration_cast<milliseconds>(pending->next_send - now).count() + 1;
                if (wait < 0) wait = 0;
                if (timeout_ms < 0 || wait < timeout_ms) timeout_ms = static_cast<int>(wait);
            }
        }
        int ready = ::poll(fds.data(), fds.size(), timeout_ms);
        if (ready < 0 && errno != EINTR) return;
        if (ready <= 0) continue;
        if (fds[0].revents != 0) {
            uint64_t count = 0;
            [[maybe_unused]] ssize_t n = ::read(wake_.get(), &count, sizeof count);
        }
        std::lock_guard lock(mutex_);
        for (size_t i = 1; i < fds.size(); ++i)
            if (fds[i].revents & POLLIN) receive(fds[i].fd);
    }
}

}  // namespace danemail::dnsserver
