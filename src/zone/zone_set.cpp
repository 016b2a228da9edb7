// Choosing the zone that answers a name: the longest matching apex (RFC 1034 §4.3.2 step 2).
#include "zone/zone_set.h"

#include <algorithm>
#include <cstring>

namespace danemail::zone {

ZoneSet::ZoneSet(std::vector<std::shared_ptr<const ServedZone>> zones) {
    for (auto& zone : zones) add(std::move(zone));
}

void ZoneSet::add(std::shared_ptr<const ServedZone> zone) {
    if (!zone) return;
    auto same =
        std::find_if(zones_.begin(), zones_.end(), [&](const auto& z) { return z->apex() == zone->apex(); });
    if (same != zones_.end()) {
        *same = std::move(zone);
        return;
    }
    auto position = std::find_if(zones_.begin(), zones_.end(),
                                 [&](const auto& z) { return z->apex_labels() < zone->apex_labels(); });
    zones_.insert(position, std::move(zone));
}

const ServedZone* ZoneSet::find(const LookupName& name, size_t max_apex_labels) const {
    const size_t limit = std::min(max_apex_labels, name.label_count());
    for (const auto& zone : zones_) {
        size_t labels = zone->apex_labels();
        if (labels > limit || name.suffix_hash(labels) != zone->apex_hash()) continue;
        ByteView suffix = name.lower_suffix(labels);
        const std::string& apex = zone->apex_lower().wire();
        if (suffix.size() == apex.size() && std::memcmp(suffix.data(), apex.data(), apex.size()) == 0)
            return zone.get();
    }
    return nullptr;
}

}  // namespace danemail::zone
