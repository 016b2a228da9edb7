// Tests of the TCP listener in-process over loopback: answers with 2-byte framing, the idle timeout
// (RFC 7766 §6.2.3), the connection cap, closing on zero or oversized length prefixes (RFC 7766 §8), and a
// TSIG-signed AXFR (RFC 5936, RFC 8945) streamed to an allowed peer while an unsigned one is refused.
#include "dnsserver/tcp_listener.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "dnsserver/answer_test_util.h"
#include "dnsserver/transfer_reader.h"
#include "dnsserver/tsig.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace std::chrono_literals;

class TcpListenerTest : public ::testing::Test {
protected:
    void start(const TcpLimits& limits, bool with_transfers = false) {
        signed_zone_ = zone::testing::sign_example(zone::testing::Denial::Nsec);
        ASSERT_TRUE(signed_zone_.served);
        auto zones = std::make_shared<zone::ZoneSet>();
        zones->add(signed_zone_.served);
        source_ = std::make_unique<ZoneSource>(std::move(zones));
        auto transfer_zones = std::make_shared<TransferZones>();
        transfer_zones->zones.push_back(
            {signed_zone_.apex, std::make_shared<const std::vector<dns::Record>>(signed_zone_.records),
             nullptr});
        transfer_zones->keys.push_back(key_);
        transfer_zones->peers.push_back({"127.0.0.1", key_.name});
        transfers_ = std::make_unique<TransferSource>(std::move(transfer_zones));
        auto endpoint = parse_endpoint("127.0.0.1:0");
        ASSERT_TRUE(endpoint);
        auto listener =
            TcpListener::open({*endpoint}, *source_, limits, with_transfers ? transfers_.get() : nullptr);
        ASSERT_TRUE(listener) << listener.error().to_string();
        listener_ = std::move(*listener);
        listener_->start();
    }

    FileDescriptor connect_client() {
        FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(listener_->port(0));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        return fd;
    }

    // True when the server closed `fd` within `within` (a read returns end of file).
    static bool closed_within(const FileDescriptor& fd, std::chrono::milliseconds within) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(within.count())) <= 0) return false;
        uint8_t byte = 0;
        return ::recv(fd.get(), &byte, 1, 0) == 0;
    }

    // Sends one framed query and reads one framed response; empty on failure.
    static Bytes exchange(const FileDescriptor& fd, const Bytes& query) {
        Bytes framed{static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
        framed.insert(framed.end(), query.begin(), query.end());
        if (::send(fd.get(), framed.data(), framed.size(), 0) != static_cast<ssize_t>(framed.size()))
            return {};
        Bytes in(65537);
        size_t have = 0;
        while (have < 2 || have < 2 + ((size_t{in[0]} << 8) | in[1])) {
            pollfd p{fd.get(), POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) return {};
            ssize_t n = ::recv(fd.get(), in.data() + have, in.size() - have, 0);
            if (n <= 0) return {};
            have += static_cast<size_t>(n);
        }
        return Bytes(in.begin() + 2, in.begin() + 2 + ((size_t{in[0]} << 8) | in[1]));
    }

    void TearDown() override {
        if (listener_) listener_->stop();
    }

    // Reads one more framed message from `fd`; empty on failure.
    static Bytes read_framed(const FileDescriptor& fd) {
        Bytes in;
        auto read_exactly = [&](size_t n) {
            size_t start = in.size();
            in.resize(start + n);
            size_t have = 0;
            while (have < n) {
                pollfd p{fd.get(), POLLIN, 0};
                if (::poll(&p, 1, 2000) <= 0) return false;
                ssize_t got = ::recv(fd.get(), in.data() + start + have, n - have, 0);
                if (got <= 0) return false;
                have += static_cast<size_t>(got);
            }
            return true;
        };
        if (!read_exactly(2)) return {};
        size_t length = (size_t{in[0]} << 8) | in[1];
        in.clear();
        if (!read_exactly(length)) return {};
        return in;
    }

    zone::testing::SignedZone signed_zone_;
    TsigKey key_{*dns::Name::from_text("xfr-key."), TsigAlgorithm::HmacSha256, Bytes(32, 0x11)};
    std::unique_ptr<ZoneSource> source_;
    std::unique_ptr<TransferSource> transfers_;
    std::unique_ptr<TcpListener> listener_;
};

