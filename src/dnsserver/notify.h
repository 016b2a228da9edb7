// NOTIFY sender (RFC 1996): after a zone changes, tells each secondary to check its serial now instead of at
// the next refresh. One thread sends a NOTIFY (opcode 4, AA set, the question <apex> SOA IN, the new SOA in
// the answer section as a hint, §3.7) over UDP to every target, TSIG-signed when the target has a key (RFC
// 8945), and retries with a doubling timeout until a matching response arrives (§3.6: same ID, opcode and
// question, from the target's address and port; signed by the same key when the NOTIFY was) or the tries run
// out. A newer announcement for the same zone and target replaces one still pending. Responses are untrusted
// network input and are parsed defensively; anything that does not match is ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "base/time.h"
#include "dns/message.h"
#include "dns/name.h"
#include "dns/record.h"
#include "dnsserver/server.h"
#include "dnsserver/tsig_key.h"

namespace danemail::dnsserver {

// A secondary to notify: where it listens (usually port 53) and the key to sign with, if any.
struct NotifyTarget {
    Endpoint endpoint;
    std::optional<TsigKey> key;
};

struct NotifyOptions {
    std::chrono::milliseconds first_timeout{2000};  // doubled after every unanswered try
    unsigned tries = 5;
    // The addresses NOTIFYs are sent from, port ignored (0 picks one): the first of each family is used for
    // the targets of that family. A secondary usually accepts NOTIFY only from its primary's address (NSD's
    // allow-notify, Knot's acl), so pass the server's listen addresses. Without one, the kernel chooses.
    std::vector<Endpoint> sources;
    bool log = true;  // one stderr line per outcome (answered, refused, given up)
};

// How one NOTIFY ended, for tests and logs.
struct NotifyOutcome {
    dns::Name apex;
    uint32_t serial = 0;
    std::string target;  // Endpoint::text
    bool answered = false;
    dns::Rcode rcode = dns::Rcode::NoError;  // the response's, when answered
    unsigned tries = 0;
};

// Whether `wire`, parsed as `response`, answers the NOTIFY `id` of `apex` (RFC 1996 §3.6): a response with
// opcode NOTIFY, that ID and the one question <apex> SOA IN. When the NOTIFY was signed with `key`, the
// response must verify against the NOTIFY's `request_mac` at `now` (RFC 8945 §5.3) or be the target's report
// of a TSIG error. The sender's address and port are the caller's to check. Pure; used by the Notifier's
// thread and tests/fuzz/peer_answer_fuzz.cpp.
bool answers_notify(const dns::Message& response, ByteView wire, uint16_t id, const dns::Name& apex,
                    const TsigKey* key, const Bytes& request_mac, UnixTime now);

class Notifier {
public:
    // Opens the sockets and starts the thread.
    static Result<std::unique_ptr<Notifier>> start(std::vector<NotifyTarget> targets,
                                                   NotifyOptions options = {});
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;
    ~Notifier();

    // Queues a NOTIFY of `soa` (the zone's new SOA record; its owner is the apex) to every target. Returns at
    // once; the thread sends.
    void announce(const dns::Record& soa);
    // The same without the SOA hint in the answer section (RFC 1996 §3.7 makes it optional).
    void announce(const dns::Name& apex, uint32_t serial);

    // Replaces the targets (after a reload); NOTIFYs pending to targets no longer listed are dropped.
    void set_targets(std::vector<NotifyTarget> targets);

    // Outcomes so far, oldest first (bounded: the newest 1,000 are kept).
    std::vector<NotifyOutcome> outcomes() const;
    // NOTIFYs sent or waiting for an answer or a retry.
    size_t pending() const;

    // Stops the thread and joins it; pending NOTIFYs are dropped. Idempotent.
    void stop();

private:
    struct Pending;
    struct Socket;
    Notifier(std::vector<NotifyTarget> targets, NotifyOptions options);
    void run();
    void enqueue(const dns::Name& apex, uint32_t serial, std::optional<dns::Record> soa);
    void send_due(std::chrono::steady_clock::time_point now);
    void receive(int fd);
    void finish(const std::string& key, bool answered, dns::Rcode rcode);
    int socket_for(const Endpoint& endpoint) const;

    NotifyOptions options_;
    mutable std::mutex mutex_;  // guards everything below but the sockets and the wake eventfd
    std::vector<NotifyTarget> targets_;
    std::map<std::string, std::unique_ptr<Pending>> pending_;  // by apex and target
    std::vector<NotifyOutcome> outcomes_;
    bool stopping_ = false;

    FileDescriptor wake_;                           // eventfd: announce, set_targets and stop wake the thread
    std::vector<std::unique_ptr<Socket>> sockets_;  // one per address family
    std::thread thread_;
};

}  // namespace danemail::dnsserver
