// The DNS side of `danemail serve`: the zones (DnsService: inline signing, re-signing, rollovers, reloads)
// served over UDP (SO_REUSEPORT workers) and TCP (Boost.Asio coroutines, zone transfers to the configured
// secondaries) on the [dns] listen addresses. Operator input only (the checked configuration).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/dns_service.h"
#include "base/result.h"

namespace danemail::dnsserver {
class UdpListener;
class TcpListener;
}  // namespace danemail::dnsserver

namespace danemail::app {

class DnsServing {
public:
    // Opens every zone (signing it when needed) and binds the listeners; start() begins serving.
    static Result<std::unique_ptr<DnsServing>> open(const Config& config);
    ~DnsServing();
    DnsServing(const DnsServing&) = delete;
    DnsServing& operator=(const DnsServing&) = delete;

    Status start();
    void stop();  // idempotent

    DnsService& service() { return *service_; }
    // "serving 1 zone(s) on 127.0.0.1:53 (UDP with 2 workers each, TCP)".
    std::string describe() const;

private:
    DnsServing();

    std::vector<std::string> listen_;
    unsigned workers_ = 1;
    std::unique_ptr<DnsService> service_;
    std::vector<std::unique_ptr<dnsserver::UdpListener>> udp_;
    std::unique_ptr<dnsserver::TcpListener> tcp_;
};

}  // namespace danemail::app
