// The NOTIFY sender (RFC 1996) against a loopback UDP socket playing the secondary: the message's form
// (opcode NOTIFY, AA, the SOA question and hint), TSIG signing, retries with a doubling timeout, stopping on
// a matching response and ignoring one that does not match, a newer serial replacing a pending one, giving up
// after the last try, and stop() joining promptly.
#include "dnsserver/notify.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "dnsserver/tsig.h"
#include "zone/journal.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace std::chrono_literals;

const dns::Name kApex = *dns::Name::from_text("example.");

dns::Record soa(uint32_t serial) {
    return zone::testing::parse_rr(
        "@ 3600 SOA ns1 hostmaster " + std::to_string(serial) + " 7200 3600 1209600 300", kApex);
}

// A UDP socket on 127.0.0.1 standing in for a secondary.
class Secondary {
public:
    Secondary() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        socklen_t length = sizeof address;
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length);
        endpoint_ = *parse_endpoint("127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
    }

    const Endpoint& endpoint() const { return endpoint_; }

    struct Received {
        Bytes wire;
        sockaddr_storage from{};
        socklen_t from_length = 0;
        std::chrono::steady_clock::time_point at;
    };

    // The next datagram within `within`, or nullopt.
    std::optional<Received> receive(std::chrono::milliseconds within) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(within.count())) <= 0) return std::nullopt;
        Received r;
        r.wire.resize(65535);
        r.from_length = sizeof r.from;
        ssize_t n = ::recvfrom(fd_.get(), r.wire.data(), r.wire.size(), 0,
                               reinterpret_cast<sockaddr*>(&r.from), &r.from_length);
        if (n < 0) return std::nullopt;
        r.wire.resize(static_cast<size_t>(n));
        r.at = std::chrono::steady_clock::now();
        return r;
    }

    void reply(const Received& to, const Bytes& wire) {
        ::sendto(fd_.get(), wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&to.from),
                 to.from_length);
    }

private:
    FileDescriptor fd_;
    Endpoint endpoint_;
};

// The response a secondary sends: the NOTIFY's header and question with QR set (RFC 1996 §4.7).
Bytes response_to(const dns::Message& notify, uint16_t id_offset = 0) {
    dns::Message m;
    m.header = notify.header;
    m.header.id = static_cast<uint16_t>(notify.header.id + id_offset);
    m.header.qr = true;
    m.questions = notify.questions;
    return dns::message_to_wire(m).value();
}

NotifyOptions fast() {
    NotifyOptions options;
    options.first_timeout = 100ms;
    options.tries = 3;
    options.log = false;
    return options;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds within = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

TEST(Notifier, SendsANotifyAndStopsOnTheResponse) {
    Secondary secondary;
    auto notifier = Notifier::start({{secondary.endpoint(), std::nullopt}}, fast());
    ASSERT_TRUE(notifier) << notifier.error().to_string();
    (*notifier)->announce(soa(2024010102));

    auto received = secondary.receive(2000ms);
    ASSERT_TRUE(received);
    auto notify = dns::parse_message(received->wire);
    ASSERT_TRUE(notify);
    EXPECT_EQ(notify->header.opcode, dns::Opcode::Notify);
    EXPECT_TRUE(notify->header.aa);
    EXPECT_FALSE(notify->header.qr);
    ASSERT_EQ(notify->questions.size(), 1u);
    EXPECT_EQ(notify->questions[0].name, kApex);
    EXPECT_EQ(notify->questions[0].type, dns::type::SOA);
    ASSERT_EQ(notify->answer.size(), 1u);
    EXPECT_EQ(zone::soa_serial(notify->answer[0]), 2024010102u);

    // A response with another ID does not count; the matching one does.
    secondary.reply(*received, response_to(*notify, 1));
    secondary.reply(*received, response_to(*notify));
    ASSERT_TRUE(wait_until([&] { return (*notifier)->pending() == 0; }));
    auto outcomes = (*notifier)->outcomes();
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].answered);
    EXPECT_EQ(outcomes[0].serial, 2024010102u);
    EXPECT_EQ(outcomes[0].tries, 1u);
    // Answered: nothing more arrives.
    EXPECT_FALSE(secondary.receive(400ms));
    (*notifier)->stop();
}

TEST(Notifier, RetriesWithADoublingTimeoutThenGivesUp) {
    Secondary secondary;
    auto notifier = Notifier::start({{secondary.endpoint(), std::nullopt}}, fast());
    ASSERT_TRUE(notifier);
    (*notifier)->announce(kApex, 7);
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    while (auto received = secondary.receive(1500ms)) {
        arrivals.push_back(received->at);
        auto notify = dns::parse_message(received->wire);
        ASSERT_TRUE(notify);
        EXPECT_TRUE(notify->answer.empty());  // announce(apex, serial) sends no SOA hint
    }
    ASSERT_EQ(arrivals.size(), 3u);
    auto first_gap = arrivals[1] - arrivals[0];
    auto second_gap = arrivals[2] - arrivals[1];
    EXPECT_GE(first_gap, 90ms);
    EXPECT_GE(second_gap, 180ms);
    ASSERT_TRUE(wait_until([&] { return (*notifier)->pending() == 0; }));
    auto outcomes = (*notifier)->outcomes();
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_FALSE(outcomes[0].answered);
    EXPECT_EQ(outcomes[0].tries, 3u);
}

