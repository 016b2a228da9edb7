// The zone maintenance thread of `danemail serve` (see dns_service.h).
#include "app/dns_service.h"

#include <fmt/core.h>
#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "app/zone_input.h"
#include "base/file_io.h"
#include "base/time.h"
#include "dnsserver/notify.h"
#include "dnsserver/parent_ds.h"
#include "zone/inline_zone.h"
#include "zone/key_manager.h"
#include "zone/zone_set.h"

namespace danemail::app {
namespace {

// How long the thread sleeps between looks at the clock. Short, so that a clock moved by faketime in the
// time-travel tests is noticed quickly; the work done on an idle wake-up is a few comparisons.
constexpr auto kTick = std::chrono::milliseconds(200);
// While a KSK rollover waits for the parent's DS, its servers are asked this often.
constexpr UnixTime kParentQueryInterval = 600;
// A zone that failed to sign is tried again after this long (and an alarm logged each time).
constexpr UnixTime kRetryAfterFailure = 300;

zone::SigningMode signing_mode(ZoneSigning signing) {
    switch (signing) {
        case ZoneSigning::Inline:
            return zone::SigningMode::Inline;
        case ZoneSigning::Presigned:
            return zone::SigningMode::Presigned;
        case ZoneSigning::Off:
            return zone::SigningMode::Unsigned;
    }
    return zone::SigningMode::Inline;
}

std::string time_text(UnixTime t) {
    if (t == 0) return "-";
    std::string s = format_dnssec_time(t);  // YYYYMMDDHHMMSS
    return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" + s.substr(8, 2) + ":" +
           s.substr(10, 2) + ":" + s.substr(12, 2) + "Z";
}

struct ManagedZone {
    DnsZoneConfig config;
    dns::Name apex;
    zone::InlineZone zone;
    std::optional<zone::KeyManager> keys;  // inline signing only
    std::vector<dnsserver::Endpoint> parents;
    UnixTime next_parent_query = 0;  // while a KSK rollover waits for the parent's DS (0: not waiting)
    UnixTime next_work = 0;          // when to update again (0: nothing scheduled)
    bool reload_pending = false;     // read the zone file at the next update
    std::string last_error;

    ManagedZone(DnsZoneConfig c, dns::Name a, zone::InlineZone z)
        : config(std::move(c)), apex(std::move(a)), zone(std::move(z)) {}
};

}  // namespace

struct DnsService::State {
    std::string config_path;
    Config config;
    std::vector<ManagedZone> zones;
    std::vector<dnsserver::TsigKey> tsig_keys;
    std::vector<dnsserver::TransferPeer> peers;

    std::unique_ptr<dnsserver::Notifier> notifier;
    std::map<std::string, uint32_t> announced;  // apex -> the serial last announced by NOTIFY

    dnsserver::ZoneSource zone_source{std::make_shared<const zone::ZoneSet>()};
    dnsserver::TransferSource transfer_source{std::make_shared<const dnsserver::TransferZones>()};

    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
    std::thread thread;

    // --- run on the service thread (or before it starts) ---

    Status read_transfer_settings(const DnsConfig& dns, std::vector<dnsserver::TsigKey>& keys,
                                  std::vector<dnsserver::TransferPeer>& transfer_peers) {
        if (!dns.tsig_keys.empty()) {
            auto text = read_file(dns.tsig_keys);
            if (!text) return text.error();
            auto parsed = dnsserver::parse_tsig_keys(*text, dns.tsig_keys);
            if (!parsed) return parsed.error();
            keys = std::move(*parsed);
        }
        for (const SecondaryConfig& secondary : dns.secondaries) {
            auto key =
                dns::Name::from_text(secondary.key.back() == '.' ? secondary.key : secondary.key + ".");
            if (!key || !dnsserver::find_tsig_key(keys, *key))
                return make_error(secondary.where,
                                  "TSIG key '" + secondary.key + "' is not in " + dns.tsig_keys);
            transfer_peers.push_back({secondary.address, *key});
        }
        return {};
    }

    Result<ManagedZone> open_zone(const DnsZoneConfig& zone_config) {
        auto apex = parse_zone_name(zone_config.name);
        if (!apex)
            return make_error(zone_config.where, "zone name '" + zone_config.name + "' is not a domain name");
        zone::InlineZoneSettings settings;
        settings.apex = *apex;
        settings.mode = signing_mode(zone_config.signing);
        settings.nsec3 = zone_config.nsec3;
        settings.validity = zone_config.validity;
        settings.refresh = zone_config.refresh;
        settings.state_dir = (std::filesystem::path(config.dns.state) / "zones").string();
        std::vector<std::string> warnings;
        auto opened = zone::InlineZone::open(std::move(settings), &warnings);
        for (const std::string& warning : warnings) fmt::print(stderr, "danemail: warning: {}\n", warning);
        if (!opened) return make_error(zone_config.where, opened.error().to_string());
        ManagedZone managed(zone_config, *apex, std::move(*opened));
        if (auto s = configure_parents(managed); !s) return s.error();
        return managed;
    }

