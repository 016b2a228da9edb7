// A query name prepared for zone lookups without touching the heap: its wire form as received and
// lower-cased (RFC 4343: names compare case-insensitively), label offsets, and a hash of every suffix, so a
// name and all its ancestors can be looked up in a ServedZone's table. assign() reads untrusted bytes and
// checks them as an uncompressed name (RFC 1035 §3.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/encoding.h"
#include "dns/name.h"

namespace danemail::zone {

// FNV-1a over the lower-cased wire bytes of a name, labels taken from the root outwards, so that the hash of
// every suffix is a step of one computation. `lower_wire` must be a valid, already lower-cased wire name.
uint64_t suffix_chain_hash(ByteView lower_wire);

class LookupName {
public:
    static constexpr size_t kMaxWireLength = dns::Name::kMaxWireLength;
    static constexpr size_t kMaxLabels = dns::Name::kMaxLabels;

    // From an uncompressed wire name. False, leaving the object empty, when it is not a valid name.
    bool assign(ByteView wire);
    // From labels (wire form without the terminating root label) followed by a whole wire name; false when
    // the result would not be a valid name (longer than 255 bytes).
    bool assign_concat(ByteView labels, ByteView suffix_wire);
    void assign(const dns::Name& name) { (void)assign(name.wire_bytes()); }

    size_t label_count() const { return labels_; }
    size_t wire_length() const { return length_; }
    // The name as received (case kept) and lower-cased.
    ByteView original() const { return {original_.data(), length_}; }
    ByteView lower() const { return {lower_.data(), length_}; }

    // The rightmost `labels` labels (0 is the root), as byte offset into the wire form, as lower-cased wire
    // bytes, and their hash (suffix_chain_hash of those bytes). `labels` must not exceed label_count().
    size_t suffix_offset(size_t labels) const { return offsets_[labels_ - labels]; }
    ByteView lower_suffix(size_t labels) const {
        size_t at = suffix_offset(labels);
        return {lower_.data() + at, length_ - at};
    }
    ByteView original_suffix(size_t labels) const {
        size_t at = suffix_offset(labels);
        return {original_.data() + at, length_ - at};
    }
    uint64_t suffix_hash(size_t labels) const { return hashes_[labels]; }

private:
    bool finish();  // fills offsets, lower-cased copy and hashes once original_ and length_ are set

    std::array<uint8_t, kMaxWireLength> original_;
    std::array<uint8_t, kMaxWireLength> lower_;
    std::array<uint8_t, kMaxLabels + 1> offsets_;  // offsets_[i]: start of label i from the left; root last
    std::array<uint64_t, kMaxLabels + 1> hashes_;  // hashes_[k]: hash of the suffix of k labels
    uint16_t length_ = 0;
    uint8_t labels_ = 0;
};

}  // namespace danemail::zone