TEST(Notifier, ANewerSerialReplacesThePendingOne) {
    Secondary secondary;
    NotifyOptions options = fast();
    options.first_timeout = 300ms;
    auto notifier = Notifier::start({{secondary.endpoint(), std::nullopt}}, options);
    ASSERT_TRUE(notifier);
    (*notifier)->announce(soa(10));
    auto first = secondary.receive(2000ms);
    ASSERT_TRUE(first);
    (*notifier)->announce(soa(11));
    auto second = secondary.receive(2000ms);
    ASSERT_TRUE(second);
    auto notify = dns::parse_message(second->wire);
    ASSERT_TRUE(notify);
    EXPECT_EQ(zone::soa_serial(notify->answer.at(0)), 11u);
    EXPECT_EQ((*notifier)->pending(), 1u);
    // The answer to the old NOTIFY (its ID) does not retire the new one.
    secondary.reply(*first, response_to(*dns::parse_message(first->wire)));
    secondary.reply(*second, response_to(*notify));
    ASSERT_TRUE(wait_until([&] { return (*notifier)->pending() == 0; }));
    auto outcomes = (*notifier)->outcomes();
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes[0].serial, 11u);
    EXPECT_TRUE(outcomes[0].answered);
}

TEST(Notifier, SignsWithTheTargetsKeyAndChecksTheResponse) {
    Secondary secondary;
    TsigKey key(*dns::Name::from_text("xfr-key."), TsigAlgorithm::HmacSha256, Bytes(32, 0x5a));
    auto notifier = Notifier::start({{secondary.endpoint(), key}}, fast());
    ASSERT_TRUE(notifier);
    (*notifier)->announce(soa(3));
    auto received = secondary.receive(2000ms);
    ASSERT_TRUE(received);
    auto check = verify_tsig_request(received->wire, std::span<const TsigKey>(&key, 1), now_unix());
    ASSERT_TRUE(check);
    ASSERT_TRUE(check->ok()) << check->detail;
    auto notify = dns::parse_message(received->wire);
    ASSERT_TRUE(notify);

    // An unsigned response to a signed NOTIFY is ignored; a signed one retires it.
    secondary.reply(*received, response_to(*notify));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ((*notifier)->pending(), 1u);
    Bytes signed_response = response_to(*notify);
    TsigSigner signer = response_signer(*check);
    ASSERT_TRUE(signer.sign(signed_response, now_unix()));
    secondary.reply(*received, signed_response);
    ASSERT_TRUE(wait_until([&] { return (*notifier)->pending() == 0; }));
    EXPECT_TRUE((*notifier)->outcomes().at(0).answered);
}

TEST(Notifier, GarbageResponsesAreIgnored) {
    Secondary secondary;
    auto notifier = Notifier::start({{secondary.endpoint(), std::nullopt}}, fast());
    ASSERT_TRUE(notifier);
    (*notifier)->announce(soa(5));
    auto received = secondary.receive(2000ms);
    ASSERT_TRUE(received);
    for (Bytes garbage : {Bytes{}, Bytes{1, 2, 3}, Bytes(12, 0xff), Bytes(600, 0x00)})
        secondary.reply(*received, garbage);
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ((*notifier)->pending(), 1u);
    secondary.reply(*received, response_to(*dns::parse_message(received->wire)));
    ASSERT_TRUE(wait_until([&] { return (*notifier)->pending() == 0; }));
}

TEST(Notifier, StopJoinsWithNotifiesPending) {
    Secondary secondary;
    NotifyOptions options = fast();
    options.first_timeout = 10s;
    auto notifier = Notifier::start({{secondary.endpoint(), std::nullopt}}, options);
    ASSERT_TRUE(notifier);
    (*notifier)->announce(soa(5));
    ASSERT_TRUE(secondary.receive(2000ms));
    auto started = std::chrono::steady_clock::now();
    (*notifier)->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    EXPECT_EQ((*notifier)->pending(), 0u);
    (*notifier)->stop();  // idempotent
}

TEST(Notifier, SendsFromTheSourceAddress) {
    Secondary secondary;
    NotifyOptions options = fast();
    options.sources.push_back(*parse_endpoint("127.0.0.5:53"));  // the port is ignored
    auto notifier = Notifier::start({{secondary.endpoint(), std::nullopt}}, options);
    ASSERT_TRUE(notifier) << notifier.error().to_string();
    (*notifier)->announce(soa(5));
    auto received = secondary.receive(2000ms);
    ASSERT_TRUE(received);
    sockaddr_in from;
    std::memcpy(&from, &received->from, sizeof from);
    EXPECT_EQ(ntohl(from.sin_addr.s_addr), 0x7f000005u);
    EXPECT_NE(ntohs(from.sin_port), 53);
}

}  // namespace
}  // namespace danemail::dnsserver
