// Parsing of listen endpoints for the DNS listeners: numeric IPv4 "a.b.c.d:port" and IPv6 "[addr]:port".
// The text comes from the operator's config file.
#include "dnsserver/server.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace danemail::dnsserver {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

FileDescriptor::~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
}

Result<Endpoint> parse_endpoint(const std::string& text) {
    auto fail = [&text] {
        return make_error("listen address '" + text + "': expected \"IPv4:port\" or \"[IPv6]:port\"");
    };
    std::string host;
    std::string port_text;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return fail();
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        size_t colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon) return fail();
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port_text.empty() || port > 65535)
        return fail();

    Endpoint endpoint;
    endpoint.text = text;
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<uint16_t>(port));
        std::memcpy(&endpoint.address, &v4, sizeof v4);
        endpoint.length = sizeof v4;
    } else if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<uint16_t>(port));
        std::memcpy(&endpoint.address, &v6, sizeof v6);
        endpoint.length = sizeof v6;
    } else {
        return fail();
    }
    return endpoint;
}

}  // namespace danemail::dnsserver
