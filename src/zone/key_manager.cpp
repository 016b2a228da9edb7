// The unattended key policy of one zone (RFC 7583 rollovers with RFC 7344/8078 CDS signalling). Each key's
// phase follows from its BIND timing (Publish, Activate, Inactive, Delete) and its .state file; every
// transition is applied only when `now` has reached the time its TTL waits allow, and records the real time
// it happened, so a late call never shortens a later wait. Key and state files are untrusted input (read by
// key_file.h and key_state_file.h).
#include "zone/key_manager.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "base/file_io.h"
#include "dnssec/key_file.h"

namespace danemail::zone {
namespace {

namespace fs = std::filesystem;
using dnssec::KeyRole;
using dnssec::ZoneKey;

// Attempts at a new key whose tag (also with the REVOKE bit, RFC 5011 §7) no other key of the zone has.
constexpr int kTagCollisionAttempts = 16;
// Transitions applied in one advance() at most: each key passes through a handful of phases.
constexpr int kMaxRounds = 64;
constexpr mode_t kKeyDirectoryMode = 0700;

bool removed(const ZoneKey& key, UnixTime now) {
    return key.remove && *key.remove <= now;
}
bool published(const ZoneKey& key, UnixTime now) {
    return !(key.publish && *key.publish > now) && !removed(key, now);
}
bool retired(const ZoneKey& key, UnixTime now) {
    return key.inactive && *key.inactive <= now;
}
bool activated(const ZoneKey& key, UnixTime now) {
    return !(key.activate && *key.activate > now);
}
// As the signer decides (zone_signer.cpp is_signing), less the private key.
bool in_use(const ZoneKey& key, UnixTime now) {
    return published(key, now) && activated(key, now) && !retired(key, now);
}
bool prepublished(const ZoneKey& key, UnixTime now) {
    return published(key, now) && !activated(key, now) && !retired(key, now);
}

std::string role_name(KeyRole role) {
    return role == KeyRole::Ksk ? "KSK" : "ZSK";
}

// 2026-11-23T12:51:27Z
std::string iso_time(UnixTime t) {
    const std::string d = format_dnssec_time(t);
    return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" + d.substr(8, 2) + ":" +
           d.substr(10, 2) + ":" + d.substr(12, 2) + "Z";
}

std::string duration_text(uint32_t seconds) {
    if (seconds == 0) return "never";
    if (seconds % kSecondsPerDay == 0) return std::to_string(seconds / kSecondsPerDay) + "d";
    if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
    return std::to_string(seconds) + "s";
}

uint16_t tag_with_flags(const dns::DnskeyRdata& dnskey, uint16_t flags) {
    dns::DnskeyRdata copy = dnskey;
    copy.flags = flags;
    return dnssec::key_tag(copy.encode());
}

bool tags_collide(const ZoneKey& a, const ZoneKey& b) {
    if (a.dnskey.algorithm != b.dnskey.algorithm) return false;
    const uint16_t revoke = dns::DnskeyRdata::kRevokeFlag;
    for (uint16_t x : {tag_with_flags(a.dnskey, a.dnskey.flags & ~revoke),
                       tag_with_flags(a.dnskey, a.dnskey.flags | revoke)})
        for (uint16_t y : {tag_with_flags(b.dnskey, b.dnskey.flags & ~revoke),
                           tag_with_flags(b.dnskey, b.dnskey.flags | revoke)})
            if (x == y) return true;
    return false;
}

// True when `ds` points at `key` (RFC 4034 §5.1.4: tag, algorithm and the digest over owner | DNSKEY).
bool ds_matches(const dns::DsRdata& ds, const ZoneKey& key, const dns::Name& apex) {
    if (ds.key_tag != key.tag || ds.algorithm != key.dnskey.algorithm) return false;
    auto mine = dnssec::make_ds(apex, key.dnskey_rdata(), ds.digest_type);
    return mine && mine->digest == ds.digest;
}

std::string key_label(const ZoneKey& key) {
    return role_name(key.is_ksk() ? KeyRole::Ksk : KeyRole::Zsk) + " " + std::to_string(key.tag);
}

}  // namespace

// ---- opening ----

Result<KeyManager> KeyManager::open(std::string dir, dns::Name apex, KeyPolicy policy) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) return make_error(dir, "cannot create the key directory: " + ec.message());
        fs::permissions(dir, static_cast<fs::perms>(kKeyDirectoryMode), ec);
    }
    KeyManager manager(std::move(dir), std::move(apex), policy);
    auto keys = dnssec::read_zone_keys(manager.dir_, manager.apex_);
    if (!keys) return keys.error();
    for (ZoneKey& key : *keys) {
        if (key.dnskey.flags & dns::DnskeyRdata::kRevokeFlag)
            return make_error((fs::path(manager.dir_) / (dnssec::key_file_base(key) + ".key")).string(),
                              "revoked keys (RFC 5011) are not managed: move the file out of the directory");
        auto state = read_key_state(manager.dir_, key);
        if (!state) return state.error();
        ManagedKey managed{std::move(key), {}, false, false, false};
        if (*state) {
            managed.state = **state;
        } else {
            managed.adopt = true;
            managed.state.role = managed.key.is_ksk() ? KeyRole::Ksk : KeyRole::Zsk;
        }
        manager.keys_.push_back(std::move(managed));
    }
    return manager;
}

