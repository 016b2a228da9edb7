// Zone diffs and the IXFR journal (RFC 1995 §4): computing, applying and condensing diffs, the serial chain,
// trimming, and the file format read back from good and damaged bytes.
#include "zone/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "base/file_io.h"
#include "dns/rdata.h"

namespace danemail::zone {
namespace {

using dns::Name;
using dns::Record;

const Name kApex = *Name::from_text("example.");

Record rr(const std::string& line) {
    std::istringstream in(line);
    std::string owner, ttl, type, rest;
    in >> owner >> ttl >> type;
    std::getline(in, rest);
    auto t = dns::type_from_text(type);
    auto rdata = dns::rdata_from_text(*t, rest, kApex);
    EXPECT_TRUE(rdata) << line;
    return {*Name::from_text(owner, &kApex), *t, dns::rrclass::IN, static_cast<uint32_t>(std::stoul(ttl)),
            *rdata};
}

Record soa(uint32_t serial) {
    return rr("@ 3600 SOA ns1 hostmaster " + std::to_string(serial) + " 7200 3600 1209600 300");
}

std::vector<Record> zone_v1() {
    return {soa(1), rr("@ 3600 NS ns1"), rr("ns1 3600 A 192.0.2.1"), rr("www 3600 A 192.0.2.2"),
            rr("@ 3600 MX 10 mail")};
}

bool contains(const std::vector<Record>& zone, const Record& record) {
    for (const auto& r : zone)
        if (same_rr(r, record) && r.ttl == record.ttl) return true;
    return false;
}

bool same_zone(const std::vector<Record>& a, const std::vector<Record>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& r : a)
        if (!contains(b, r)) return false;
    return true;
}

TEST(ZoneDiff, FindsAdditionsRemovalsAndTtlChanges) {
    auto v1 = zone_v1();
    std::vector<Record> v2 = {soa(2), rr("@ 3600 NS ns1"), rr("ns1 3600 A 192.0.2.1"),
                              rr("www 300 A 192.0.2.2"), rr("MAIL 3600 A 192.0.2.9")};
    auto diff = diff_zones(v1, v2);
    ASSERT_TRUE(diff) << diff.error().to_string();
    EXPECT_EQ(diff->old_serial(), 1u);
    EXPECT_EQ(diff->new_serial(), 2u);
    ASSERT_EQ(diff->removed.size(), 2u);  // MX, www with TTL 3600
    ASSERT_EQ(diff->added.size(), 2u);    // www with TTL 300, mail A
    EXPECT_EQ(diff->removed[0].type, dns::type::A);
    EXPECT_EQ(diff->removed[1].type, dns::type::MX);

    std::vector<Record> applied = v1;
    ASSERT_TRUE(apply_diff(applied, *diff));
    EXPECT_TRUE(same_zone(applied, v2));
    EXPECT_EQ(soa_serial(**find_soa(applied)), 2u);
}

TEST(ZoneDiff, OwnerCaseAndEmbeddedNameCaseDoNotMakeADifference) {
    auto v1 = zone_v1();
    std::vector<Record> v2 = {soa(2), rr("@ 3600 NS NS1"), rr("NS1 3600 A 192.0.2.1"),
                              rr("www 3600 A 192.0.2.2"), rr("@ 3600 MX 10 MAIL")};
    auto diff = diff_zones(v1, v2);
    ASSERT_TRUE(diff);
    EXPECT_TRUE(diff->removed.empty());
    EXPECT_TRUE(diff->added.empty());
}

TEST(ZoneDiff, SerialMustIncrease) {
    auto v1 = zone_v1();
    auto same = zone_v1();
    auto diff = diff_zones(v1, same);
    ASSERT_FALSE(diff);
    EXPECT_NE(diff.error().what.find("must increase"), std::string::npos);
    std::vector<Record> no_soa = {rr("@ 3600 NS ns1")};
    EXPECT_FALSE(diff_zones(v1, no_soa));
    std::vector<Record> two_soas = {soa(3), soa(4)};
    EXPECT_FALSE(diff_zones(v1, two_soas));
}

TEST(ZoneDiff, ApplyRefusesAZoneThatHasDiverged) {
    auto v1 = zone_v1();
    ZoneDiff diff{soa(1), {rr("gone 3600 A 192.0.2.7")}, soa(2), {}};
    auto zone = v1;
    auto missing = apply_diff(zone, diff);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().what.find("removes a record the zone does not have: gone.example."),
              std::string::npos)
        << missing.error().what;

    ZoneDiff duplicate{soa(1), {}, soa(2), {rr("www 60 A 192.0.2.2")}};
    auto exists = apply_diff(zone, duplicate);
    ASSERT_FALSE(exists);
    EXPECT_NE(exists.error().what.find("already has"), std::string::npos);

    ZoneDiff wrong_start{soa(5), {}, soa(6), {}};
    EXPECT_FALSE(apply_diff(zone, wrong_start));
    EXPECT_TRUE(same_zone(zone, v1));  // nothing changed on failure
}