TEST_F(TcpListenerTest, AnswersFramedQueries) {
    start({});
    FileDescriptor client = connect_client();
    for (int i = 0; i < 3; ++i) {  // several queries on one connection
        Bytes response = exchange(client, testing::make_query("www.example.", dns::type::A));
        ASSERT_FALSE(response.empty());
        auto message = dns::parse_message(response);
        ASSERT_TRUE(message);
        EXPECT_TRUE(message->header.qr);
        EXPECT_TRUE(message->header.aa);
    }
}

TEST_F(TcpListenerTest, IdleConnectionsAreClosed) {
    TcpLimits limits;
    limits.idle_timeout = 200ms;
    start(limits);
    FileDescriptor client = connect_client();
    ASSERT_FALSE(exchange(client, testing::make_query("www.example.", dns::type::A)).empty());
    EXPECT_TRUE(closed_within(client, 3000ms));
}

TEST_F(TcpListenerTest, ConnectionsBeyondTheCapAreClosed) {
    TcpLimits limits;
    limits.max_connections = 2;
    start(limits);
    FileDescriptor first = connect_client();
    FileDescriptor second = connect_client();
    ASSERT_FALSE(exchange(first, testing::make_query("www.example.", dns::type::A)).empty());
    ASSERT_FALSE(exchange(second, testing::make_query("www.example.", dns::type::A)).empty());
    FileDescriptor third = connect_client();
    EXPECT_TRUE(closed_within(third, 3000ms));
    EXPECT_FALSE(exchange(first, testing::make_query("www.example.", dns::type::A)).empty());
}

TEST_F(TcpListenerTest, ZeroAndOversizedLengthsClose) {
    TcpLimits limits;
    limits.max_query_size = 512;
    start(limits);
    for (Bytes prefix : {Bytes{0, 0}, Bytes{0x02, 0x01}}) {
        FileDescriptor client = connect_client();
        ASSERT_EQ(::send(client.get(), prefix.data(), prefix.size(), 0), 2);
        EXPECT_TRUE(closed_within(client, 3000ms));
    }
}

TEST_F(TcpListenerTest, StopWithOpenConnections) {
    start({});
    FileDescriptor client = connect_client();
    ASSERT_FALSE(exchange(client, testing::make_query("www.example.", dns::type::A)).empty());
    auto started = std::chrono::steady_clock::now();
    listener_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(closed_within(client, 3000ms));
}

TEST_F(TcpListenerTest, SignedAxfrIsStreamedAndUnsignedRefused) {
    start({}, true);
    FileDescriptor client = connect_client();
    Bytes query = testing::make_query("example.", dns::type::AXFR);
    // Unsigned: REFUSED, and the connection stays usable.
    auto refused = dns::parse_message(exchange(client, query));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->header.rcode, dns::Rcode::Refused);

    TsigSigner signer(key_);
    ASSERT_TRUE(signer.sign(query, now_unix()));
    TsigResponseVerifier verifier(key_, signer.mac());
    TransferReader reader(signed_zone_.apex);
    Bytes framed{static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
    framed.insert(framed.end(), query.begin(), query.end());
    ASSERT_EQ(::send(client.get(), framed.data(), framed.size(), 0), static_cast<ssize_t>(framed.size()));
    Bytes first = read_framed(client);
    ASSERT_FALSE(first.empty());
    ASSERT_TRUE(verifier.verify(first, now_unix()));
    ASSERT_TRUE(reader.add_message(first));
    while (!reader.complete()) {
        Bytes next = read_framed(client);
        ASSERT_FALSE(next.empty());
        ASSERT_TRUE(verifier.verify(next, now_unix()));
        ASSERT_TRUE(reader.add_message(next));
    }
    auto result = reader.finish();
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->zone.size(), signed_zone_.records.size());
    // A signed ordinary query on the same connection gets a signed answer.
    Bytes soa = testing::make_query("example.", dns::type::SOA);
    TsigSigner soa_signer(key_);
    ASSERT_TRUE(soa_signer.sign(soa, now_unix()));
    Bytes answer = exchange(client, soa);
    TsigResponseVerifier soa_verifier(key_, soa_signer.mac());
    EXPECT_TRUE(soa_verifier.verify(answer, now_unix()));
}

}  // namespace
}  // namespace danemail::dnsserver
