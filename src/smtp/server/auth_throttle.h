// The growing delay after failed SMTP AUTH attempts (RFC 4954 §4 leaves the defence against password
// guessing to the server): per client (client_key() of connection_limits.h: an IPv4 address, an IPv6 /64),
// counted across all of its connections, the n-th failure's 535 reply waits first_delay × 2^(n-1), at most
// max_delay; a client is forgotten once `memory` has passed since its last failure. The table is bounded:
// when it is full the client with the oldest failure makes room. Untrusted input: the client's address.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace danemail::smtp {

class AuthThrottle {
public:
    using Clock = std::chrono::steady_clock;

    static constexpr std::chrono::hours kDefaultMemory{1};
    static constexpr size_t kDefaultMaxClients = 100'000;

    AuthThrottle(std::chrono::milliseconds first_delay, std::chrono::milliseconds max_delay,
                 Clock::duration memory = kDefaultMemory, size_t max_clients = kDefaultMaxClients);
    AuthThrottle(const AuthThrottle&) = delete;
    AuthThrottle& operator=(const AuthThrottle&) = delete;

    // Records a failed AUTH from `client_address` at `now`; returns how long its reply waits.
    std::chrono::milliseconds record_failure(std::string_view client_address,
                                             Clock::time_point now = Clock::now());

    // Failures remembered for `client_address` at `now` (0 once forgotten).
    size_t failures(std::string_view client_address, Clock::time_point now = Clock::now()) const;
    size_t tracked_clients() const;

    // first_delay × 2^(failures-1), at most max_delay; zero for no failures.
    std::chrono::milliseconds delay_after(size_t failures) const;

private:
    struct Record {
        size_t failures = 0;
        Clock::time_point last_failure;
    };

    void make_room(Clock::time_point now);  // with mutex_ held and the table full

    const std::chrono::milliseconds first_delay_;
    const std::chrono::milliseconds max_delay_;
    const Clock::duration memory_;
    const size_t max_clients_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Record> clients_;
};

}  // namespace danemail::smtp
