// Tests of the unattended key policy with a simulated clock: whole ZSK (RFC 7583 §3.2.1) and KSK (§3.3.2,
// RFC 7344/8078 CDS) rollovers over 200 days, checked at every step against a model of validator caches
// (no cached signature without its DNSKEY, no cached DS without a matching KSK signing a cached DNSKEY
// RRset, never unsigned data cached under a DS), with the test playing the parent; plus adopted keys,
// restarts mid-rollover, the operator's ds-seen, a missing private key and a corrupt state file.
#include "zone/key_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "base/file_io.h"
#include "dnssec/algorithm.h"
#include "dnssec/key_file.h"

namespace danemail::zone {
namespace {

namespace fs = std::filesystem;

constexpr UnixTime kStart = 1'800'000'000;  // 2027-01-15
constexpr UnixTime kHour = 3600, kDay = 86400;
constexpr UnixTime kParentDelay = 3 * kHour;  // the parent acts on a CDS change this long after it

dns::Name apex() {
    return dns::Name::from_text("example.").value();
}

KeyPolicy short_policy() {
    KeyPolicy policy;
    policy.zsk_lifetime = 30 * kDay;
    policy.ksk_lifetime = 60 * kDay;
    return policy;
}

class TempDir {
public:
    TempDir() {
        std::random_device random;
        path_ = fs::temp_directory_path() / ("danemail-key-manager-test-" + std::to_string(random()));
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string str() const { return path_.string(); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

// What the signer does with the keys at `now` (zone_signer.cpp is_published / is_signing).
struct ZoneView {
    UnixTime from = 0, to = 0;  // when this view was served
    std::set<uint16_t> published, dnskey_signers, data_signers;
};

bool view_published(const dnssec::ZoneKey& k, UnixTime now) {
    return !(k.publish && *k.publish > now) && !(k.remove && *k.remove <= now);
}
bool view_signing(const dnssec::ZoneKey& k, UnixTime now) {
    return k.private_key && view_published(k, now) && !(k.activate && *k.activate > now) &&
           !(k.inactive && *k.inactive <= now);
}

ZoneView view_of(const std::vector<dnssec::ZoneKey>& keys, UnixTime now) {
    ZoneView view;
    view.from = view.to = now;
    std::set<uint16_t> ksk, zsk;
    for (const auto& k : keys) {
        if (view_published(k, now)) view.published.insert(k.tag);
        if (view_signing(k, now)) (k.is_ksk() ? ksk : zsk).insert(k.tag);
    }
    view.dnskey_signers = ksk.empty() ? zsk : ksk;  // one algorithm: a lone kind signs everything
    view.data_signers = zsk.empty() ? ksk : zsk;
    return view;
}

struct DsView {
    UnixTime from = 0, to = 0;
    std::vector<dns::DsRdata> ds;
};

bool intersects(const std::set<uint16_t>& a, const std::set<uint16_t>& b) {
    for (uint16_t x : a)
        if (b.count(x)) return true;
    return false;
}

// Drives a KeyManager step by step while playing the parent and checking the caches' view at each step.
class Simulation {
public:
    enum class Parent { Queried, OperatorConfirms };

    Simulation(const std::string& dir, KeyPolicy policy, Parent parent)
        : dir_(dir), policy_(policy), parent_(parent) {
        auto manager = KeyManager::open(dir, apex(), policy);
        EXPECT_TRUE(manager) << manager.error().to_string();
        manager_ = std::make_unique<KeyManager>(std::move(*manager));
        // Before the first keys: nothing signed, nothing at the parent, for longer than any TTL.
        zone_views_.push_back({kStart - 30 * kDay, kStart, {}, {}, {}});
        ds_views_.push_back({kStart - 30 * kDay, kStart, {}});
    }

    // Runs until `end`, stepping at every next_event, every parent change and at least hourly.
    void run_until(UnixTime end, bool reopen_daily = true) {
        while (now_ < end && !::testing::Test::HasFailure()) {
            step(now_);
            UnixTime next = now_ + kHour;
            if (last_.next_event) next = std::min(next, last_.next_event);
            if (parent_update_at_) next = std::min(next, parent_update_at_);
            if (reopen_daily && (now_ - kStart) / kDay != (next - kStart) / kDay) reopen_and_compare();
            now_ = next;
        }
    }

    void step(UnixTime now) {
        parent_acts(now);
        if (parent_ == Parent::Queried) {
            ASSERT_TRUE(manager_->parent_ds_observed(now, parent_ds_, policy_.ds_ttl));
        } else if (parent_changed_at_ && now >= parent_changed_at_ + kHour) {
            auto wait = manager_->waiting_for_parent();
            if (wait && !wait->must_include.empty()) {
                ASSERT_TRUE(manager_->ds_seen(now));
                ++operator_confirmations;
            }
            parent_changed_at_ = 0;
        }
        auto result = manager_->advance(now);
        ASSERT_TRUE(result) << result.error().to_string();
        last_ = std::move(*result);
        for (const auto& event : last_.events) log.push_back(iso(now) + " " + event);
        if (last_.next_event) {
            ASSERT_GT(last_.next_event, now);
        }
        for (const auto& k : last_.keys) {
            auto known = keys_by_tag_.find(k.tag);
            if (known != keys_by_tag_.end() && known->second.dnskey.public_key != k.dnskey.public_key) {
                // A new key with the tag of one purged long ago: track it afresh.
                for (auto* times : {&first_published_, &started_signing_, &stopped_signing_, &removed_at_})
                    times->erase(k.tag);
            }
            keys_by_tag_[k.tag] = k;
        }

        ZoneView view = view_of(last_.keys, now);
        check_key_timing(view, now);
        zone_views_.back().to = now;
        zone_views_.push_back(view);
        ds_views_.back().to = now;
        check_caches(now);

        for (uint16_t tag : last_.cds_key_tags) {
            ASSERT_TRUE(keys_by_tag_.count(tag));
            EXPECT_TRUE(keys_by_tag_[tag].is_ksk()) << tag;
            EXPECT_TRUE(view.published.count(tag)) << "CDS for unpublished key " << tag;
        }
        if (last_.cds_key_tags != parent_target_ && !last_.cds_key_tags.empty()) {
            parent_target_ = last_.cds_key_tags;
            parent_update_at_ = now + kParentDelay;
        }
    }

    // Opens a second manager on the same directory: it must see exactly the state the first one has.
    void reopen_and_compare() {
        auto reopened = KeyManager::open(dir_, apex(), policy_);
        ASSERT_TRUE(reopened) << reopened.error().to_string();
        EXPECT_EQ(reopened->describe(now_), manager_->describe(now_));
        EXPECT_EQ(reopened->waiting_for_parent().has_value(), manager_->waiting_for_parent().has_value());
        auto again = reopened->advance(now_);
        ASSERT_TRUE(again) << again.error().to_string();
        EXPECT_TRUE(again->events.empty()) << again->events.front();
        EXPECT_EQ(again->cds_key_tags, last_.cds_key_tags);
        EXPECT_EQ(again->next_event, last_.next_event);
        ASSERT_EQ(again->keys.size(), last_.keys.size());
        for (size_t i = 0; i < again->keys.size(); ++i) {
            const auto &a = again->keys[i], &b = last_.keys[i];
            EXPECT_EQ(a.tag, b.tag);
            EXPECT_EQ(a.publish, b.publish);
            EXPECT_EQ(a.activate, b.activate);
            EXPECT_EQ(a.inactive, b.inactive);
            EXPECT_EQ(a.remove, b.remove);
        }
        manager_ = std::make_unique<KeyManager>(std::move(*reopened));
        ++reopens;
    }

    KeyManager& manager() { return *manager_; }
    const KeyStep& last() const { return last_; }
    UnixTime now() const { return now_; }
    const std::vector<dns::DsRdata>& parent_ds() const { return parent_ds_; }

    std::vector<std::string> log;
    int zsk_activations = 0, ksk_retirements = 0, removals = 0, parent_changes = 0, reopens = 0,
        operator_confirmations = 0;

private:
    static std::string iso(UnixTime t) { return format_dnssec_time(t); }

    // The parent replaces its DS set with the CDS set some hours after the child published it (RFC 8078).
    void parent_acts(UnixTime now) {
        if (!parent_update_at_ || now < parent_update_at_) return;
        parent_update_at_ = 0;
        parent_ds_.clear();
        for (uint16_t tag : parent_target_) {
            auto ds = dnssec::make_ds(apex(), keys_by_tag_.at(tag).dnskey_rdata(), dnssec::digest::SHA256);
            ASSERT_TRUE(ds);
            parent_ds_.push_back(*ds);
        }
        ds_views_.back().to = now;
        ds_views_.push_back({now, now, parent_ds_});
        parent_changed_at_ = now;
        ++parent_changes;
    }

    // Each step waited what it must (RFC 7583), judged from when keys were seen published and signing.
    void check_key_timing(const ZoneView& view, UnixTime now) {
        for (const auto& [tag, key] : keys_by_tag_) {
            const bool was_published = first_published_.count(tag) && !removed_at_.count(tag);
            if (view.published.count(tag) && !first_published_.count(tag)) first_published_[tag] = now;
            const bool signs = view.data_signers.count(tag) || view.dnskey_signers.count(tag);
            if (signs && !started_signing_.count(tag)) {
                started_signing_[tag] = now;
                if (!key.is_ksk() && !zone_views_.back().data_signers.empty()) {
                    // A ZSK taking over: pre-published for Ipub (RFC 7583 §3.2.1).
                    EXPECT_GE(now - first_published_[tag],
                              policy_.dnskey_ttl + policy_.propagation_delay + policy_.publish_safety)
                        << "ZSK " << tag << " used too early";
                    ++zsk_activations;
                }
            }
            if (!signs && started_signing_.count(tag) && !stopped_signing_.count(tag)) {
                stopped_signing_[tag] = now;
                if (key.is_ksk()) ++ksk_retirements;
            }
            if (was_published && !view.published.count(tag)) {
                removed_at_[tag] = now;
                ++removals;
                ASSERT_TRUE(stopped_signing_.count(tag)) << "key " << tag << " removed while signing";
                const UnixTime wait =
                    key.is_ksk() ? policy_.dnskey_ttl + policy_.propagation_delay
                                 : policy_.max_zone_ttl + policy_.propagation_delay + policy_.retire_safety;
                EXPECT_GE(now - stopped_signing_[tag], wait) << "key " << tag << " removed too early";
            }
        }
        EXPECT_FALSE(view.dnskey_signers.empty()) << "nothing signs the DNSKEY RRset at " << iso(now);
        EXPECT_FALSE(view.data_signers.empty()) << "nothing signs the zone data at " << iso(now);
        bool any_ksk_signing = false;
        for (uint16_t tag : view.dnskey_signers)
            any_ksk_signing = any_ksk_signing || keys_by_tag_[tag].is_ksk();
        EXPECT_TRUE(any_ksk_signing) << "no KSK signs the DNSKEY RRset at " << iso(now);
    }

    // A validator may hold any view served within a TTL of now; every combination must validate.
    void check_caches(UnixTime now) {
        const UnixTime longest = std::max({policy_.dnskey_ttl, policy_.max_zone_ttl, policy_.ds_ttl});
        auto expired = [&](const auto& view) { return view.to + longest < now; };
        while (zone_views_.size() > 1 && expired(zone_views_.front())) zone_views_.erase(zone_views_.begin());
        while (ds_views_.size() > 1 && expired(ds_views_.front())) ds_views_.erase(ds_views_.begin());
        auto cached = [now](UnixTime to, uint32_t ttl) { return to + static_cast<UnixTime>(ttl) > now; };
        for (const ZoneView& data : zone_views_) {
            if (!cached(data.to, policy_.max_zone_ttl) || data.data_signers.empty()) continue;
            for (const ZoneView& dnskey : zone_views_) {
                // Before the first keys no DS exists, so nothing validates: the DS checks below cover it.
                if (!cached(dnskey.to, policy_.dnskey_ttl) || dnskey.published.empty()) continue;
                EXPECT_TRUE(intersects(data.data_signers, dnskey.published))
                    << "at " << iso(now) << ": data signed at " << iso(data.from)
                    << " by keys missing from the DNSKEY RRset of " << iso(dnskey.from);
            }
        }
        for (const DsView& parent : ds_views_) {
            if (parent.ds.empty() || !cached(parent.to, policy_.ds_ttl)) continue;
            for (const ZoneView& dnskey : zone_views_) {
                if (!cached(dnskey.to, std::max(policy_.dnskey_ttl, policy_.max_zone_ttl))) continue;
                EXPECT_FALSE(dnskey.data_signers.empty())
                    << "at " << iso(now) << ": unsigned data of " << iso(dnskey.from) << " cached under a DS";
                if (!cached(dnskey.to, policy_.dnskey_ttl)) continue;
                bool matched = false;
                for (const auto& ds : parent.ds)
                    for (uint16_t tag : dnskey.dnskey_signers)
                        matched = matched || (ds.key_tag == tag && keys_by_tag_[tag].is_ksk());
                EXPECT_TRUE(matched) << "at " << iso(now) << ": the parent's DS set of " << iso(parent.from)
                                     << " matches no KSK signing the DNSKEY RRset of " << iso(dnskey.from);
            }
        }
    }

    std::string dir_;
    KeyPolicy policy_;
    Parent parent_;
    std::unique_ptr<KeyManager> manager_;
    UnixTime now_ = kStart;
    KeyStep last_;
    std::map<uint16_t, dnssec::ZoneKey> keys_by_tag_;
    std::vector<ZoneView> zone_views_;
    std::vector<DsView> ds_views_;
    std::vector<dns::DsRdata> parent_ds_;
    std::vector<uint16_t> parent_target_;
    UnixTime parent_update_at_ = 0, parent_changed_at_ = 0;
    std::map<uint16_t, UnixTime> first_published_, started_signing_, stopped_signing_, removed_at_;
};

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

TEST(KeyManager, RollsZsksAndKsksFor200DaysWithTheParentQueried) {
    TempDir dir;
    Simulation sim(dir.str(), short_policy(), Simulation::Parent::Queried);
    sim.run_until(kStart + 200 * kDay);
    ASSERT_FALSE(::testing::Test::HasFailure()) << joined(sim.log);
    // 200 days: six ZSK rollovers (30 days) and three KSK rollovers (60 days), each finished.
    EXPECT_GE(sim.zsk_activations, 6) << joined(sim.log);
    EXPECT_GE(sim.ksk_retirements, 3) << joined(sim.log);
    EXPECT_GE(sim.removals, 8) << joined(sim.log);
    EXPECT_GE(sim.parent_changes, 7) << joined(sim.log);  // first DS, then add and drop for each KSK roll
    EXPECT_GT(sim.reopens, 150);
    // Keys removed more than 90 days ago were purged from the directory.
    size_t key_files = 0;
    for (const auto& entry : fs::directory_iterator(dir.str()))
        key_files += entry.path().extension() == ".key";
    EXPECT_EQ(key_files, sim.last().keys.size());
    EXPECT_LT(key_files, 10u);
}

TEST(KeyManager, KskRolloverWaitsForTheOperatorsDsSeen) {
    TempDir dir;
    Simulation sim(dir.str(), short_policy(), Simulation::Parent::OperatorConfirms);
    sim.run_until(kStart + 130 * kDay, /*reopen_daily=*/false);
    ASSERT_FALSE(::testing::Test::HasFailure()) << joined(sim.log);
    EXPECT_GE(sim.ksk_retirements, 2) << joined(sim.log);
    EXPECT_GE(sim.operator_confirmations, 3) << joined(sim.log);  // the first DS and two rollovers
}

TEST(KeyManager, FirstKeysWithholdTheDsUntilTheSignedZoneIsCached) {
    TempDir dir;
    KeyPolicy policy;
    auto manager = KeyManager::open(dir.str(), apex(), policy);
    ASSERT_TRUE(manager) << manager.error().to_string();
    auto step = manager->advance(kStart);
    ASSERT_TRUE(step) << step.error().to_string();
    ASSERT_EQ(step->keys.size(), 2u);
    EXPECT_TRUE(step->cds_key_tags.empty());
    EXPECT_FALSE(step->waiting_for_parent);
    const UnixTime submit = kStart + policy.max_zone_ttl + policy.propagation_delay + policy.publish_safety;
    EXPECT_EQ(step->next_event, submit);
    for (const auto& key : step->keys) EXPECT_TRUE(view_signing(key, kStart)) << key.tag;

    step = manager->advance(submit);
    ASSERT_TRUE(step);
    ASSERT_EQ(step->cds_key_tags.size(), 1u);
    ASSERT_TRUE(step->waiting_for_parent);
    ASSERT_EQ(step->waiting_for_parent->must_include.size(), 1u);
    EXPECT_EQ(step->waiting_for_parent->must_include[0].key_tag, step->cds_key_tags[0]);
    EXPECT_NE(manager->describe(submit).find("submitted"), std::string::npos);

    // The parent's DS arrives: nothing is awaited any more; the next event is the ZSK's successor.
    std::vector<dns::DsRdata> parent = step->waiting_for_parent->must_include;
    ASSERT_TRUE(manager->parent_ds_observed(submit + kHour, parent, 7200));
    step = manager->advance(submit + kHour);
    ASSERT_TRUE(step);
    EXPECT_FALSE(step->waiting_for_parent);
    EXPECT_EQ(step->cds_key_tags.size(), 1u);
    EXPECT_NE(manager->describe(submit + kHour).find(" seen "), std::string::npos)
        << manager->describe(submit);
    EXPECT_FALSE(manager->ds_seen(submit + kHour)) << "nothing is awaited";
}

// Writes a key as `danemail key generate` would, with timing from `activated`.
dnssec::ZoneKey write_existing_key(const TempDir& dir, dnssec::KeyRole role, UnixTime activated) {
    auto key = dnssec::generate_key(apex(), role, dnssec::algorithm::ECDSAP256SHA256);
    EXPECT_TRUE(key);
    key->created = key->publish = key->activate = activated;
    fs::create_directories(dir.str());
    EXPECT_TRUE(dnssec::write_key_files(*key, dir.str()));
    return *key;
}

TEST(KeyManager, AdoptsExistingKeysAsInUse) {
    TempDir dir;
    const auto ksk = write_existing_key(dir, dnssec::KeyRole::Ksk, kStart - 10 * kDay);
    const auto zsk = write_existing_key(dir, dnssec::KeyRole::Zsk, kStart - 10 * kDay);
    KeyPolicy policy;
    auto manager = KeyManager::open(dir.str(), apex(), policy);
    ASSERT_TRUE(manager) << manager.error().to_string();
    auto step = manager->advance(kStart);
    ASSERT_TRUE(step) << step.error().to_string();
    ASSERT_EQ(step->keys.size(), 2u) << "no new keys for a zone that has some";
    EXPECT_EQ(step->cds_key_tags, std::vector<uint16_t>{ksk.tag});
    EXPECT_FALSE(step->waiting_for_parent) << "an adopted KSK's DS is taken as at the parent";
    EXPECT_NE(joined(step->events).find("adopted KSK " + std::to_string(ksk.tag)), std::string::npos);
    for (const auto& key : step->keys) {
        EXPECT_TRUE(view_signing(key, kStart));
        EXPECT_EQ(key.activate, kStart - 10 * kDay) << "its own activation time is kept";
    }
    // The ZSK's lifetime counts from its activation: the successor comes Ipub before 90 days are over.
    EXPECT_EQ(step->next_event, kStart - 10 * kDay + policy.zsk_lifetime -
                                    (policy.dnskey_ttl + policy.propagation_delay + policy.publish_safety));
    EXPECT_TRUE(fs::exists(dir.file(key_state_file_name(zsk))));
    const std::string table = manager->describe(kStart);
    EXPECT_NE(table.find(std::to_string(zsk.tag)), std::string::npos) << table;
    EXPECT_NE(table.find("active"), std::string::npos) << table;
    EXPECT_NE(table.find("2027-04-05T"), std::string::npos) << table;  // the ZSK successor, ISO 8601
}

TEST(KeyManager, LoneAdoptedKskGetsAPrePublishedZsk) {
    TempDir dir;
    const auto ksk = write_existing_key(dir, dnssec::KeyRole::Ksk, kStart - kDay);
    KeyPolicy policy;
    auto manager = KeyManager::open(dir.str(), apex(), policy);
    ASSERT_TRUE(manager);
    auto step = manager->advance(kStart);
    ASSERT_TRUE(step) << step.error().to_string();
    ASSERT_EQ(step->keys.size(), 2u);
    ZoneView view = view_of(step->keys, kStart);
    EXPECT_EQ(view.data_signers, std::set<uint16_t>{ksk.tag})
        << "the KSK signs the data until the ZSK is known";
    EXPECT_EQ(view.published.size(), 2u);
    const UnixTime ipub = policy.dnskey_ttl + policy.propagation_delay + policy.publish_safety;
    EXPECT_EQ(step->next_event, kStart + ipub);
    step = manager->advance(kStart + ipub);
    ASSERT_TRUE(step);
    view = view_of(step->keys, kStart + ipub);
    EXPECT_EQ(view.data_signers.size(), 1u);
    EXPECT_FALSE(view.data_signers.count(ksk.tag));
}

TEST(KeyManager, MissingPrivateKeyOfASigningKeyIsAnError) {
    TempDir dir;
    write_existing_key(dir, dnssec::KeyRole::Ksk, kStart - kDay);
    const auto zsk = write_existing_key(dir, dnssec::KeyRole::Zsk, kStart - kDay);
    const std::string private_file = dir.file(dnssec::key_file_base(zsk) + ".private");
    fs::remove(private_file);
    auto manager = KeyManager::open(dir.str(), apex(), KeyPolicy{});
    ASSERT_TRUE(manager) << manager.error().to_string();
    auto step = manager->advance(kStart);
    ASSERT_FALSE(step);
    EXPECT_EQ(step.error().where, private_file);
    EXPECT_NE(step.error().what.find("ZSK " + std::to_string(zsk.tag)), std::string::npos);
    EXPECT_FALSE(fs::exists(dir.file(key_state_file_name(zsk)))) << "nothing is written by a failed step";
}

TEST(KeyManager, CorruptStateFileIsAnErrorWithFileAndLine) {
    TempDir dir;
    Simulation sim(dir.str(), short_policy(), Simulation::Parent::Queried);
    sim.run_until(kStart + 2 * kDay, false);
    ASSERT_FALSE(sim.last().keys.empty());
    const std::string path = dir.file(key_state_file_name(sim.last().keys[0]));
    auto text = read_file(path);
    ASSERT_TRUE(text);
    ASSERT_TRUE(write_file_atomic(path, *text + "DSSeen: yesterday\n"));
    auto reopened = KeyManager::open(dir.str(), apex(), short_policy());
    ASSERT_FALSE(reopened);
    const size_t lines = std::count(text->begin(), text->end(), '\n');
    EXPECT_EQ(reopened.error().where, path + ":" + std::to_string(lines + 1)) << reopened.error().to_string();
}

TEST(KeyManager, RestartMidKskRolloverKeepsWaiting) {
    TempDir dir;
    KeyPolicy policy = short_policy();
    Simulation sim(dir.str(), policy, Simulation::Parent::Queried);
    // Past the first DS and up to the KSK's lifetime: the successor is created and its DS submitted.
    sim.run_until(kStart + 60 * kDay + kHour, false);
    ASSERT_FALSE(::testing::Test::HasFailure());
    auto wait = sim.manager().waiting_for_parent();
    ASSERT_TRUE(wait) << sim.manager().describe(sim.now());
    ASSERT_EQ(wait->must_include.size(), 1u);
    const uint16_t new_ksk = wait->must_include[0].key_tag;

    auto reopened = KeyManager::open(dir.str(), apex(), policy);
    ASSERT_TRUE(reopened) << reopened.error().to_string();
    EXPECT_EQ(reopened->describe(sim.now()), sim.manager().describe(sim.now()));
    EXPECT_NE(reopened->describe(sim.now()).find("waiting for the parent"), std::string::npos);
    // Days later, still without the parent: the old KSK keeps signing, CDS names both.
    auto step = reopened->advance(sim.now() + 5 * kDay);
    ASSERT_TRUE(step) << step.error().to_string();
    EXPECT_EQ(step->cds_key_tags.size(), 2u);
    EXPECT_EQ(view_of(step->keys, sim.now() + 5 * kDay).dnskey_signers.size(), 2u);
    ASSERT_TRUE(step->waiting_for_parent);
    EXPECT_EQ(step->waiting_for_parent->must_include[0].key_tag, new_ksk);

    // The operator confirms; the old KSK retires once the DS TTL and propagation delay have passed.
    const UnixTime seen = sim.now() + 5 * kDay;
    ASSERT_TRUE(reopened->ds_seen(seen));
    step = reopened->advance(seen);
    ASSERT_TRUE(step);
    EXPECT_EQ(step->next_event, seen + policy.ds_ttl + policy.propagation_delay);
    step = reopened->advance(step->next_event);
    ASSERT_TRUE(step);
    EXPECT_EQ(step->cds_key_tags, std::vector<uint16_t>{new_ksk});
    ASSERT_TRUE(step->waiting_for_parent);
    EXPECT_TRUE(step->waiting_for_parent->must_include.empty());
    EXPECT_EQ(step->waiting_for_parent->must_exclude_tags.size(), 1u);
}

TEST(KeyManager, DescribeNotesAnAlgorithmTheKeysDoNotUse) {
    TempDir dir;
    write_existing_key(dir, dnssec::KeyRole::Ksk, kStart);
    write_existing_key(dir, dnssec::KeyRole::Zsk, kStart);
    KeyPolicy policy;
    policy.algorithm = dnssec::algorithm::ED25519;
    auto manager = KeyManager::open(dir.str(), apex(), policy);
    ASSERT_TRUE(manager);
    ASSERT_TRUE(manager->advance(kStart));
    EXPECT_NE(manager->describe(kStart).find("algorithm rollover is not supported"), std::string::npos);
}

}  // namespace
}  // namespace danemail::zone
