// The answer path's promise to the UDP hot path (DESIGN.md "Hot paths"): once the response buffer has its
// capacity, answering allocates nothing — no operator new, and no OpenSSL allocation for NSEC3 hashing.
// This file replaces the global operator new of dnsserver_test with a counting one.
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "dnsserver/answer.h"
#include "dnsserver/answer_test_util.h"
#include "zone/zone_test_util.h"

namespace {

std::atomic<size_t> g_new_calls{0};
std::atomic<size_t> g_openssl_allocations{0};

void* counted_malloc(size_t size, const char*, int) {
    ++g_openssl_allocations;
    return std::malloc(size);
}
void* counted_realloc(void* p, size_t size, const char*, int) {
    ++g_openssl_allocations;
    return std::realloc(p, size);
}
void counted_free(void* p, const char*, int) {
    std::free(p);
}

// Must run before OpenSSL allocates anything; false if it was too late (the check is then skipped).
const bool g_openssl_counted = CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) == 1;

}  // namespace

// Sanitizers bring their own allocator; the count is taken in ordinary builds only.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DANEMAIL_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define DANEMAIL_SANITIZED_ALLOCATOR 1
#endif

#ifndef DANEMAIL_SANITIZED_ALLOCATOR
void* operator new(size_t size) {
    ++g_new_calls;
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t size) {
    return operator new(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
    ++g_new_calls;
    return std::malloc(size ? size : 1);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return operator new(size, std::nothrow);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
#endif

namespace danemail::dnsserver {
namespace {

using namespace testing;

TEST(AnswerAllocation, NoHeapAllocationPerQuery) {
#ifdef DANEMAIL_SANITIZED_ALLOCATOR
    GTEST_SKIP() << "allocation counting needs the ordinary allocator";
#endif
    for (auto denial : {zone::testing::Denial::Nsec, zone::testing::Denial::Nsec3OptOut}) {
        zone::testing::SignedZone signed_zone = zone::testing::sign_example(denial);
        if (g_openssl_counted) {
            EXPECT_GT(g_openssl_allocations.load(), 0u);  // the counter is live
        }
        zone::ZoneSet zones;
        zones.add(signed_zone.served);
        std::vector<Bytes> queries;
        for (const char* qname :
             {"mx.example.", "_25._tcp.mx.example.", "nope.example.", "x.y.c.deep.example.",
              "chain1.example.", "a.b.dn.example.", "x.redir.example.", "foo.wild.example.",
              "a.insecure.example.", "manyns.example.", "big.example.", "example.org."})
            for (dns::RRType type :
                 {dns::type::A, dns::type::TLSA, dns::type::TXT, dns::type::DS, dns::type::ANY})
                for (bool dnssec_ok : {true, false})
                    queries.push_back(make_query(qname, type, {.dnssec_ok = dnssec_ok}));
        queries.push_back(Bytes(20, 0x01));  // FORMERR path
        Bytes response;
        response.reserve(dns::kMaxMessageSize);
        for (const Bytes& q : queries) (void)answer_query(q, zones, response);  // warm-up: lazy statics
        const size_t new_before = g_new_calls.load();
        const size_t ssl_before = g_openssl_allocations.load();
        size_t answered = 0;
        for (int round = 0; round < 10; ++round)
            for (const Bytes& q : queries) answered += answer_query(q, zones, response).respond();
        EXPECT_EQ(g_new_calls.load() - new_before, 0u) << "operator new called while answering";
        if (g_openssl_counted) {
            EXPECT_EQ(g_openssl_allocations.load() - ssl_before, 0u) << "OpenSSL allocated while answering";
        }
        EXPECT_EQ(answered, queries.size() * 10);
    }
    if (!g_openssl_counted) GTEST_SKIP() << "OpenSSL allocated before the counter was installed";
}

}  // namespace
}  // namespace danemail::dnsserver
