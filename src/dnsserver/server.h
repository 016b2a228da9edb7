// Shared pieces of the DNS listeners: a listen endpoint (address and port, IPv4 or IPv6) and the ZoneSource
// through which UDP workers and the TCP acceptor see the current ZoneSet snapshot; a reload swaps in a new
// snapshot atomically and never stops answering (issue 3). No untrusted input here.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/name.h"
#include "dns/record.h"
#include "dnsserver/tsig_key.h"
#include "zone/journal.h"
#include "zone/zone_set.h"

namespace danemail::dnsserver {

// An owned file descriptor, closed on destruction.
class FileDescriptor {
public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept;
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor();

    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

struct Endpoint {
    sockaddr_storage address{};
    socklen_t length = 0;
    std::string text;  // "127.0.0.1:53", "[::1]:53"

    int family() const { return address.ss_family; }
};

// Parses "192.0.2.1:53" or "[2001:db8::1]:53" (numeric addresses only).
Result<Endpoint> parse_endpoint(const std::string& text);

class ZoneSource {
public:
    explicit ZoneSource(std::shared_ptr<const zone::ZoneSet> zones) : zones_(std::move(zones)) {}
    std::shared_ptr<const zone::ZoneSet> load() const { return zones_.load(std::memory_order_acquire); }
    void store(std::shared_ptr<const zone::ZoneSet> zones) {
        zones_.store(std::move(zones), std::memory_order_release);
    }

private:
    std::atomic<std::shared_ptr<const zone::ZoneSet>> zones_;
};

// A secondary allowed to transfer (RFC 5936 §5: access control is the primary's choice): its queries must
// come from `address` and be signed with the TSIG key named `key` (RFC 8945).
struct TransferPeer {
    std::string address;  // numeric, as the peer address prints ("127.0.0.1", "::1")
    dns::Name key;
};

// What AXFR (RFC 5936) and IXFR (RFC 1995) serve: each zone's signed records and its journal, the
// secondaries allowed to transfer, and the TSIG keys the server knows. Swapped whole on reload, like the
// ZoneSet; a zone's records and journal are shared between snapshots until that zone changes.
struct TransferZones {
    struct Zone {
        dns::Name apex;
        // The signed zone, SOA included: `records` when the server keeps them, else read back from `served`
        // for each transfer (a snapshot takes less memory than the records it was built from).
        std::shared_ptr<const std::vector<dns::Record>> records;
        std::shared_ptr<const zone::ServedZone> served;
        std::shared_ptr<const zone::Journal> journal;  // for IXFR; null: AXFR form only
    };
    std::vector<Zone> zones;
    std::vector<TransferPeer> peers;
    std::vector<TsigKey> keys;

    const Zone* find(const dns::Name& apex) const {
        for (const Zone& zone : zones)
            if (zone.apex == apex) return &zone;
        return nullptr;
    }
};

class TransferSource {
public:
    explicit TransferSource(std::shared_ptr<const TransferZones> zones) : zones_(std::move(zones)) {}
    std::shared_ptr<const TransferZones> load() const { return zones_.load(std::memory_order_acquire); }
    void store(std::shared_ptr<const TransferZones> zones) {
        zones_.store(std::move(zones), std::memory_order_release);
    }

private:
    std::atomic<std::shared_ptr<const TransferZones>> zones_;
};

}  // namespace danemail::dnsserver
