// The DNS side of `danemail serve` between the listeners and the zones: one thread that keeps every
// configured zone current — signs it at start (or serves the version saved in the state directory at once),
// re-signs before signatures expire, reloads on request (SIGHUP or `danemail dns reload`), moves key
// rollovers forward, and after each new version swaps the snapshots the listeners read, then sends NOTIFY
// to the secondaries. A zone that fails to load or sign keeps serving its last good version and the
// failure is logged as an alarm; a zone is never served unsigned when it should be signed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "base/result.h"
#include "dnsserver/server.h"

namespace danemail::app {

struct ServiceReply {
    bool ok = true;
    std::string text;
};

class DnsService {
public:
    // Opens every zone and makes its first version (the saved one when it is still valid, else signed now),
    // so the listeners can start with all zones present. Errors when a zone has no version to serve.
    static Result<std::unique_ptr<DnsService>> open(const Config& config);
    ~DnsService();
    DnsService(const DnsService&) = delete;
    DnsService& operator=(const DnsService&) = delete;

    dnsserver::ZoneSource& zones();
    dnsserver::TransferSource& transfers();

    // Starts the maintenance thread (re-signing, rollovers, reloads) and the NOTIFY sender, which announces
    // every zone once to catch up secondaries.
    Status start();
    void stop();

    // Re-reads the configuration file and every zone file; returns once done.
    ServiceReply reload();
    // Control requests: "reload", "status", "keys ZONE", "ds-seen ZONE", "sign ZONE".
    ServiceReply handle(const std::vector<std::string>& words);

private:
    struct State;
    explicit DnsService(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace danemail::app
