// Per-client limits of the SMTP server: which client a connection counts against (an IPv4 address, an IPv6
// /64 — one subscriber's prefix, RFC 6177 §2), and caps on open connections overall and per client, so one
// client cannot take every slot or run many parallel password guesses. Untrusted input: the client's
// address. Thread-safe: connections on every I/O thread share one ConnectionLimits.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace danemail::smtp {

// The key a client's limits are counted under: "192.0.2.1" → "192.0.2.1"; "2001:db8:1:2:a:b:c:d" →
// "2001:db8:1:2::/64" (its holder has 2^64 addresses to rotate through); an IPv4-mapped IPv6 address
// ("::ffff:192.0.2.1") counts as its IPv4 address. Text that is no numeric address is returned unchanged.
std::string client_key(std::string_view address);

enum class Admission {
    Admitted,
    ServerFull,  // max_total connections are open
    ClientFull,  // max_per_client connections from this client are open
};

class ConnectionLimits {
public:
    // `open_total` counts the admitted connections (the server reports it); it is updated here.
    ConnectionLimits(size_t max_total, size_t max_per_client, std::atomic<size_t>& open_total);
    ConnectionLimits(const ConnectionLimits&) = delete;
    ConnectionLimits& operator=(const ConnectionLimits&) = delete;

    // One admitted connection; gives its place back when destroyed. Must not outlive its ConnectionLimits.
    class Slot {
    public:
        Slot() = default;
        Slot(Slot&& other) noexcept;
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { release(); }

        explicit operator bool() const { return limits_ != nullptr; }
        void release();

    private:
        friend class ConnectionLimits;
        Slot(ConnectionLimits* limits, std::string key) : limits_(limits), key_(std::move(key)) {}

        ConnectionLimits* limits_ = nullptr;
        std::string key_;
    };

    // Admits a connection from `client_address` (numeric) into `slot`, or says which limit refuses it
    // (then `slot` is left empty).
    Admission admit(std::string_view client_address, Slot& slot);

    size_t open_total() const { return open_total_.load(); }
    size_t open_from(std::string_view client_address) const;

private:
    void release(const std::string& key);

    const size_t max_total_;
    const size_t max_per_client_;
    std::atomic<size_t>& open_total_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, size_t> per_client_;  // only clients with open connections
};

}  // namespace danemail::smtp
