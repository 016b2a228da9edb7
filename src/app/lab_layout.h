// The lab's fixed topology: a small DNS Internet on loopback (DESIGN.md "The lab"). The root zone, the TLD
// `test.` and four provider zones, each served by its own `danemail serve` on its own 127.1.x.y:53, a mail
// host mx.<zone> at 127.1.N.25 in every provider zone, and a validating unbound at 127.1.0.53. Later issues'
// tests build on these exact addresses. Also where each server's files live under the lab directory D.
#pragma once

#include <string>
#include <vector>

namespace danemail::app::lab {

// How a zone of the lab is signed.
enum class LabSigning {
    Nsec,      // signed inline by its server, NSEC (RFC 4034 §4)
    Nsec3,     // signed inline, NSEC3 with RFC 9276 parameters (RFC 5155)
    Unsigned,  // served unsigned and delegated without DS: insecure (RFC 4035 §5.2)
    Bogus,     // signed by the lab, one RRSIG corrupted, served presigned; its DS is correct: bogus
};

struct LabZone {
    std::string name;       // "alpha.test"; "." for the root
    std::string directory;  // its folder under D: "alpha.test", "test", "root"
    std::string address;    // where its server listens (port 53)
    std::string parent;     // the parent zone's name; empty for the root
    LabSigning signing;
    std::string mail_address;  // mx.<zone>'s address; empty for the root and the TLD
};

inline constexpr const char* kResolverAddress = "127.1.0.53";  // the lab's validating unbound
inline constexpr unsigned short kDnsPort = 53;

// Every zone of the lab, parents before their children.
const std::vector<LabZone>& lab_zones();

// The zone's name with a trailing dot: "alpha.test.", ".".
std::string absolute_name(const LabZone& zone);
// Its name server: ns.<zone> ("ns." for the root).
std::string name_server(const LabZone& zone);

// Where a zone's files live under the lab directory `dir` (absolute).
struct ZonePaths {
    std::string root;       // D/<directory>
    std::string config;     // D/<directory>/danemail.toml
    std::string zone_file;  // D/<directory>/<directory>.zone (unsigned; signed by the lab for Bogus)
    std::string state;      // D/<directory>/state (keys in state/keys/<zone>, control socket)
    std::string keys;       // D/<directory>/state/keys/<zone or "root">: the config's default
    std::string log;        // D/<directory>/serve.log
    std::string pid;        // D/<directory>/serve.pid
    std::string mail;       // D/<directory>/mx: cert.pem and key.pem of mx.<zone>
};
ZonePaths zone_paths(const std::string& dir, const LabZone& zone);

// The resolver's and the validators' files under D.
struct ResolverPaths {
    std::string unbound_conf;  // D/unbound.conf
    std::string root_hints;    // D/root.hints
    std::string root_key;      // D/root.key: the root's DS, unbound's trust-anchor-file
    std::string delv_conf;     // D/delv.conf: trust-anchors { . static-ds ...; };
    std::string log;           // D/unbound.log
    std::string pid;           // D/unbound.pid
};
ResolverPaths resolver_paths(const std::string& dir);

}  // namespace danemail::app::lab
