// Tests of the UDP listener in-process over loopback: plain answers on the fast path, a TSIG-signed SOA
// query answered signed (RFC 8945 §5.3), a bad key answered NOTAUTH/BADKEY without a configured key ring,
// and IXFR over UDP (RFC 1995 §2) answered with the single current SOA to an allowed, signed peer.
#include "dnsserver/udp_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include "dnsserver/answer_test_util.h"
#include "dnsserver/tsig.h"
#include "zone/journal.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

class UdpListenerTest : public ::testing::Test {
protected:
    void start(bool with_transfers) {
        signed_zone_ = zone::testing::sign_example(zone::testing::Denial::Nsec);
        ASSERT_TRUE(signed_zone_.served);
        auto zones = std::make_shared<zone::ZoneSet>();
        zones->add(signed_zone_.served);
        source_ = std::make_unique<ZoneSource>(std::move(zones));
        auto transfer_zones = std::make_shared<TransferZones>();
        transfer_zones->zones.push_back(
            {signed_zone_.apex, std::make_shared<const std::vector<dns::Record>>(signed_zone_.records),
             nullptr, nullptr});
        transfer_zones->keys.push_back(key_);
        transfer_zones->peers.push_back({"127.0.0.1", key_.name});
        transfers_ = std::make_unique<TransferSource>(std::move(transfer_zones));
        auto endpoint = parse_endpoint("127.0.0.1:0");
        ASSERT_TRUE(endpoint);
        auto listener =
            UdpListener::open(*endpoint, 1, *source_, 1232, with_transfers ? transfers_.get() : nullptr);
        ASSERT_TRUE(listener) << listener.error().to_string();
        listener_ = std::move(*listener);
        listener_->start();
    }

    Bytes exchange(const Bytes& query) {
        FileDescriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(listener_->port());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::sendto(fd.get(), query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&address),
                 sizeof address);
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) return {};
        Bytes in(65535);
        ssize_t n = ::recv(fd.get(), in.data(), in.size(), 0);
        if (n <= 0) return {};
        in.resize(static_cast<size_t>(n));
        return in;
    }

    void TearDown() override {
        if (listener_) listener_->stop();
    }

    zone::testing::SignedZone signed_zone_;
    TsigKey key_{*dns::Name::from_text("xfr-key."), TsigAlgorithm::HmacSha256, Bytes(32, 0x11)};
    std::unique_ptr<ZoneSource> source_;
    std::unique_ptr<TransferSource> transfers_;
    std::unique_ptr<UdpListener> listener_;
};

TEST_F(UdpListenerTest, SignedQueryGetsASignedAnswer) {
    start(true);
    auto plain = dns::parse_message(exchange(testing::make_query("www.example.", dns::type::A)));
    ASSERT_TRUE(plain);
    EXPECT_TRUE(plain->header.aa);
    EXPECT_EQ(plain->tsig(), nullptr);

    Bytes query = testing::make_query("example.", dns::type::SOA);
    TsigSigner signer(key_);
    ASSERT_TRUE(signer.sign(query, now_unix()));
    Bytes response = exchange(query);
    ASSERT_FALSE(response.empty());
    TsigResponseVerifier verifier(key_, signer.mac());
    EXPECT_TRUE(verifier.verify(response, now_unix()));
    auto message = dns::parse_message(response);
    ASSERT_TRUE(message);
    EXPECT_EQ(testing::count(message->answer, dns::type::SOA), 1u);
}

TEST_F(UdpListenerTest, WithoutKeysASignedQueryIsBadKey) {
    start(false);
    Bytes query = testing::make_query("example.", dns::type::SOA);
    TsigSigner signer(key_);
    ASSERT_TRUE(signer.sign(query, now_unix()));
    auto message = dns::parse_message(exchange(query));
    ASSERT_TRUE(message);
    EXPECT_EQ(message->header.rcode, dns::Rcode::NotAuth);
    ASSERT_NE(message->tsig(), nullptr);
    EXPECT_EQ(TsigRdata::decode(message->tsig()->rdata)->error, static_cast<uint16_t>(TsigError::BadKey));
}

TEST_F(UdpListenerTest, IxfrOverUdpFromAnUpToDatePeer) {
    start(true);
    auto soa = zone::find_soa(signed_zone_.records);
    ASSERT_TRUE(soa);
    dns::Message m;
    m.header.id = 99;
    m.questions.push_back({signed_zone_.apex, dns::type::IXFR, dns::rrclass::IN});
    m.authority.push_back(**soa);
    Bytes query = dns::message_to_wire(m).value();
    Bytes unsigned_query = query;
    TsigSigner signer(key_);
    ASSERT_TRUE(signer.sign(query, now_unix()));
    auto message = dns::parse_message(exchange(query));
    ASSERT_TRUE(message);
    EXPECT_EQ(message->header.rcode, dns::Rcode::NoError);
    ASSERT_EQ(message->answer.size(), 1u);
    EXPECT_EQ(message->answer[0].type, dns::type::SOA);
    ASSERT_NE(message->tsig(), nullptr);

    auto refused = dns::parse_message(exchange(unsigned_query));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->header.rcode, dns::Rcode::Refused);
}

}  // namespace
}  // namespace danemail::dnsserver
