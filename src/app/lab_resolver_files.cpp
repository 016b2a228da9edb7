// Root hints, trust anchors and unbound's configuration for the lab.
#include "app/lab_resolver_files.h"

#include "base/file_io.h"

namespace danemail::app::lab {
namespace {

const LabZone& root_zone() {
    return lab_zones().front();
}

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

}  // namespace

std::string root_hints_text() {
    const LabZone& root = root_zone();
    return "; danemail lab: the root's name server (unbound's root-hints)\n"
           ".\t3600000\tIN\tNS\t" +
           name_server(root) + "\n" + name_server(root) + "\t3600000\tIN\tA\t" + root.address + "\n";
}

std::string root_key_text(const std::vector<LabDs>& root_ds) {
    std::string text = "; danemail lab: the root's trust anchor (DS of its KSK)\n";
    for (const LabDs& ds : root_ds) text += ds.zone_line(3600) + "\n";
    return text;
}

std::string delv_conf_text(const std::vector<LabDs>& root_ds) {
    std::string text = "# danemail lab: the root's trust anchor for `delv -a` (BIND trust-anchors syntax)\n";
    text += "trust-anchors {\n";
    for (const LabDs& ds : root_ds)
        text += "\t. static-ds " + std::to_string(ds.key_tag) + " " + std::to_string(ds.algorithm) + " " +
                std::to_string(ds.digest_type) + " \"" + ds.digest_hex + "\";\n";
    text += "};\n";
    return text;
}

std::string unbound_conf_text(const std::string& dir, const ResolverPaths& paths) {
    std::string text =
        "# danemail lab: a validating resolver for the lab's DNS (written by `danemail lab up`)\n";
    text += "server:\n";
    auto set = [&text](const std::string& key, const std::string& value) {
        text += "\t" + key + ": " + value + "\n";
    };
    set("interface", kResolverAddress);
    set("port", std::to_string(kDnsPort));
    set("do-ip4", "yes");
    set("do-ip6", "no");
    set("do-udp", "yes");
    set("do-tcp", "yes");
    set("access-control", "127.0.0.0/8 allow");
    set("directory", quoted(dir));
    set("chroot", quoted(""));
    set("username", quoted(""));
    set("pidfile", quoted(paths.pid));
    set("logfile", quoted(paths.log));
    set("use-syslog", "no");
    set("verbosity", "1");
    set("val-log-level", "2");
    set("root-hints", quoted(paths.root_hints));
    set("trust-anchor-file", quoted(paths.root_key));
    set("module-config", quoted("validator iterator"));
    // The lab's servers are on loopback: unbound refuses to query 127.0.0.0/8 unless told otherwise.
    set("do-not-query-localhost", "no");
    // test. is special-use (RFC 6761) and blocked in unbound by default; the lab delegates it for real.
    set("local-zone", quoted("test.") + " nodefault");
    set("qname-minimisation", "no");
    set("harden-glue", "yes");
    set("harden-dnssec-stripped", "yes");
    set("harden-below-nxdomain", "yes");
    set("harden-referral-path", "no");
    set("harden-algo-downgrade", "yes");
    set("val-permissive-mode", "no");
    set("trust-anchor-signaling", "no");
    set("root-key-sentinel", "no");
    // Short negative caching keeps a test's changes visible; the lab never has much to cache.
    set("cache-max-negative-ttl", "60");
    set("num-threads", "1");
    text += "\nremote-control:\n\tcontrol-enable: no\n";
    return text;
}

Status write_resolver_files(const std::string& dir, const std::vector<LabDs>& root_ds) {
    if (root_ds.empty()) return make_error(dir, "no DS for the lab's root zone: no trust anchor");
    const ResolverPaths paths = resolver_paths(dir);
    for (const auto& [path, text] : {std::pair{paths.root_hints, root_hints_text()},
                                     {paths.root_key, root_key_text(root_ds)},
                                     {paths.delv_conf, delv_conf_text(root_ds)},
                                     {paths.unbound_conf, unbound_conf_text(dir, paths)}})
        if (auto s = write_file_atomic(path, text); !s) return s.error();
    return {};
}

}  // namespace danemail::app::lab