    zone::KeyPolicy key_policy(const DnsZoneConfig& zone_config) const {
        zone::KeyPolicy policy;
        policy.algorithm = zone_config.algorithm;
        policy.zsk_lifetime = zone_config.zsk_lifetime;
        policy.ksk_lifetime = zone_config.ksk_lifetime;
        policy.ds_ttl = zone_config.ds_ttl;
        return policy;
    }

    // The parent's servers of a zone (asked for its DS during KSK rollovers), after opening or a reload.
    Status configure_parents(ManagedZone& managed) {
        managed.parents.clear();
        for (const std::string& text : managed.config.parents) {
            const bool has_port = text.rfind(']') != std::string::npos
                                      ? text.find("]:") != std::string::npos
                                      : std::count(text.begin(), text.end(), ':') == 1;
            auto endpoint = dnsserver::parse_endpoint(has_port ? text : text + ":53");
            if (!endpoint)
                return make_error(managed.config.where, "parents: " + endpoint.error().to_string());
            managed.parents.push_back(std::move(*endpoint));
        }
        if (managed.config.signing != ZoneSigning::Inline) managed.keys.reset();
        return {};
    }

    // Reads the zone's keys from disk again (at start, on every reload, and while they are unreadable), so
    // the files stay the truth. A failure drops the key manager: the zone keeps its last signed version.
    Status open_keys(ManagedZone& managed) {
        zone::KeyPolicy policy = key_policy(managed.config);
        if (managed.keys) {
            policy.dnskey_ttl = managed.keys->policy().dnskey_ttl;
            policy.max_zone_ttl = managed.keys->policy().max_zone_ttl;
        }
        managed.keys.reset();
        auto keys = zone::KeyManager::open(managed.config.keys, managed.apex, policy);
        if (!keys) return make_error(managed.config.where, "keys: " + keys.error().to_string());
        managed.keys.emplace(std::move(*keys));
        return {};
    }

    // Makes the zone's next version: with `reload`, from its zone file read again.
    Status update_zone(ManagedZone& managed, UnixTime now, bool reload, bool* changed) {
        std::optional<std::vector<dns::Record>> fresh;
        if (reload || !managed.zone.current()) {
            const bool presigned = managed.config.signing == ZoneSigning::Presigned;
            fresh = load_zone(managed.config.file, managed.apex, !presigned);
            if (!fresh)
                return make_error(managed.config.where,
                                  "zone file " + managed.config.file + " has errors (see above)");
        }
        zone::KeyStep step;
        if (managed.config.signing == ZoneSigning::Inline && (reload || !managed.keys))
            if (auto s = open_keys(managed); !s) return s;
        if (managed.keys) {
            // The waits of a rollover follow the zone's TTLs (RFC 7583 §3): the DNSKEY RRset takes the SOA's.
            zone::KeyPolicy policy = managed.keys->policy();
            if (fresh) {
                policy.max_zone_ttl = 0;
                for (const dns::Record& record : *fresh) {
                    if (record.type == dns::type::SOA) policy.dnskey_ttl = record.ttl;
                    policy.max_zone_ttl = std::max(policy.max_zone_ttl, record.ttl);
                }
            } else if (managed.zone.soa_ttl() != 0) {
                policy.dnskey_ttl = managed.zone.soa_ttl();
                policy.max_zone_ttl = managed.zone.max_ttl();
            }
            managed.keys->set_policy(policy);
            auto advanced = managed.keys->advance(now);
            if (!advanced) return make_error(managed.config.where, "keys: " + advanced.error().to_string());
            step = std::move(*advanced);
            for (const std::string& event : step.events)
                fmt::print(stderr, "danemail: {} keys: {}\n", managed.apex.to_text(), event);
        }
        auto update = managed.zone.update(now, std::move(fresh), step.keys, step.cds_key_tags);
        if (!update) return update.error();
        managed.next_work = update->next_resign;
        if (step.next_event != 0 && (managed.next_work == 0 || step.next_event < managed.next_work))
            managed.next_work = std::max(step.next_event, now + 1);
        if (step.waiting_for_parent && !managed.parents.empty()) {
            if (managed.next_parent_query == 0) managed.next_parent_query = now;
        } else {
            managed.next_parent_query = 0;
        }
        if (update->changed) {
            *changed = true;
            fmt::print(stderr,
                       "danemail: {} serial {}: {} records removed, {} added, {} of {} signatures kept\n",
                       managed.apex.to_text(), update->serial, update->removed, update->added,
                       update->signatures_reused, update->signatures);
        }
        return {};
    }

