// The DNS listeners of `danemail serve` around the DnsService (see serve_dns.h).
#include "app/serve_dns.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "dnsserver/server.h"
#include "dnsserver/tcp_listener.h"
#include "dnsserver/udp_listener.h"

namespace danemail::app {

Result<std::unique_ptr<DnsServing>> DnsServing::open(const Config& config) {
    std::vector<dnsserver::Endpoint> endpoints;
    for (const std::string& text : config.dns.listen) {
        auto endpoint = dnsserver::parse_endpoint(text);
        if (!endpoint) return make_error(config.path, endpoint.error().to_string());
        endpoints.push_back(std::move(*endpoint));
    }
    std::unique_ptr<DnsServing> serving(new DnsServing());
    serving->listen_ = config.dns.listen;
    auto service = DnsService::open(config);
    if (!service) return service.error();
    serving->service_ = std::move(*service);
    dnsserver::ZoneSource& source = serving->service_->zones();
    dnsserver::TransferSource& transfers = serving->service_->transfers();

    serving->workers_ = config.dns.workers;
    if (serving->workers_ == 0) serving->workers_ = std::max(1u, std::thread::hardware_concurrency());
    for (const dnsserver::Endpoint& endpoint : endpoints) {
        auto udp = dnsserver::UdpListener::open(endpoint, serving->workers_, source,
                                                dns::Edns::kDefaultUdpPayloadSize, &transfers);
        if (!udp) return udp.error();
        serving->udp_.push_back(std::move(*udp));
    }
    dnsserver::TcpLimits tcp_limits;
    tcp_limits.threads = serving->workers_;  // as many TCP threads as UDP workers: one per core by default
    auto tcp = dnsserver::TcpListener::open(endpoints, source, tcp_limits, &transfers);
    if (!tcp) return tcp.error();
    serving->tcp_ = std::move(*tcp);
    return serving;
}

DnsServing::DnsServing() = default;

DnsServing::~DnsServing() {
    stop();
}

Status DnsServing::start() {
    for (auto& listener : udp_) listener->start();
    tcp_->start();
    if (auto started = service_->start(); !started) {
        stop();
        return started.error();
    }
    return {};
}

void DnsServing::stop() {
    if (tcp_) tcp_->stop();
    for (auto& listener : udp_) listener->stop();
    if (service_) service_->stop();
}

std::string DnsServing::describe() const {
    return fmt::format("serving {} zone(s) on {} (UDP with {} workers each, TCP)",
                       service_->zones().load()->size(), fmt::join(listen_, ", "), workers_);
}

}  // namespace danemail::app