// Keys made by `danemail key generate` or dnssec-keygen: in use unless their own timing retired them.
void KeyManager::adopt(ManagedKey& managed, UnixTime now, std::vector<std::string>& events) const {
    ZoneKey& key = managed.key;
    KeyState& state = managed.state;
    managed.adopt = false;
    managed.changed = true;
    const bool ksk = state.role == KeyRole::Ksk;
    if (retired(key, now) || removed(key, now)) {
        // A key of an earlier rollover: its DS (if any) is taken as gone.
        state.ds = ksk ? DsState::Withdrawn : DsState::None;
        if (ksk) state.ds_changed = state.ds_seen = now;
        state.phase_ttl = ksk ? policy_.dnskey_ttl : policy_.max_zone_ttl;
        events.push_back("adopted " + key_label(key) + " from " + dir_ + " as " +
                         (removed(key, now) ? "removed" : "retired") + " (its timing says so)");
        return;
    }
    if (!key.publish || *key.publish > now) key.publish = now;
    if (!key.activate || *key.activate > now) key.activate = now;
    key.inactive.reset();  // the policy decides from now on
    key.remove.reset();
    if (ksk) {
        state.ds = DsState::Seen;
        state.ds_changed = state.ds_seen = now;
        state.ds_ttl = policy_.ds_ttl;
    }
    events.push_back("adopted " + key_label(key) + " from " + dir_ + " as in use (published and active" +
                     (ksk ? ", its DS taken as held by the parent)" : ")"));
}

// ---- queries on the key set ----

const KeyManager::ManagedKey* KeyManager::find(uint16_t tag, uint8_t algorithm) const {
    for (const ManagedKey& m : keys_)
        if (m.key.tag == tag && m.key.dnskey.algorithm == algorithm) return &m;
    return nullptr;
}

const KeyManager::ManagedKey* KeyManager::successor_of(const ManagedKey& managed, UnixTime now) const {
    for (const ManagedKey& m : keys_)
        if (m.state.predecessor == managed.key.tag &&
            m.key.dnskey.algorithm == managed.key.dnskey.algorithm && m.state.role == managed.state.role &&
            !m.purge && !retired(m.key, now) && !removed(m.key, now))
            return &m;
    return nullptr;
}

uint32_t KeyManager::lifetime(const ManagedKey& managed) const {
    return managed.state.role == KeyRole::Ksk ? policy_.ksk_lifetime : policy_.zsk_lifetime;
}

// Ipub of RFC 7583 §3.2.1: the new DNSKEY RRset must have replaced every cached copy of the old one.
uint32_t KeyManager::publish_wait(uint32_t phase_ttl) const {
    return std::max(phase_ttl, policy_.dnskey_ttl) + policy_.propagation_delay + policy_.publish_safety;
}

std::string KeyManager::file_path(const ManagedKey& managed, const char* extension) const {
    return (fs::path(dir_) / (dnssec::key_file_base(managed.key) + extension)).string();
}