TEST(ZoneDiff, CondenseCancelsAddedThenRemoved) {
    ZoneDiff a{
        soa(1), {rr("www 3600 A 192.0.2.2")}, soa(2), {rr("tmp 60 TXT \"x\""), rr("www 3600 A 192.0.2.3")}};
    ZoneDiff b{soa(2), {rr("tmp 60 TXT \"x\"")}, soa(3), {rr("new 60 A 192.0.2.4")}};
    ZoneDiff c{soa(3), {rr("www 3600 A 192.0.2.3")}, soa(4), {rr("www 3600 A 192.0.2.2")}};
    std::vector<ZoneDiff> run = {a, b, c};
    auto condensed = condense_diffs(run);
    ASSERT_TRUE(condensed) << condensed.error().to_string();
    EXPECT_EQ(condensed->old_serial(), 1u);
    EXPECT_EQ(condensed->new_serial(), 4u);
    EXPECT_TRUE(condensed->removed.empty());  // www .2 removed then re-added
    ASSERT_EQ(condensed->added.size(), 1u);
    EXPECT_EQ(condensed->added[0].owner.to_text(), "new.example.");

    auto zone = zone_v1();
    auto stepwise = zone;
    for (const auto& diff : run) ASSERT_TRUE(apply_diff(stepwise, diff));
    ASSERT_TRUE(apply_diff(zone, *condensed));
    EXPECT_TRUE(same_zone(zone, stepwise));

    std::vector<ZoneDiff> gap = {a, c};
    EXPECT_FALSE(condense_diffs(gap));
}

Journal three_step_journal() {
    Journal journal;
    EXPECT_TRUE(journal.append({soa(1), {}, soa(2), {rr("a 60 A 192.0.2.10")}}));
    EXPECT_TRUE(journal.append({soa(2), {rr("a 60 A 192.0.2.10")}, soa(3), {rr("b 60 AAAA 2001:db8::1")}}));
    EXPECT_TRUE(journal.append({soa(3), {}, soa(4), {rr("c 60 TXT \"three\"")}}));
    return journal;
}

TEST(Journal, ChainsSerialsAndFindsTheStart) {
    Journal journal = three_step_journal();
    EXPECT_EQ(journal.oldest_serial(), 1u);
    EXPECT_EQ(journal.newest_serial(), 4u);
    EXPECT_EQ(journal.diffs_since(1)->size(), 3u);
    EXPECT_EQ(journal.diffs_since(3)->size(), 1u);
    EXPECT_FALSE(journal.diffs_since(4));
    EXPECT_FALSE(journal.diffs_since(0));
    auto gap = journal.append({soa(7), {}, soa(8), {}});
    ASSERT_FALSE(gap);
    EXPECT_NE(gap.error().what.find("does not follow the newest serial 4"), std::string::npos);
    EXPECT_FALSE(journal.append({soa(4), {}, soa(4), {}}));
}

TEST(Journal, SerialsWrapAroundAsRfc1982Says) {
    Journal journal;
    EXPECT_TRUE(journal.append({soa(4294967295u), {}, soa(1), {}}));
    EXPECT_TRUE(journal.append({soa(1), {}, soa(2), {}}));
    EXPECT_EQ(journal.diffs_since(4294967295u)->size(), 2u);
}

TEST(Journal, TrimDropsTheOldestButKeepsTheNewest) {
    Journal journal = three_step_journal();
    EXPECT_EQ(journal.record_count(), 3u + 4u + 3u);
    journal.trim(7);
    EXPECT_EQ(journal.oldest_serial(), 2u);
    journal.trim(0);
    EXPECT_EQ(journal.diffs().size(), 1u);
    EXPECT_EQ(journal.oldest_serial(), 3u);
}

TEST(Journal, FileRoundTrip) {
    Journal journal = three_step_journal();
    char dir_template[] = "/tmp/danemail-journal-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    std::string path = std::string(dir_template) + "/example.jnl";
    ASSERT_TRUE(journal.save(path));
    auto loaded = Journal::load(path);
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    ASSERT_EQ(loaded->diffs().size(), 3u);
    EXPECT_EQ(loaded->encode(), journal.encode());
    EXPECT_EQ(loaded->diffs()[1].removed[0].owner.to_text(), "a.example.");
    EXPECT_EQ(loaded->record_count(), journal.record_count());
    ::unlink(path.c_str());
    ::rmdir(dir_template);
    EXPECT_TRUE(Journal::decode(Journal().encode()));  // an empty journal is valid
}

TEST(Journal, DamagedFilesAreRejectedWithTheirOffset) {
    Bytes good = three_step_journal().encode();
    auto not_journal = Journal::decode(as_bytes("hello"), "x.jnl");
    ASSERT_FALSE(not_journal);
    EXPECT_NE(not_journal.error().to_string().find("not a danemail journal"), std::string::npos);

    // Cut anywhere but between two diffs, the file is rejected.
    Journal journal = three_step_journal();
    std::set<size_t> boundaries;
    for (size_t k = 0; k <= journal.diffs().size(); ++k) {
        Journal prefix;
        for (size_t i = 0; i < k; ++i) ASSERT_TRUE(prefix.append(ZoneDiff(journal.diffs()[i])));
        boundaries.insert(prefix.encode().size());
    }
    for (size_t cut = 0; cut < good.size(); ++cut) {
        auto truncated = Journal::decode(ByteView(good).first(cut), "x.jnl");
        EXPECT_EQ(truncated.ok(), boundaries.count(cut) == 1) << "cut at " << cut;
    }
    Bytes huge_length = good;
    huge_length[8] = 0x7F;
    auto length = Journal::decode(huge_length, "x.jnl");
    ASSERT_FALSE(length);
    EXPECT_NE(length.error().to_string().find("x.jnl offset 12: diff of 2130"), std::string::npos)
        << length.error().to_string();

    // The first diff's removed-count field claiming 1 (its list is empty): the next bytes are the new SOA.
    Bytes soa_in_list = good;
    size_t count_at = 8 + 4 + kApex.wire_length() + 10 + soa(1).rdata.size();
    soa_in_list[count_at + 3] = 1;
    auto in_list = Journal::decode(soa_in_list, "x.jnl");
    ASSERT_FALSE(in_list);
    EXPECT_NE(in_list.error().what.find("SOA record inside"), std::string::npos)
        << in_list.error().to_string();
}

}  // namespace
}  // namespace danemail::zone
