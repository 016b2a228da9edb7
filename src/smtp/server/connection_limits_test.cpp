// Tests of the per-client keys and connection caps (connection_limits.h): IPv6 counted by /64, IPv4-mapped
// addresses as IPv4, the overall and per-client caps, slots giving their place back, threads agreeing.
#include "smtp/server/connection_limits.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace danemail::smtp {
namespace {

TEST(ClientKey, Ipv4IsItself) {
    EXPECT_EQ(client_key("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(client_key("127.0.0.1"), "127.0.0.1");
}

TEST(ClientKey, Ipv6CountsByItsSlash64) {
    EXPECT_EQ(client_key("2001:db8:1:2:a:b:c:d"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    EXPECT_NE(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
    EXPECT_EQ(client_key("::1"), "::/64");
}

TEST(ClientKey, MappedIpv4IsIpv4) {
    EXPECT_EQ(client_key("::ffff:192.0.2.7"), "192.0.2.7");
}

TEST(ClientKey, OtherTextUnchanged) {
    EXPECT_EQ(client_key(""), "");
    EXPECT_EQ(client_key("not:an:address"), "not:an:address");
}

TEST(ConnectionLimits, PerClientCap) {
    std::atomic<size_t> open{0};
    ConnectionLimits limits(100, 2, open);
    ConnectionLimits::Slot first, second, third, other;
    EXPECT_EQ(limits.admit("192.0.2.1", first), Admission::Admitted);
    EXPECT_EQ(limits.admit("192.0.2.1", second), Admission::Admitted);
    EXPECT_EQ(limits.admit("192.0.2.1", third), Admission::ClientFull);
    EXPECT_FALSE(third);
    EXPECT_EQ(limits.admit("192.0.2.2", other), Admission::Admitted);
    EXPECT_EQ(limits.open_from("192.0.2.1"), 2u);
    EXPECT_EQ(open.load(), 3u);

    first.release();
    EXPECT_EQ(limits.open_from("192.0.2.1"), 1u);
    EXPECT_EQ(limits.admit("192.0.2.1", third), Admission::Admitted);
    EXPECT_TRUE(third);
}

TEST(ConnectionLimits, Ipv6PrefixSharesOneCap) {
    std::atomic<size_t> open{0};
    ConnectionLimits limits(100, 1, open);
    ConnectionLimits::Slot a, b, c;
    EXPECT_EQ(limits.admit("2001:db8::1", a), Admission::Admitted);
    EXPECT_EQ(limits.admit("2001:db8::2", b), Admission::ClientFull);
    EXPECT_EQ(limits.admit("2001:db8:0:1::1", c), Admission::Admitted);
}

TEST(ConnectionLimits, OverallCap) {
    std::atomic<size_t> open{0};
    ConnectionLimits limits(2, 10, open);
    ConnectionLimits::Slot a, b, c;
    EXPECT_EQ(limits.admit("192.0.2.1", a), Admission::Admitted);
    EXPECT_EQ(limits.admit("192.0.2.2", b), Admission::Admitted);
    EXPECT_EQ(limits.admit("192.0.2.3", c), Admission::ServerFull);
    EXPECT_EQ(limits.open_from("192.0.2.3"), 0u);
    b = ConnectionLimits::Slot();  // assigning over a slot gives its place back
    EXPECT_EQ(open.load(), 1u);
    EXPECT_EQ(limits.admit("192.0.2.3", c), Admission::Admitted);
}

TEST(ConnectionLimits, SlotsMoveAndReleaseOnce) {
    std::atomic<size_t> open{0};
    ConnectionLimits limits(10, 10, open);
    {
        ConnectionLimits::Slot slot;
        ASSERT_EQ(limits.admit("192.0.2.1", slot), Admission::Admitted);
        ConnectionLimits::Slot moved(std::move(slot));
        EXPECT_FALSE(slot);
        EXPECT_TRUE(moved);
        EXPECT_EQ(open.load(), 1u);
        std::vector<ConnectionLimits::Slot> kept;
        kept.push_back(std::move(moved));
        EXPECT_EQ(open.load(), 1u);
    }
    EXPECT_EQ(open.load(), 0u);
    EXPECT_EQ(limits.open_from("192.0.2.1"), 0u);
}

TEST(ConnectionLimits, ZeroPerClientAdmitsNobody) {
    std::atomic<size_t> open{0};
    ConnectionLimits limits(10, 0, open);
    ConnectionLimits::Slot slot;
    EXPECT_EQ(limits.admit("192.0.2.1", slot), Admission::ClientFull);
    EXPECT_EQ(open.load(), 0u);
}

TEST(ConnectionLimits, ThreadsAgreeOnTheCount) {
    std::atomic<size_t> open{0};
    ConnectionLimits limits(1000, 1000, open);
    std::vector<std::thread> threads;
    std::atomic<size_t> admitted{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                ConnectionLimits::Slot slot;
                if (limits.admit("192.0.2.9", slot) == Admission::Admitted) ++admitted;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(admitted.load(), 4000u);
    EXPECT_EQ(open.load(), 0u);
    EXPECT_EQ(limits.open_from("192.0.2.9"), 0u);
}

}  // namespace
}  // namespace danemail::smtp