    // Updates the zone, logging a failure as an alarm and scheduling a retry. True when it changed.
    bool maintain(ManagedZone& managed, UnixTime now, bool reload, std::string* error_text) {
        bool changed = false;
        auto status = update_zone(managed, now, reload, &changed);
        if (status) {
            managed.last_error.clear();
            managed.reload_pending = false;
            return changed;
        }
        if (reload) managed.reload_pending = true;
        managed.last_error = status.error().to_string();
        managed.next_work = now + kRetryAfterFailure;
        const zone::ZoneVersion* current = managed.zone.current();
        std::string keeping = current ? fmt::format("still serving serial {}, signatures valid until {}",
                                                    current->serial, time_text(current->earliest_expiry))
                                      : "not served";
        fmt::print(stderr, "danemail: ALARM: {}: {} ({})\n", managed.apex.to_text(), managed.last_error,
                   keeping);
        if (error_text) *error_text += managed.apex.to_text() + ": " + managed.last_error + "\n";
        return false;
    }

    // RFC 1996: the secondaries with notify = true, each with its TSIG key.
    std::vector<dnsserver::NotifyTarget> notify_targets() const {
        std::vector<dnsserver::NotifyTarget> targets;
        for (const SecondaryConfig& secondary : config.dns.secondaries) {
            if (!secondary.notify) continue;
            const bool v6 = secondary.address.find(':') != std::string::npos;
            auto endpoint =
                dnsserver::parse_endpoint((v6 ? "[" + secondary.address + "]" : secondary.address) + ":" +
                                          std::to_string(secondary.port));
            if (!endpoint) continue;  // the config reader checked the address
            dnsserver::NotifyTarget target{std::move(*endpoint), std::nullopt};
            auto key_name =
                dns::Name::from_text(secondary.key.back() == '.' ? secondary.key : secondary.key + ".");
            if (key_name)
                if (const dnsserver::TsigKey* key = dnsserver::find_tsig_key(tsig_keys, *key_name))
                    target.key = *key;
            targets.push_back(std::move(target));
        }
        return targets;
    }

    Status start_notifier() {
        dnsserver::NotifyOptions options;
        for (const std::string& listen : config.dns.listen)
            if (auto endpoint = dnsserver::parse_endpoint(listen))
                options.sources.push_back(std::move(*endpoint));
        auto started = dnsserver::Notifier::start(notify_targets(), options);
        if (!started) return started.error();
        notifier = std::move(*started);
        // What the secondaries may have missed while we were down: announce every zone once.
        for (const ManagedZone& managed : zones)
            if (const zone::ZoneVersion* version = managed.zone.current()) announce(managed.apex, *version);
        return {};
    }

    void announce(const dns::Name& apex, const zone::ZoneVersion& version) {
        announced[apex.lowercased().to_text()] = version.serial;
        if (!notifier) return;
        notifier->announce(apex, version.serial);  // RFC 1996 §3.7: the SOA hint is optional
    }

    void publish() {
        auto zone_set = std::make_shared<zone::ZoneSet>();
        auto transfers = std::make_shared<dnsserver::TransferZones>();
        for (const ManagedZone& managed : zones) {
            const zone::ZoneVersion* version = managed.zone.current();
            if (!version) continue;
            zone_set->add(version->served);
            transfers->zones.push_back({managed.apex, nullptr, version->served, version->journal});
        }
        transfers->peers = peers;
        transfers->keys = tsig_keys;
        zone_source.store(std::move(zone_set));
        transfer_source.store(std::move(transfers));
        // Building a version frees far more than it keeps (parsed records, signing windows, the old
        // snapshot once the listeners let go of it): give the pages back rather than hold them forever.
        malloc_trim(0);
        for (const ManagedZone& managed : zones) {
            const zone::ZoneVersion* version = managed.zone.current();
            if (!version) continue;
            auto last = announced.find(managed.apex.lowercased().to_text());
            if (last == announced.end() || last->second != version->serial) announce(managed.apex, *version);
        }
    }

