// The text of the files `danemail init` writes: danemail.toml (commented, since it is what an operator reads
// first) and the domain's zone file with SOA, NS and glue, MX, the mail host's A/AAAA, the "3 1 1" TLSA
// records for ports 25, 465 and 587 (RFC 7672 §3.1.1, RFC 8314), SPF (RFC 7208) and DMARC (RFC 7489).
// The inputs are checked by the caller (cmd_init.cpp); nothing here touches the disk.
#pragma once

#include <string>
#include <vector>

namespace danemail::app {

struct InitSettings {
    std::string domain;             // "example.org", lower-case, no trailing dot
    std::string host;               // the mail host: "mx.example.org"
    std::vector<std::string> ipv4;  // the server's addresses (DNS and SMTP listen there)
    std::vector<std::string> ipv6;
    std::string date;  // "YYYYMMDD" (UTC): the SOA serial's date and the comments
};

// The name server the zone names: "ns1.<domain>", served by danemail itself on the same addresses.
std::string name_server(const InitSettings& settings);
// True when the mail host's name lies inside the domain, so its A/AAAA and TLSA records go into the zone.
bool host_in_domain(const InitSettings& settings);

// The ports whose TLSA records are published: 25 (MX), 465 (submissions), 587 (submission).
const std::vector<int>& tlsa_ports();

// danemail.toml; relative paths: state/, tls/<host>.crt, tls/<host>.key, zones/<domain>.zone.
std::string config_text(const InitSettings& settings);
std::string zone_file_name(const InitSettings& settings);  // "zones/example.org.zone"
std::string certificate_file_name(const InitSettings& settings);
std::string private_key_file_name(const InitSettings& settings);

// The host's A, AAAA and TLSA records ("3 1 1 <hex>" in `tlsa_rdata`), absolute owner names, one a line.
std::string host_records(const InitSettings& settings, const std::string& tlsa_rdata);
// The zone file; the host's records are in it when host_in_domain().
std::string zone_text(const InitSettings& settings, const std::string& tlsa_rdata);

}  // namespace danemail::app