std::vector<uint16_t> KeyManager::cds_key_tags(UnixTime now) const {
    std::vector<uint16_t> tags;
    for (const ManagedKey& m : keys_)
        if (m.state.role == KeyRole::Ksk && !m.purge && published(m.key, now) &&
            (m.state.ds == DsState::Submitted || m.state.ds == DsState::Seen))
            tags.push_back(m.key.tag);
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

std::optional<DsWait> KeyManager::waiting_for_parent() const {
    DsWait wait;
    for (const ManagedKey& m : keys_) {
        if (m.state.role != KeyRole::Ksk || m.purge) continue;
        if (m.state.ds == DsState::Submitted) {
            if (auto ds = dnssec::make_ds(apex_, m.key.dnskey_rdata(), dnssec::digest::SHA256))
                wait.must_include.push_back(std::move(*ds));
        } else if (m.state.ds == DsState::Withdrawn && !m.state.ds_seen) {
            wait.must_exclude_tags.push_back(m.key.tag);
        }
    }
    if (wait.must_include.empty() && wait.must_exclude_tags.empty()) return std::nullopt;
    return wait;
}

// ---- planning ----

std::vector<KeyManager::Planned> KeyManager::plan(const ManagedKey& managed, UnixTime now) const {
    using Kind = Planned::Kind;
    std::vector<Planned> plans;
    const ZoneKey& key = managed.key;
    const KeyState& state = managed.state;
    const bool ksk = state.role == KeyRole::Ksk;
    if (managed.purge || managed.adopt) return plans;

    if (removed(key, now)) {
        if (policy_.purge_delay)
            plans.push_back({Kind::Purge, *key.remove + policy_.purge_delay, "key files deleted"});
        return plans;
    }
    if (retired(key, now)) {
        // ZSK: Iret of RFC 7583 §3.2.1, every signature it made has expired from caches. KSK: the DNSKEY
        // RRset it signed has (RFC 7583 §3.3.2).
        const uint32_t wait = ksk ? std::max(state.phase_ttl, policy_.dnskey_ttl) + policy_.propagation_delay
                                  : std::max(state.phase_ttl, policy_.max_zone_ttl) +
                                        policy_.propagation_delay + policy_.retire_safety;
        plans.push_back({Kind::Remove, *key.inactive + wait, "removed from the DNSKEY RRset"});
        return plans;
    }
    if (!published(key, now)) return plans;  // published in the future by its own timing

    const uint32_t life = lifetime(managed);
    const UnixTime activated_at = key.activate.value_or(key.publish.value_or(now));
    // A ZSK waiting to take over: pre-published, or due while its predecessor still signs (advance() runs
    // at or after the planned Activate; the predecessor retires in the same step).
    const ManagedKey* old = state.predecessor ? find(*state.predecessor, key.dnskey.algorithm) : nullptr;
    if (old && (old->state.role != KeyRole::Zsk || !in_use(old->key, now))) old = nullptr;
    if (!ksk && !retired(key, now) && (prepublished(key, now) || old)) {
        // RFC 7583 §3.2.1: used once published for Ipub, and not before the old key's lifetime ends.
        UnixTime at = key.publish.value_or(now) + publish_wait(state.phase_ttl);
        if (old && lifetime(*old)) at = std::max(at, old->key.activate.value_or(at) + lifetime(*old));
        plans.push_back(
            {Kind::Activate, at,
             old ? "becomes active, ZSK " + std::to_string(old->key.tag) + " retires" : "becomes active"});
        return plans;
    }
    if (!in_use(key, now)) return plans;

    if (ksk && state.ds == DsState::Pending) {
        // A zone without DS at its parent: the DS may appear only once every cache holds the DNSKEY RRset
        // and signed data, or a validator that cached "no DNSKEY" or unsigned data would fail.
        const uint32_t ttl = std::max({state.phase_ttl, policy_.dnskey_ttl, policy_.max_zone_ttl});
        plans.push_back({Kind::Submit,
                         key.publish.value_or(now) + ttl + policy_.propagation_delay + policy_.publish_safety,
                         "CDS/CDNSKEY published (DS submitted)"});
    }
    const ManagedKey* next = successor_of(managed, now);
    if (!ksk) {
        if (next)
            plans.push_back({Kind::Follows, std::nullopt,
                             "retires when ZSK " + std::to_string(next->key.tag) + " becomes active"});
        else if (life)
            plans.push_back({Kind::CreateSuccessor,
                             std::max(activated_at, activated_at + life - publish_wait(policy_.dnskey_ttl)),
                             "successor ZSK pre-published"});
        return plans;
    }
    if (next) {
        // RFC 7583 §3.3.2: the old KSK goes once the parent's DS set with the new DS has replaced every
        // cached one and every cached DNSKEY RRset holds the new key.
        std::optional<UnixTime> at;
        if (next->state.ds == DsState::Seen && next->state.ds_seen)
            at =
                std::max(*next->state.ds_seen + next->state.ds_ttl + policy_.propagation_delay,
                         next->key.publish.value_or(now) +
                             std::max(next->state.phase_ttl, policy_.dnskey_ttl) + policy_.propagation_delay);
        plans.push_back({Kind::RetirePredecessor, at,
                         at ? "retired (KSK " + std::to_string(next->key.tag) + "'s DS is at the parent)"
                            : "retired once the parent's DS set holds KSK " + std::to_string(next->key.tag) +
                                  " (waiting for the parent)"});
    } else if (life) {
        plans.push_back(
            {Kind::CreateSuccessor, activated_at + life, "successor KSK published, its DS submitted"});
    }
    return plans;
}

// ---- transitions ----

Result<size_t> KeyManager::create_key(KeyRole role, uint8_t algorithm, UnixTime now, bool active,
                                      std::optional<uint16_t> predecessor, std::vector<std::string>& events) {
    for (int attempt = 0; attempt < kTagCollisionAttempts; ++attempt) {
        auto key = dnssec::generate_key(apex_, role, algorithm);
        if (!key) return key.error();
        bool collides = false;
        for (const ManagedKey& other : keys_) collides = collides || tags_collide(*key, other.key);
        if (collides) continue;
        key->created = key->publish = now;
        key->activate = now;  // a pre-published key gets its planned time from refresh_planned_activation()
        if (!active) key->activate = now + publish_wait(policy_.dnskey_ttl);
        key->inactive.reset();
        key->remove.reset();
        ManagedKey managed{std::move(*key), {}, true, false, false};
        managed.state.role = role;
        managed.state.predecessor = predecessor;
        managed.state.phase_ttl = policy_.dnskey_ttl;
        events.push_back("created " + key_label(managed.key) + " (algorithm " + std::to_string(algorithm) +
                         "): " + (active ? "published and active" : "published, not yet active") +
                         (predecessor ? ", successor of " + std::to_string(*predecessor) : std::string()));
        keys_.push_back(std::move(managed));
        return keys_.size() - 1;
    }
    return make_error(dir_, "could not find a key tag unused by the zone's other keys");
}

Status KeyManager::create_missing_keys(UnixTime now, std::vector<std::string>& events) {
    const ManagedKey *signing_ksk = nullptr, *signing_zsk = nullptr;
    bool zsk_coming = false;
    for (const ManagedKey& m : keys_) {
        if (m.purge || m.adopt) continue;
        if (in_use(m.key, now)) (m.state.role == KeyRole::Ksk ? signing_ksk : signing_zsk) = &m;
        if (m.state.role == KeyRole::Zsk && prepublished(m.key, now)) zsk_coming = true;
    }
    if (!signing_ksk && !signing_zsk) {
        // A zone without keys: both start at once; the DS waits until the signed zone is in caches.
        auto ksk = create_key(KeyRole::Ksk, policy_.algorithm, now, true, std::nullopt, events);
        if (!ksk) return ksk.error();
        keys_[*ksk].state.ds = DsState::Pending;
        keys_[*ksk].state.ds_changed = now;
        keys_[*ksk].state.phase_ttl = std::max(policy_.dnskey_ttl, policy_.max_zone_ttl);
        auto zsk = create_key(KeyRole::Zsk, policy_.algorithm, now, true, std::nullopt, events);
        if (!zsk) return zsk.error();
        return {};
    }
    if (!signing_ksk) {
        // Every KSK is gone: the ZSK signs the DNSKEY RRset meanwhile; whatever DS the parent holds is stale.
        const uint8_t algorithm = signing_zsk->key.dnskey.algorithm;
        events.push_back(
            "no usable KSK: creating one; a DS at the parent for a vanished KSK breaks validation");
        auto ksk = create_key(KeyRole::Ksk, algorithm, now, true, std::nullopt, events);
        if (!ksk) return ksk.error();
        keys_[*ksk].state.ds = DsState::Pending;
        keys_[*ksk].state.ds_changed = now;
        keys_[*ksk].state.phase_ttl = std::max(policy_.dnskey_ttl, policy_.max_zone_ttl);
    }
    if (!signing_zsk && !zsk_coming && signing_ksk) {
        // A KSK signing alone (as a CSK): it keeps signing the data until a pre-published ZSK takes over.
        auto zsk =
            create_key(KeyRole::Zsk, signing_ksk->key.dnskey.algorithm, now, false, std::nullopt, events);
        if (!zsk) return zsk.error();
    }
    return {};
}

Status KeyManager::apply(size_t index, const Planned& planned, UnixTime now,
                         std::vector<std::string>& events) {
    using Kind = Planned::Kind;
    const std::string label = key_label(keys_[index].key);
    switch (planned.kind) {
        case Kind::CreateSuccessor: {
            const ManagedKey& old = keys_[index];
            const bool ksk = old.state.role == KeyRole::Ksk;
            const DsState old_ds = old.state.ds;
            auto created =
                create_key(old.state.role, old.key.dnskey.algorithm, now, ksk, old.key.tag, events);
            if (!created) return created.error();
            ManagedKey& next = keys_[*created];
            if (ksk) {
                // RFC 7344 §4: CDS/CDNSKEY now name both keys; the parent adds the new DS (double-DS).
                next.state.ds = old_ds == DsState::Pending ? DsState::Pending : DsState::Submitted;
                next.state.ds_changed = now;
                if (next.state.ds == DsState::Pending)
                    next.state.phase_ttl = std::max(policy_.dnskey_ttl, policy_.max_zone_ttl);
            }
            return {};
        }
        case Kind::Activate: {
            ManagedKey& next = keys_[index];
            next.key.activate = now;
            next.changed = true;
            events.push_back(label + " is active");
            if (next.state.predecessor) {
                for (ManagedKey& old : keys_) {
                    if (old.key.tag != *next.state.predecessor ||
                        old.key.dnskey.algorithm != next.key.dnskey.algorithm ||
                        old.state.role != KeyRole::Zsk || !in_use(old.key, now))
                        continue;
                    old.key.inactive = now;
                    old.state.phase_ttl = policy_.max_zone_ttl;
                    old.changed = true;
                    events.push_back(key_label(old.key) +
                                     " retired: it signs no more, its signatures are replaced");
                }
            }
            return {};
        }
        case Kind::Submit: {
            ManagedKey& m = keys_[index];
            m.state.ds = DsState::Submitted;
            m.state.ds_changed = now;
            m.changed = true;
            events.push_back(label + ": CDS/CDNSKEY published, the parent may add its DS");
            return {};
        }
        case Kind::RetirePredecessor: {
            ManagedKey& old = keys_[index];
            old.key.inactive = now;
            old.state.ds = DsState::Withdrawn;
            old.state.ds_changed = now;
            old.state.ds_seen.reset();
            old.state.phase_ttl = policy_.dnskey_ttl;
            old.changed = true;
            events.push_back(label +
                             " retired: it signs no more and CDS/CDNSKEY no longer name it (DS withdrawn)");
            return {};
        }
        case Kind::Remove: {
            ManagedKey& m = keys_[index];
            m.key.remove = now;
            m.changed = true;
            events.push_back(label + " removed from the DNSKEY RRset");
            return {};
        }
        case Kind::Purge:
            keys_[index].purge = true;
            events.push_back(label + ": key files deleted (removed since " +
                             iso_time(*keys_[index].key.remove) + ")");
            return {};
        case Kind::Follows:
            return {};
    }
    return {};
}

// A pre-published ZSK's Activate is its planned time, kept current as TTLs and lifetimes change.
void KeyManager::refresh_planned_activation(UnixTime now) {
    for (ManagedKey& m : keys_) {
        if (m.purge || m.state.role != KeyRole::Zsk || !prepublished(m.key, now)) continue;
        for (const Planned& p : plan(m, now))
            if (p.kind == Planned::Kind::Activate && p.time && *p.time > now && m.key.activate != *p.time) {
                m.key.activate = *p.time;
                m.changed = true;
            }
    }
}

Status KeyManager::check_private_keys(UnixTime now) const {
    for (const ManagedKey& m : keys_)
        if (!m.purge && in_use(m.key, now) && !m.key.private_key)
            return make_error(file_path(m, ".private"), "missing: " + key_label(m.key) + " of " +
                                                            apex_.to_text() +
                                                            " must sign but its private key is not there");
    return {};
}

Status KeyManager::write_changed() {
    for (ManagedKey& m : keys_) {
        if (!m.changed || m.purge) continue;
        // The state file first: a .key without one would be adopted as in use after a crash.
        if (auto written = write_key_state(dir_, m.key, m.state); !written) return written;
        if (auto written = dnssec::write_key_files(m.key, dir_); !written) return written.error();
        m.changed = false;
    }
    for (auto it = keys_.begin(); it != keys_.end();) {
        if (!it->purge) {
            ++it;
            continue;
        }
        for (const char* extension : {".key", ".private", ".state"}) {
            std::error_code ec;
            fs::remove(file_path(*it, extension), ec);
            if (ec) return make_error(file_path(*it, extension), "cannot delete: " + ec.message());
        }
        it = keys_.erase(it);
    }
    return {};
}

Status KeyManager::write_state_now(size_t index) {
    return write_key_state(dir_, keys_[index].key, keys_[index].state);
}

Result<KeyStep> KeyManager::advance(UnixTime now) {
    std::vector<ManagedKey> before = keys_;  // restored when the step fails: nothing half-done
    KeyStep step;
    step.events = std::move(pending_events_);
    pending_events_.clear();
    auto fail = [&](Error error) -> Result<KeyStep> {
        keys_ = std::move(before);
        pending_events_ = std::move(step.events);
        return error;
    };

    for (ManagedKey& m : keys_)
        if (m.adopt) adopt(m, now, step.events);
    if (auto created = create_missing_keys(now, step.events); !created) return fail(created.error());
    for (int round = 0; round < kMaxRounds; ++round) {
        bool progressed = false;
        for (size_t i = 0; i < keys_.size(); ++i) {
            for (const Planned& p : plan(keys_[i], now)) {
                if (p.kind == Planned::Kind::Follows || !p.time || *p.time > now) continue;
                if (auto applied = apply(i, p, now, step.events); !applied) return fail(applied.error());
                progressed = true;
                break;
            }
        }
        if (!progressed) break;
    }
    refresh_planned_activation(now);
    std::stable_sort(keys_.begin(), keys_.end(),
                     [](const ManagedKey& a, const ManagedKey& b) { return a.key.tag < b.key.tag; });
    if (auto checked = check_private_keys(now); !checked) return fail(checked.error());
    if (auto written = write_changed(); !written) {
        // The keys in memory stay ahead of the disk; their files are written again next time.
        pending_events_ = step.events;
        return written.error();
    }

    for (const ManagedKey& m : keys_) {
        step.keys.push_back(m.key);
        for (const Planned& p : plan(m, now))
            if (p.kind != Planned::Kind::Follows && p.time && *p.time > now &&
                (step.next_event == 0 || *p.time < step.next_event))
                step.next_event = *p.time;
    }
    step.cds_key_tags = cds_key_tags(now);
    step.waiting_for_parent = waiting_for_parent();
    return step;
}

// ---- the parent ----

Status KeyManager::parent_ds_observed(UnixTime now, std::span<const dns::DsRdata> parent_ds, uint32_t ttl) {
    for (size_t i = 0; i < keys_.size(); ++i) {
        ManagedKey& m = keys_[i];
        if (m.state.role != KeyRole::Ksk || m.purge) continue;
        bool present = false;
        for (const dns::DsRdata& ds : parent_ds) present = present || ds_matches(ds, m.key, apex_);
        if ((m.state.ds == DsState::Submitted || m.state.ds == DsState::Pending) && present &&
            published(m.key, now)) {
            m.state.ds = DsState::Seen;
            m.state.ds_seen = now;
            m.state.ds_ttl = ttl;
            pending_events_.push_back("the parent's DS set holds " + key_label(m.key) + " (DS TTL " +
                                      std::to_string(ttl) + ")");
        } else if (m.state.ds == DsState::Withdrawn && !m.state.ds_seen && !present) {
            m.state.ds_seen = now;
            pending_events_.push_back("the parent's DS set no longer holds " + key_label(m.key));
        } else {
            continue;
        }
        if (auto written = write_state_now(i); !written) return written;
    }
    return {};
}

Status KeyManager::ds_seen(UnixTime now) {
    bool awaited = false;
    for (size_t i = 0; i < keys_.size(); ++i) {
        ManagedKey& m = keys_[i];
        if (m.state.role != KeyRole::Ksk || m.purge) continue;
        if ((m.state.ds == DsState::Submitted || m.state.ds == DsState::Pending) && published(m.key, now)) {
            m.state.ds = DsState::Seen;
            m.state.ds_seen = now;
            m.state.ds_ttl = policy_.ds_ttl;
            pending_events_.push_back("the operator confirmed the parent's DS for " + key_label(m.key));
        } else if (m.state.ds == DsState::Withdrawn && !m.state.ds_seen) {
            m.state.ds_seen = now;
            pending_events_.push_back("the operator confirmed the parent dropped the DS for " +
                                      key_label(m.key));
        } else {
            continue;
        }
        awaited = true;
        if (auto written = write_state_now(i); !written) return written;
    }
    if (!awaited) return make_error(apex_.to_text(), "no DS change at the parent is awaited");
    return {};
}

// ---- describe ----

std::string KeyManager::describe(UnixTime now) const {
    std::string out = "Keys of " + apex_.to_text() + " in " + dir_ + " (policy: algorithm " +
                      std::to_string(policy_.algorithm) + ", ZSK lifetime " +
                      duration_text(policy_.zsk_lifetime) + ", KSK lifetime " +
                      duration_text(policy_.ksk_lifetime) + ")\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-6s %-4s %-4s %-10s %-10s %s\n", "TAG", "ROLE", "ALG", "STATE", "DS",
                  "NEXT EVENT");
    out += line;
    UnixTime next_event = 0;
    std::vector<uint8_t> key_algorithms;
    for (const ManagedKey& m : keys_) {
        const ZoneKey& key = m.key;
        const char* phase = m.purge                  ? "purged"
                            : removed(key, now)      ? "removed"
                            : retired(key, now)      ? "retired"
                            : !published(key, now)   ? "future"
                            : prepublished(key, now) ? "published"
                                                     : "active";
        if (!removed(key, now) && !m.purge) key_algorithms.push_back(key.dnskey.algorithm);
        std::string ds = m.state.role == KeyRole::Ksk ? std::string(ds_state_to_text(m.state.ds)) : "-";
        if (m.state.ds == DsState::Withdrawn && m.state.ds_seen) ds = "gone";
        std::string next = m.adopt ? "adopted as in use at the next step" : "-";
        for (const Planned& p : plan(m, now)) {
            next = (p.time ? iso_time(*p.time) + " " : std::string()) + p.what;
            if (p.kind != Planned::Kind::Follows && p.time && (next_event == 0 || *p.time < next_event))
                next_event = *p.time;
            break;
        }
        std::snprintf(line, sizeof line, "%-6u %-4s %-4u %-10s %-10s ", static_cast<unsigned>(key.tag),
                      role_name(m.state.role).c_str(), static_cast<unsigned>(key.dnskey.algorithm), phase,
                      ds.c_str());
        out += line + next + "\n";
    }
    if (keys_.empty()) out += "(no keys: the first KSK and ZSK are created at the next step)\n";
    if (auto wait = waiting_for_parent()) {
        out += "Waiting for the parent:";
        for (const auto& ds : wait->must_include)
            out += " DS " + std::to_string(ds.key_tag) + " " + std::to_string(ds.algorithm) + " " +
                   std::to_string(ds.digest_type) + " " + to_hex(ds.digest) + " to appear;";
        for (uint16_t tag : wait->must_exclude_tags) out += " DS of key " + std::to_string(tag) + " to go;";
        out.back() = '\n';
        if (!wait->must_include.empty())
            out += "  (seen by querying the parent's servers, or confirm with `danemail dns ds-seen " +
                   apex_.to_text() + "` once the parent publishes it)\n";
    }
    std::sort(key_algorithms.begin(), key_algorithms.end());
    key_algorithms.erase(std::unique(key_algorithms.begin(), key_algorithms.end()), key_algorithms.end());
    for (uint8_t algorithm : key_algorithms)
        if (algorithm != policy_.algorithm)
            out += "Note: the keys use algorithm " + std::to_string(algorithm) + ", the policy algorithm " +
                   std::to_string(policy_.algorithm) +
                   "; algorithm rollover is not supported: rollovers keep the keys' algorithm\n";
    out += "Next event: " + (next_event ? iso_time(next_event) : std::string("none scheduled")) + "\n";
    return out;
}

}  // namespace danemail::zone