    ServiceReply reload_all() {
        auto fresh = load_config(config_path);
        if (!fresh)
            return {false, "reload failed, still serving the old zones: " + fresh.error().to_string()};
        std::vector<dnsserver::TsigKey> keys;
        std::vector<dnsserver::TransferPeer> transfer_peers;
        if (auto s = read_transfer_settings(fresh->dns, keys, transfer_peers); !s)
            return {false, "reload failed, still serving the old zones: " + s.error().to_string()};
        if (fresh->dns.listen != config.dns.listen)
            fmt::print(stderr, "danemail: listen addresses changed: they take effect at the next start\n");
        config.dns.zones = fresh->dns.zones;
        config.dns.secondaries = fresh->dns.secondaries;
        tsig_keys = std::move(keys);
        peers = std::move(transfer_peers);
        if (notifier) notifier->set_targets(notify_targets());

        const UnixTime now = now_unix();
        std::vector<ManagedZone> next;
        std::string errors;
        size_t changed_count = 0;
        for (const DnsZoneConfig& zone_config : config.dns.zones) {
            auto existing = std::find_if(zones.begin(), zones.end(), [&](const ManagedZone& m) {
                return m.config.name == zone_config.name;
            });
            if (existing != zones.end()) {
                existing->config = zone_config;
                if (auto s = configure_parents(*existing); !s) errors += s.error().to_string() + "\n";
                next.push_back(std::move(*existing));
            } else {
                auto opened = open_zone(zone_config);
                if (!opened) {
                    errors += opened.error().to_string() + "\n";
                    continue;
                }
                next.push_back(std::move(*opened));
            }
            if (maintain(next.back(), now, true, &errors)) ++changed_count;
        }
        zones = std::move(next);
        publish();
        std::string text = fmt::format("reloaded {} zone(s), {} changed", zones.size(), changed_count);
        if (!errors.empty()) return {false, text + "; reload failed for:\n" + errors};
        return {true, text};
    }

    std::string status_text() const {
        std::string out;
        for (const ManagedZone& managed : zones) {
            const zone::ZoneVersion* version = managed.zone.current();
            out +=
                fmt::format("{} serial {} signing {} signatures until {} next work {}{}\n",
                            managed.apex.to_text(), version ? std::to_string(version->serial) : "-",
                            managed.config.signing == ZoneSigning::Inline      ? "inline"
                            : managed.config.signing == ZoneSigning::Presigned ? "presigned"
                                                                               : "off",
                            version ? time_text(version->earliest_expiry) : "-", time_text(managed.next_work),
                            managed.last_error.empty() ? "" : " ALARM: " + managed.last_error);
        }
        return out;
    }

    // RFC 7344 §4 / RFC 8078: a KSK rollover waits for the parent to take up the CDS; ask its servers.
    // True when the answer was handed to the key manager.
    bool ask_parent(ManagedZone& managed, UnixTime now) {
        managed.next_parent_query = now + kParentQueryInterval;
        auto answer =
            dnsserver::query_parent_ds(managed.apex, managed.parents, std::chrono::milliseconds(2000));
        if (!answer) {
            fmt::print(stderr, "danemail: {}: asking the parent for DS: {}\n", managed.apex.to_text(),
                       answer.error().to_string());
            return false;
        }
        if (auto s = managed.keys->parent_ds_observed(now, answer->ds, answer->ttl); !s) {
            fmt::print(stderr, "danemail: {}: {}\n", managed.apex.to_text(), s.error().to_string());
            return false;
        }
        return true;
    }

    ManagedZone* find_zone(const std::string& name) {
        auto wanted = dns::Name::from_text(name.empty() || name.back() != '.' ? name + "." : name);
        if (!wanted) return nullptr;
        for (ManagedZone& managed : zones)
            if (managed.apex == *wanted) return &managed;
        return nullptr;
    }

    ServiceReply handle(const std::vector<std::string>& words) {
        if (words.empty()) return {false, "empty request"};
        const std::string& verb = words[0];
        if (verb == "reload" && words.size() == 1) return reload_all();
        if (verb == "status" && words.size() == 1) return {true, status_text()};
        if ((verb == "sign" || verb == "keys" || verb == "ds-seen") && words.size() == 2) {
            ManagedZone* managed = find_zone(words[1]);
            if (!managed) return {false, "no zone " + words[1] + " is served here"};
            if (verb == "sign") {
                std::string errors;
                bool changed = maintain(*managed, now_unix(), managed->reload_pending, &errors);
                if (changed) publish();
                if (!errors.empty()) return {false, errors};
                return {true, fmt::format("{} serial {}", managed->apex.to_text(),
                                          managed->zone.current()->serial)};
            }
            if (!managed->keys)
                return {false, managed->apex.to_text() + " is not signed inline: no keys to manage"};
            if (verb == "keys") return {true, managed->keys->describe(now_unix())};
            if (auto s = managed->keys->ds_seen(now_unix()); !s) return {false, s.error().to_string()};
            std::string errors;
            if (maintain(*managed, now_unix(), managed->reload_pending, &errors)) publish();
            if (!errors.empty()) return {false, errors};
            return {true, managed->keys->describe(now_unix())};
        }
        return {false, "unknown request '" + verb +
                           "' (expected reload, status, sign ZONE, keys ZONE or ds-seen ZONE)"};
    }

