// Throughput of the answer engine on one core (disabled by default; run with
// --gtest_also_run_disabled_tests --gtest_filter='*Perf*'): a 100,000-name NSEC3 zone, queries with DO set,
// a mix of existing names, NXDOMAIN, TLSA answers and TLSA no-data — the bench mix of issue 3. Also compares
// the hash table against binary search over canonical keys for exact-name lookup.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

#include "dnssec/zone_index.h"
#include "dnsserver/answer.h"
#include "dnsserver/answer_test_util.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

constexpr int kHosts = 100000;
constexpr int kTlsaEvery = 10;  // every tenth host has _25._tcp TLSA
constexpr size_t kQueries = 2000000;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(AnswerPerf, DISABLED_Nsec3ZoneMixWithDo) {
    std::vector<std::string> lines = {"@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300", "@ 3600 NS ns1",
                                      "ns1 3600 A 192.0.2.1"};
    for (int i = 0; i < kHosts; ++i) {
        std::string host = "host" + std::to_string(i);
        lines.push_back(host + " 3600 A 192.0.2." + std::to_string(i % 250 + 1));
        if (i % kTlsaEvery == 0)
            lines.push_back(
                "_25._tcp." + host +
                " 3600 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    }
    auto start = Clock::now();
    zone::testing::SignedZone z =
        zone::testing::sign_lines("example.", lines, zone::testing::Denial::Nsec3, 0);
    ASSERT_TRUE(z.served);
    std::printf("signed %zu records in %.1f s; snapshot %zu nodes, %zu NSEC3, %.1f MiB\n", z.records.size(),
                seconds_since(start), z.served->node_count(), z.served->nsec3_count(),
                z.served->memory_bytes() / 1048576.0);
    start = Clock::now();
    auto rebuilt = zone::ServedZone::build(z.records, z.apex);
    ASSERT_TRUE(rebuilt);
    std::printf("snapshot build from signed records: %.2f s\n", seconds_since(start));
    zone::ZoneSet zones;
    zones.add(z.served);

    std::mt19937 random(1);
    std::vector<Bytes> queries;
    for (int i = 0; i < 4096; ++i) {
        int host = static_cast<int>(random() % kHosts);
        int tlsa_host = static_cast<int>(random() % (kHosts / kTlsaEvery)) * kTlsaEvery;
        switch (i % 4) {
            case 0:
                queries.push_back(make_query("host" + std::to_string(host) + ".example.", dns::type::A));
                break;
            case 1:
                queries.push_back(make_query("nx" + std::to_string(random()) + ".example.", dns::type::A));
                break;
            case 2:
                queries.push_back(
                    make_query("_25._tcp.host" + std::to_string(tlsa_host) + ".example.", dns::type::TLSA));
                break;
            case 3:
                queries.push_back(make_query("host" + std::to_string(host) + ".example.", dns::type::TLSA));
                break;
        }
    }
    Bytes response;
    size_t kinds[16] = {};
    size_t bytes = 0;
    start = Clock::now();
    for (size_t i = 0; i < kQueries; ++i) {
        AnswerResult result = answer_query(queries[i % queries.size()], zones, response);
        ++kinds[static_cast<int>(result.kind)];
        bytes += response.size();
    }
    double elapsed = seconds_since(start);
    std::printf("%zu answers in %.2f s: %.0f answers/s on one core (mean response %zu bytes)\n", kQueries,
                elapsed, kQueries / elapsed, bytes / kQueries);
    std::printf("positive %zu, nodata %zu, nxdomain %zu, truncated or other %zu\n",
                kinds[static_cast<int>(AnswerKind::Positive)], kinds[static_cast<int>(AnswerKind::NoData)],
                kinds[static_cast<int>(AnswerKind::NxDomain)], kQueries - kinds[1] - kinds[2] - kinds[3]);
    EXPECT_EQ(kinds[static_cast<int>(AnswerKind::NxDomain)], kQueries / 4);

    // Exact lookup: the hash table against binary search over canonical sort keys.
    std::vector<zone::LookupName> names(4096);
    for (auto& n : names) n.assign(name("host" + std::to_string(random() % kHosts) + ".example."));
    std::vector<std::string> keys;
    for (size_t i = 0; i < z.served->node_count(); ++i)
        keys.push_back(dnssec::canonical_sort_key(
            dns::Name::from_wire(z.served->node_name(z.served->node(static_cast<uint32_t>(i)))).value()));
    std::sort(keys.begin(), keys.end());
    constexpr size_t kLookups = 4000000;
    size_t found = 0;
    start = Clock::now();
    for (size_t i = 0; i < kLookups; ++i) {
        const auto& n = names[i % names.size()];
        found += z.served->find(n, n.label_count()) != zone::kNoIndex;
    }
    double hash_ns = seconds_since(start) * 1e9 / kLookups;
    start = Clock::now();
    for (size_t i = 0; i < kLookups; ++i) {
        const auto& n = names[i % names.size()];
        uint8_t key[zone::kMaxCanonicalKeyLength];
        size_t length = zone::canonical_key(n, n.label_count(), false, key);
        std::string_view k(reinterpret_cast<char*>(key), length);
        auto it = std::lower_bound(keys.begin(), keys.end(), k,
                                   [](const std::string& a, std::string_view b) { return a < b; });
        found += it != keys.end() && *it == k;
    }
    double search_ns = seconds_since(start) * 1e9 / kLookups;
    std::printf("exact lookup: hash table %.0f ns, binary search %.0f ns (found %zu)\n", hash_ns, search_ns,
                found);
}

}  // namespace
}  // namespace danemail::dnsserver
