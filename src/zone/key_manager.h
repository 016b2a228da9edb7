// The unattended key policy of one zone: creates its first KSK and ZSK, rolls ZSKs by pre-publication
// (RFC 7583 §3.2.1) and KSKs by double-DS with the new KSK pre-published, signalling the parent with
// CDS/CDNSKEY (RFC 7583 §3.3.2, RFC 7344 §4, RFC 8078), and waits every TTL a step must wait. It keeps the
// keys in BIND key files plus a .state file each (key_state_file.h) in one directory; those files are
// untrusted input. Time is always passed in: nothing here reads the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "dns/dnssec_rdata.h"
#include "dns/name.h"
#include "dnssec/key.h"
#include "zone/key_state_file.h"

namespace danemail::zone {

inline constexpr uint32_t kSecondsPerDay = 86400;

struct KeyPolicy {
    uint8_t algorithm = 13;  // for new keys; rollovers keep a key's algorithm (no algorithm rollover)
    uint32_t zsk_lifetime = 90 * kSecondsPerDay;   // 0: never rolled
    uint32_t ksk_lifetime = 365 * kSecondsPerDay;  // 0: never rolled
    uint32_t dnskey_ttl = 3600;                    // the zone's DNSKEY TTL (set by the caller each step)
    uint32_t max_zone_ttl = 86400;                 // the zone's largest TTL (set by the caller each step)
    uint32_t propagation_delay = 300;              // until every secondary serves a change
    uint32_t ds_ttl = 86400;                       // the parent's DS TTL, until a query tells it
    uint32_t publish_safety = 3600;                // extra wait before a pre-published key is used
    uint32_t retire_safety = 3600;                 // extra wait before a retired key is removed
    uint32_t purge_delay = 90 * kSecondsPerDay;    // key files deleted this long after removal; 0: kept
};

// The parent DS change a KSK step waits for: DS records that must appear, key tags whose DS should go.
struct DsWait {
    std::vector<dns::DsRdata> must_include;   // SHA-256 DS of each key whose DS is submitted
    std::vector<uint16_t> must_exclude_tags;  // withdrawn keys (seeing them gone is logged, never waited for)
};

struct KeyStep {
    // Every key the signer must know, with timing so that the signer publishes and signs correctly at the
    // time advance() was given (a pre-published key has its planned Activate, which advance() moves to the
    // real time when it happens). Removed keys stay in the list, with their Delete time, until purged.
    std::vector<dnssec::ZoneKey> keys;
    // Publish CDS (SHA-256) and CDNSKEY for exactly these keys (RFC 7344 §4); empty: none.
    std::vector<uint16_t> cds_key_tags;
    // When advance() must run again; 0: nothing scheduled (a step waiting for the parent is not scheduled:
    // query the parent and call parent_ds_observed(), or wait for ds_seen()).
    UnixTime next_event = 0;
    std::vector<std::string> events;  // what changed, one line each, for the log
    std::optional<DsWait> waiting_for_parent;
};

class KeyManager {
public:
    // Reads the zone's key files and state files from `dir` (created, mode 0700, when missing). Keys found
    // without a state file (from `danemail key generate` or dnssec-keygen) are adopted as in use: published
    // and active, a KSK's DS taken as already held by the parent; advance() records that.
    static Result<KeyManager> open(std::string dir, dns::Name apex, KeyPolicy policy);

    const KeyPolicy& policy() const { return policy_; }
    void set_policy(const KeyPolicy& policy) { policy_ = policy; }
    const std::string& directory() const { return dir_; }

    // Creates the first keys when there are none, moves every rollover forward as far as `now` allows,
    // writes the changed key and state files atomically, and says what the signer needs. Fails, naming the
    // file, when a key that must sign has no private key (nothing is written then; keep serving the last
    // good signatures).
    Result<KeyStep> advance(UnixTime now);

    // The caller asked the parent for the zone's DS RRset (`ttl` is its TTL): a submitted DS found there
    // becomes seen at `now` (its TTL then replaces policy.ds_ttl), a withdrawn DS not found is noted gone.
    Status parent_ds_observed(UnixTime now, std::span<const dns::DsRdata> parent_ds, uint32_t ttl);

    // The operator confirms (`danemail dns ds-seen ZONE`) that the parent now holds the submitted DS records
    // and has dropped the withdrawn ones. Fails when no DS change is awaited.
    Status ds_seen(UnixTime now);

    // What the parent's DS set is expected to change to; nullopt when nothing is awaited.
    std::optional<DsWait> waiting_for_parent() const;

    // A table for `danemail dns keys ZONE`: each key's tag, role, algorithm, state, DS state and next event
    // with its time (ISO 8601 UTC).
    std::string describe(UnixTime now) const;

private:
    struct ManagedKey {
        dnssec::ZoneKey key;
        KeyState state;
        bool changed = false;  // key or state file to be written
        bool adopt = false;    // found without a state file: taken into the policy by the next advance()
        bool purge = false;    // removed long ago: its files are deleted by this advance()
    };
    // A transition that will happen when its time comes; `time` is nullopt while it waits for the parent.
    struct Planned {
        enum class Kind {
            CreateSuccessor,
            Activate,  // a pre-published ZSK takes over from its predecessor (or starts, without one)
            Submit,    // a pending KSK's CDS is published
            RetirePredecessor,  // the new KSK's DS is in place: the old KSK stops signing
            Remove,
            Purge,
            Follows,  // nothing to do: the key waits for its successor's step (described, not applied)
        } kind;
        std::optional<UnixTime> time;
        std::string what;  // for describe() and the log
    };

    KeyManager(std::string dir, dns::Name apex, KeyPolicy policy)
        : dir_(std::move(dir)), apex_(std::move(apex)), policy_(policy) {}

    std::vector<Planned> plan(const ManagedKey& managed, UnixTime now) const;
    Status apply(size_t index, const Planned& planned, UnixTime now, std::vector<std::string>& events);
    Result<size_t> create_key(dnssec::KeyRole role, uint8_t algorithm, UnixTime now, bool active,
                              std::optional<uint16_t> predecessor, std::vector<std::string>& events);
    Status create_missing_keys(UnixTime now, std::vector<std::string>& events);
    void adopt(ManagedKey& managed, UnixTime now, std::vector<std::string>& events) const;
    void refresh_planned_activation(UnixTime now);
    Status check_private_keys(UnixTime now) const;
    Status write_changed();
    Status write_state_now(size_t index);

    const ManagedKey* find(uint16_t tag, uint8_t algorithm) const;
    const ManagedKey* successor_of(const ManagedKey& managed, UnixTime now) const;
    std::vector<uint16_t> cds_key_tags(UnixTime now) const;
    uint32_t lifetime(const ManagedKey& managed) const;
    uint32_t publish_wait(uint32_t phase_ttl) const;
    std::string file_path(const ManagedKey& managed, const char* extension) const;

    std::string dir_;
    dns::Name apex_;
    KeyPolicy policy_;
    std::vector<ManagedKey> keys_;
    std::vector<std::string> pending_events_;  // from open(), parent_ds_observed(), ds_seen()
};

}  // namespace danemail::zone