    void run() {
        std::unique_lock lock(mutex);
        while (!stopping) {
            wake.wait_for(lock, kTick, [&] { return stopping || !tasks.empty(); });
            while (!tasks.empty()) {
                auto task = std::move(tasks.front());
                tasks.pop_front();
                lock.unlock();
                task();
                lock.lock();
            }
            if (stopping) break;
            lock.unlock();
            const UnixTime now = now_unix();
            bool changed = false;
            for (ManagedZone& managed : zones) {
                if (managed.next_parent_query != 0 && managed.next_parent_query <= now &&
                    ask_parent(managed, now))
                    managed.next_work = now;
                if (managed.next_work != 0 && managed.next_work <= now)
                    changed |= maintain(managed, now, managed.reload_pending, nullptr);
            }
            if (changed) publish();
            lock.lock();
        }
    }

    // Runs `work` on the service thread (directly when it is not running) and returns its reply.
    ServiceReply submit(std::function<ServiceReply()> work) {
        if (!thread.joinable()) return work();
        std::promise<ServiceReply> reply;
        auto result = reply.get_future();
        {
            std::lock_guard guard(mutex);
            if (stopping) return {false, "the server is stopping"};
            tasks.push_back([&] { reply.set_value(work()); });
        }
        wake.notify_one();
        return result.get();
    }
};

DnsService::DnsService(std::unique_ptr<State> state) : state_(std::move(state)) {}

DnsService::~DnsService() {
    stop();
}

Result<std::unique_ptr<DnsService>> DnsService::open(const Config& config) {
    // Keys and journals live here: only the server's user may look inside.
    std::error_code error;
    std::filesystem::create_directories(config.dns.state, error);
    if (error) return make_error(config.dns.state, "cannot create the state directory: " + error.message());
    std::filesystem::permissions(config.dns.state, std::filesystem::perms::owner_all, error);
    auto state = std::make_unique<State>();
    state->config_path = config.path;
    state->config = config;
    if (auto s = state->read_transfer_settings(config.dns, state->tsig_keys, state->peers); !s)
        return s.error();
    const UnixTime now = now_unix();
    for (const DnsZoneConfig& zone_config : config.dns.zones) {
        auto opened = state->open_zone(zone_config);
        if (!opened) return opened.error();
        ManagedZone& managed = state->zones.emplace_back(std::move(*opened));
        // A saved version whose signatures are still valid is served at once and refreshed by the thread;
        // otherwise the zone is signed now, before the listeners start.
        const zone::ZoneVersion* saved = managed.zone.current();
        if (saved && (saved->earliest_expiry == 0 || saved->earliest_expiry > now + 3600)) {
            managed.next_work = now;  // re-read the zone file and catch up in the background
            managed.reload_pending = true;
            continue;
        }
        std::string errors;
        state->maintain(managed, now, true, &errors);
        if (!managed.zone.current())
            return make_error(zone_config.where, "cannot serve: " + managed.last_error);
    }
    state->publish();
    return std::unique_ptr<DnsService>(new DnsService(std::move(state)));
}

dnsserver::ZoneSource& DnsService::zones() {
    return state_->zone_source;
}
dnsserver::TransferSource& DnsService::transfers() {
    return state_->transfer_source;
}

Status DnsService::start() {
    if (state_->thread.joinable()) return {};
    if (auto s = state_->start_notifier(); !s) return s;
    state_->thread = std::thread([this] { state_->run(); });
    return {};
}

void DnsService::stop() {
    {
        std::lock_guard guard(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    if (state_->thread.joinable()) state_->thread.join();
    if (state_->notifier) state_->notifier->stop();
}

ServiceReply DnsService::reload() {
    return state_->submit([this] { return state_->reload_all(); });
}

ServiceReply DnsService::handle(const std::vector<std::string>& words) {
    return state_->submit([this, words] { return state_->handle(words); });
}

}  // namespace danemail::app
