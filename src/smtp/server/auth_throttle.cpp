// Per-client failed-AUTH counting and the exponential delay (auth_throttle.h). The table is pruned only
// when it is full — forgotten clients first, else the one whose last failure is oldest — so a flood of
// addresses costs bounded memory and a scan per new client, small beside the password hash each attempt
// costs anyway.
#include "smtp/server/auth_throttle.h"

#include <algorithm>

#include "smtp/server/connection_limits.h"

namespace danemail::smtp {

AuthThrottle::AuthThrottle(std::chrono::milliseconds first_delay, std::chrono::milliseconds max_delay,
                           Clock::duration memory, size_t max_clients)
    : first_delay_(first_delay),
      max_delay_(max_delay),
      memory_(memory),
      max_clients_(std::max<size_t>(max_clients, 1)) {}

std::chrono::milliseconds AuthThrottle::delay_after(size_t failures) const {
    if (failures == 0 || first_delay_.count() <= 0) return std::chrono::milliseconds{0};
    // Doubling past 2^40 exceeds any sensible max_delay; stop there to keep the product in range.
    constexpr size_t kMaxDoublings = 40;
    size_t doublings = std::min(failures - 1, kMaxDoublings);
    auto delay = first_delay_.count();
    for (size_t i = 0; i < doublings && delay < max_delay_.count(); ++i) delay *= 2;
    return std::min(std::chrono::milliseconds{delay}, max_delay_);
}

std::chrono::milliseconds AuthThrottle::record_failure(std::string_view client_address,
                                                       Clock::time_point now) {
    std::string key = client_key(client_address);
    std::lock_guard lock(mutex_);
    auto it = clients_.find(key);
    if (it == clients_.end()) {
        if (clients_.size() >= max_clients_) make_room(now);
        it = clients_.emplace(std::move(key), Record{}).first;
    } else if (now - it->second.last_failure >= memory_) {
        it->second.failures = 0;  // an hour without failure: a fresh start
    }
    Record& record = it->second;
    ++record.failures;
    record.last_failure = now;
    return delay_after(record.failures);
}

size_t AuthThrottle::failures(std::string_view client_address, Clock::time_point now) const {
    std::string key = client_key(client_address);
    std::lock_guard lock(mutex_);
    auto it = clients_.find(key);
    if (it == clients_.end() || now - it->second.last_failure >= memory_) return 0;
    return it->second.failures;
}

size_t AuthThrottle::tracked_clients() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

void AuthThrottle::make_room(Clock::time_point now) {
    std::erase_if(clients_, [&](const auto& entry) { return now - entry.second.last_failure >= memory_; });
    if (clients_.size() < max_clients_) return;
    auto oldest = std::min_element(clients_.begin(), clients_.end(), [](const auto& a, const auto& b) {
        return a.second.last_failure < b.second.last_failure;
    });
    clients_.erase(oldest);
}

}  // namespace danemail::smtp
