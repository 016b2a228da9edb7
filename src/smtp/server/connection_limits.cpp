// Client keys (IPv6 by /64, RFC 4291 §2.5.4 and §2.5.5.2) and open connections counted overall and per key
// under one mutex (connection_limits.h); a client's entry disappears with its last connection, so the table
// is as large as the number of clients connected.
#include "smtp/server/connection_limits.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace danemail::smtp {

std::string client_key(std::string_view address) {
    std::string text(address);
    std::array<unsigned char, 16> bytes{};
    if (text.find(':') == std::string::npos || ::inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1)
        return text;
    static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char printed[INET6_ADDRSTRLEN] = {};
    if (std::memcmp(bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0) {
        ::inet_ntop(AF_INET, bytes.data() + 12, printed, sizeof printed);
        return printed;
    }
    std::fill(bytes.begin() + 8, bytes.end(), 0);  // keep the /64 network, drop the interface identifier
    ::inet_ntop(AF_INET6, bytes.data(), printed, sizeof printed);
    return std::string(printed) + "/64";
}

ConnectionLimits::ConnectionLimits(size_t max_total, size_t max_per_client, std::atomic<size_t>& open_total)
    : max_total_(max_total), max_per_client_(max_per_client), open_total_(open_total) {}

ConnectionLimits::Slot::Slot(Slot&& other) noexcept : limits_(other.limits_), key_(std::move(other.key_)) {
    other.limits_ = nullptr;
}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        limits_ = other.limits_;
        key_ = std::move(other.key_);
        other.limits_ = nullptr;
    }
    return *this;
}

void ConnectionLimits::Slot::release() {
    if (limits_ == nullptr) return;
    limits_->release(key_);
    limits_ = nullptr;
}

Admission ConnectionLimits::admit(std::string_view client_address, Slot& slot) {
    slot.release();
    std::string key = client_key(client_address);
    std::lock_guard lock(mutex_);
    if (open_total_.load() >= max_total_) return Admission::ServerFull;
    size_t& open = per_client_[key];
    if (open >= max_per_client_) {
        if (open == 0) per_client_.erase(key);  // max_per_client 0: admit nobody, keep no entry
        return Admission::ClientFull;
    }
    ++open;
    ++open_total_;
    slot = Slot(this, std::move(key));
    return Admission::Admitted;
}

size_t ConnectionLimits::open_from(std::string_view client_address) const {
    std::string key = client_key(client_address);
    std::lock_guard lock(mutex_);
    auto it = per_client_.find(key);
    return it == per_client_.end() ? 0 : it->second;
}

void ConnectionLimits::release(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = per_client_.find(key);
    if (it == per_client_.end()) return;
    if (--it->second == 0) per_client_.erase(it);
    --open_total_;
}

}  // namespace danemail::smtp
