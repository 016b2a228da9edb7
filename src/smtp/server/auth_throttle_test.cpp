// Tests of the failed-AUTH delay (auth_throttle.h): doubling per failure up to the cap, counted per client
// key across calls, forgotten after the memory period, and the bounded table. Time is passed in, so no
// test sleeps.
#include "smtp/server/auth_throttle.h"

#include <gtest/gtest.h>

namespace danemail::smtp {
namespace {

using std::chrono::milliseconds;
using Clock = AuthThrottle::Clock;

TEST(AuthThrottle, DelayDoublesUpToTheCap) {
    AuthThrottle throttle(milliseconds{500}, milliseconds{30'000});
    Clock::time_point now = Clock::now();
    EXPECT_EQ(throttle.record_failure("192.0.2.1", now), milliseconds{500});
    EXPECT_EQ(throttle.record_failure("192.0.2.1", now), milliseconds{1000});
    EXPECT_EQ(throttle.record_failure("192.0.2.1", now), milliseconds{2000});
    EXPECT_EQ(throttle.record_failure("192.0.2.1", now), milliseconds{4000});
    for (int i = 0; i < 100; ++i) throttle.record_failure("192.0.2.1", now);
    EXPECT_EQ(throttle.record_failure("192.0.2.1", now), milliseconds{30'000});
    EXPECT_EQ(throttle.failures("192.0.2.1", now), 105u);
}

TEST(AuthThrottle, DelayAfter) {
    AuthThrottle throttle(milliseconds{50}, milliseconds{1000});
    EXPECT_EQ(throttle.delay_after(0), milliseconds{0});
    EXPECT_EQ(throttle.delay_after(1), milliseconds{50});
    EXPECT_EQ(throttle.delay_after(2), milliseconds{100});
    EXPECT_EQ(throttle.delay_after(5), milliseconds{800});
    EXPECT_EQ(throttle.delay_after(6), milliseconds{1000});
    EXPECT_EQ(throttle.delay_after(static_cast<size_t>(-1)), milliseconds{1000});
    AuthThrottle off(milliseconds{0}, milliseconds{1000});
    EXPECT_EQ(off.delay_after(3), milliseconds{0});
}

TEST(AuthThrottle, ClientsAreCountedApart) {
    AuthThrottle throttle(milliseconds{100}, milliseconds{10'000});
    Clock::time_point now = Clock::now();
    throttle.record_failure("192.0.2.1", now);
    throttle.record_failure("192.0.2.1", now);
    EXPECT_EQ(throttle.record_failure("192.0.2.2", now), milliseconds{100});
    // One IPv6 /64 is one client.
    throttle.record_failure("2001:db8::1", now);
    EXPECT_EQ(throttle.record_failure("2001:db8::ffff", now), milliseconds{200});
    EXPECT_EQ(throttle.tracked_clients(), 3u);
}

TEST(AuthThrottle, ForgottenAfterTheMemoryPeriod) {
    AuthThrottle throttle(milliseconds{100}, milliseconds{10'000}, std::chrono::hours{1});
    Clock::time_point start = Clock::now();
    throttle.record_failure("192.0.2.1", start);
    throttle.record_failure("192.0.2.1", start + std::chrono::minutes{59});
    EXPECT_EQ(throttle.failures("192.0.2.1", start + std::chrono::minutes{100}), 2u);
    // An hour after the last failure: forgotten; the next failure starts again at the first delay.
    Clock::time_point later = start + std::chrono::minutes{59} + std::chrono::hours{1};
    EXPECT_EQ(throttle.failures("192.0.2.1", later), 0u);
    EXPECT_EQ(throttle.record_failure("192.0.2.1", later), milliseconds{100});
}

TEST(AuthThrottle, TableIsBounded) {
    AuthThrottle throttle(milliseconds{100}, milliseconds{10'000}, std::chrono::hours{1}, 3);
    Clock::time_point now = Clock::now();
    throttle.record_failure("192.0.2.1", now);
    throttle.record_failure("192.0.2.1", now);
    throttle.record_failure("192.0.2.2", now + std::chrono::seconds{1});
    throttle.record_failure("192.0.2.3", now + std::chrono::seconds{2});
    // Full: the client whose last failure is oldest (192.0.2.1) makes room.
    throttle.record_failure("192.0.2.4", now + std::chrono::seconds{3});
    EXPECT_EQ(throttle.tracked_clients(), 3u);
    EXPECT_EQ(throttle.failures("192.0.2.1", now + std::chrono::seconds{3}), 0u);
    EXPECT_EQ(throttle.failures("192.0.2.2", now + std::chrono::seconds{3}), 1u);
    // Forgotten clients go first, all of them.
    Clock::time_point much_later = now + std::chrono::hours{2};
    throttle.record_failure("192.0.2.5", much_later);
    EXPECT_EQ(throttle.tracked_clients(), 1u);
}

}  // namespace
}  // namespace danemail::smtp
