// The set of zones a server answers for, each an immutable ServedZone snapshot shared with the server's
// workers. A query goes to the zone with the longest apex that is its name or an ancestor (RFC 1034 §4.3.2
// step 2); a reload builds a new ZoneSet and swaps it in whole.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "zone/lookup_name.h"
#include "zone/served_zone.h"

namespace danemail::zone {

class ZoneSet {
public:
    ZoneSet() = default;
    explicit ZoneSet(std::vector<std::shared_ptr<const ServedZone>> zones);

    // Adds `zone`, replacing a zone with the same apex.
    void add(std::shared_ptr<const ServedZone> zone);

    // The zone whose apex is the longest suffix of `name` with at most `max_apex_labels` labels, or nullptr.
    // Linear in the number of zones (most labels first); a server with thousands of zones would index the
    // apexes in a hash table keyed like ServedZone's.
    const ServedZone* find(const LookupName& name, size_t max_apex_labels = LookupName::kMaxLabels) const;

    std::span<const std::shared_ptr<const ServedZone>> zones() const { return zones_; }
    size_t size() const { return zones_.size(); }

private:
    std::vector<std::shared_ptr<const ServedZone>> zones_;  // most apex labels first
};

}  // namespace danemail::zone
