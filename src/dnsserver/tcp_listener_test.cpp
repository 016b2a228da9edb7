// Tests of the TCP listener in-process over loopback: answers with 2-byte framing, the idle timeout
// (RFC 7766 §6.2.3), the connection cap and a flood of connections, closing on zero or oversized length
// prefixes (RFC 7766 §8), a TSIG-signed AXFR (RFC 5936, RFC 8945) streamed to an allowed peer while an
// unsigned one is refused, out-of-order answers between a transfer's messages (RFC 7766 §6.2.1.1), the bound
// on queries in flight, backpressure from a client that does not read, several threads, and stop() during a
// transfer.
#include "dnsserver/tcp_listener.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "dnsserver/answer_test_util.h"
#include "dnsserver/transfer_reader.h"
#include "dnsserver/tsig.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace std::chrono_literals;

class TcpListenerTest : public ::testing::Test {
protected:
    // With `big_zone`, "example." gets kBigZoneHosts more names: an AXFR of it takes many messages.
    void start(const TcpLimits& limits, bool with_transfers = false, bool big_zone = false) {
        std::vector<std::string> lines = zone::testing::example_zone_lines();
        if (big_zone)
            for (int i = 0; i < kBigZoneHosts; ++i)
                lines.push_back("host" + std::to_string(i) + " 3600 A 192.0.2." + std::to_string(i % 250));
        signed_zone_ = zone::testing::sign_lines("example.", lines, zone::testing::Denial::Nsec);
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
            TcpListener::open({*endpoint}, *source_, limits, with_transfers ? transfers_.get() : nullptr);
        ASSERT_TRUE(listener) << listener.error().to_string();
        listener_ = std::move(*listener);
        listener_->start();
    }

    static constexpr int kBigZoneHosts = 3000;

    // A client socket connected to the listener; `receive_buffer` > 0 shrinks its SO_RCVBUF first.
    FileDescriptor connect_client(int receive_buffer = 0) {
        FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (receive_buffer > 0)
            ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
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
        if (!send_all(fd, framed)) return {};
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

    static Bytes framed(const Bytes& query) {
        Bytes out{static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
        out.insert(out.end(), query.begin(), query.end());
        return out;
    }

    // Sends all of `data` (blocking); false once the connection failed. Never raises SIGPIPE.
    static bool send_all(const FileDescriptor& fd, ByteView data) {
        size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(fd.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<size_t>(n);
        }
        return true;
    }

    // A TSIG-signed AXFR query for "example." with its signer's MAC, to verify the responses.
    struct SignedAxfr {
        Bytes query;
        Bytes mac;
    };
    SignedAxfr signed_axfr(uint16_t id) {
        testing::QuerySpec spec;
        spec.id = id;
        Bytes query = testing::make_query("example.", dns::type::AXFR, spec);
        TsigSigner signer(key_);
        EXPECT_TRUE(signer.sign(query, now_unix()));
        return {query, signer.mac()};
    }

    static uint16_t message_id(const Bytes& message) {
        return message.size() < 2 ? 0 : static_cast<uint16_t>((message[0] << 8) | message[1]);
    }

    void TearDown() override {
        if (listener_) listener_->stop();
    }

    // Reads one more framed message from `fd`; empty on failure.
    static Bytes read_framed(const FileDescriptor& fd, int timeout_ms = 2000) {
        Bytes in;
        auto read_exactly = [&](size_t n) {
            size_t start = in.size();
            in.resize(start + n);
            size_t have = 0;
            while (have < n) {
                pollfd p{fd.get(), POLLIN, 0};
                if (::poll(&p, 1, timeout_ms) <= 0) return false;
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
    // Zero, one past the limit, and 65535 followed by a short body: closed, nothing answered.
    for (Bytes prefix : {Bytes{0, 0}, Bytes{0x02, 0x01}, Bytes{0xff, 0xff, 1, 2, 3}}) {
        FileDescriptor client = connect_client();
        ASSERT_TRUE(send_all(client, prefix));
        EXPECT_TRUE(closed_within(client, 3000ms));
    }
    // A good query pipelined before a bad length is still answered, then the connection closes.
    FileDescriptor client = connect_client();
    Bytes data = framed(testing::make_query("www.example.", dns::type::A));
    data.insert(data.end(), {0xff, 0xff, 0});
    ASSERT_TRUE(send_all(client, data));
    EXPECT_FALSE(read_framed(client).empty());
    EXPECT_TRUE(closed_within(client, 3000ms));
    // The listener serves the next client.
    FileDescriptor next = connect_client();
    EXPECT_FALSE(exchange(next, testing::make_query("www.example.", dns::type::A)).empty());
}

TEST_F(TcpListenerTest, HalfClosedClientGetsItsAnswers) {
    start({});
    FileDescriptor client = connect_client();
    Bytes data;
    for (uint16_t id = 1; id <= 3; ++id) {
        testing::QuerySpec spec;
        spec.id = id;
        Bytes query = framed(testing::make_query("mx.example.", dns::type::A, spec));
        data.insert(data.end(), query.begin(), query.end());
    }
    ASSERT_TRUE(send_all(client, data));
    ::shutdown(client.get(), SHUT_WR);  // EOF after the last query (RFC 7766 §6.2.1)
    std::set<uint16_t> ids;
    for (int i = 0; i < 3; ++i) ids.insert(message_id(read_framed(client)));
    EXPECT_EQ(ids, (std::set<uint16_t>{1, 2, 3}));
    EXPECT_TRUE(closed_within(client, 3000ms));
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

TEST_F(TcpListenerTest, AnswersGoOutBetweenTransferMessages) {
    start({}, true, true);
    FileDescriptor client = connect_client();
    auto [axfr, mac] = signed_axfr(0x0a0a);
    Bytes data = framed(axfr);
    for (uint16_t id = 1; id <= 3; ++id) {
        testing::QuerySpec spec;
        spec.id = id;
        Bytes soa = framed(testing::make_query("example.", dns::type::SOA, spec));
        data.insert(data.end(), soa.begin(), soa.end());
    }
    ASSERT_TRUE(send_all(client, data));

    TsigResponseVerifier verifier(key_, mac);
    TransferReader reader(signed_zone_.apex);
    std::set<uint16_t> soa_ids;
    size_t transfer_messages = 0;
    while (!reader.complete()) {
        Bytes message = read_framed(client);
        ASSERT_FALSE(message.empty());
        if (message_id(message) == 0x0a0a) {
            ASSERT_TRUE(verifier.verify(message, now_unix()));
            ASSERT_TRUE(reader.add_message(message));
            ++transfer_messages;
            continue;
        }
        auto soa = dns::parse_message(message);
        ASSERT_TRUE(soa);
        EXPECT_EQ(soa->header.rcode, dns::Rcode::NoError);
        ASSERT_EQ(soa->answer.size(), 2u);  // SOA and its RRSIG (DO is set)
        soa_ids.insert(soa->header.id);
    }
    EXPECT_GT(transfer_messages, 5u) << "the zone should take many messages";
    // RFC 7766 §6.2.1.1: the SOA answers did not wait for the end of the transfer.
    EXPECT_EQ(soa_ids, (std::set<uint16_t>{1, 2, 3}));
    auto result = reader.finish();
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->zone.size(), signed_zone_.records.size());
}

TEST_F(TcpListenerTest, OneQueryInFlightAnswersInOrder) {
    TcpLimits limits;
    limits.max_queries_in_flight = 1;
    start(limits, true, true);
    FileDescriptor client = connect_client();
    auto [axfr, mac] = signed_axfr(0x0a0a);
    Bytes data = framed(axfr);
    Bytes soa = framed(testing::make_query("example.", dns::type::SOA));
    data.insert(data.end(), soa.begin(), soa.end());
    ASSERT_TRUE(send_all(client, data));
    TransferReader reader(signed_zone_.apex);
    while (!reader.complete()) {
        Bytes message = read_framed(client);
        ASSERT_FALSE(message.empty());
        ASSERT_EQ(message_id(message), 0x0a0a) << "an answer overtook the transfer despite the limit of 1";
        ASSERT_TRUE(reader.add_message(message));
    }
    EXPECT_EQ(message_id(read_framed(client)), 0x4242);
}

TEST_F(TcpListenerTest, ClientThatDoesNotReadGetsEveryAnswerLater) {
    TcpLimits limits;
    limits.max_queued_bytes = 8 * 1024;  // the big TXT answer is over 2 KB: a few answers fill the queue
    limits.max_queries_in_flight = 4;
    start(limits);
    FileDescriptor client = connect_client(16 * 1024);
    constexpr uint16_t kQueries = 3000;  // ~7 MB of answers: more than the socket buffers hold
    Bytes data;
    for (uint16_t id = 1; id <= kQueries; ++id) {
        testing::QuerySpec spec;
        spec.id = id;
        spec.dnssec_ok = false;
        Bytes query = framed(testing::make_query("big.example.", dns::type::TXT, spec));
        data.insert(data.end(), query.begin(), query.end());
    }
    bool sent = false;
    std::thread sender([&] { sent = send_all(client, data); });  // blocks while the server stops reading
    std::this_thread::sleep_for(300ms);
    std::set<uint16_t> ids;
    for (uint16_t i = 0; i < kQueries; ++i) {
        Bytes answer = read_framed(client);
        if (answer.empty()) break;
        ids.insert(message_id(answer));
    }
    sender.join();
    EXPECT_TRUE(sent);
    EXPECT_EQ(ids.size(), kQueries);
}

TEST_F(TcpListenerTest, FloodOfConnectionsIsCapped) {
    TcpLimits limits;
    limits.max_connections = 8;
    start(limits);
    std::vector<FileDescriptor> clients;
    for (int i = 0; i < 100; ++i) clients.push_back(connect_client());
    size_t answered = 0;
    for (const FileDescriptor& client : clients)
        if (!exchange(client, testing::make_query("www.example.", dns::type::A)).empty()) ++answered;
    EXPECT_GT(answered, 0u);
    EXPECT_LE(answered, limits.max_connections);
    EXPECT_LE(listener_->open_connections(), limits.max_connections);
    EXPECT_LE(listener_->peak_connections(), limits.max_connections);
    clients.clear();
    // Once the flood is gone the server takes new connections again.
    for (int attempt = 0; attempt < 50 && listener_->open_connections() > 0; ++attempt)
        std::this_thread::sleep_for(20ms);
    FileDescriptor next = connect_client();
    EXPECT_FALSE(exchange(next, testing::make_query("www.example.", dns::type::A)).empty());
}

TEST_F(TcpListenerTest, ConnectionsSpreadOverThreads) {
    TcpLimits limits;
    limits.threads = 3;
    start(limits);
    EXPECT_EQ(listener_->threads(), 3u);
    std::vector<FileDescriptor> clients;
    for (int i = 0; i < 9; ++i) clients.push_back(connect_client());
    for (int round = 0; round < 3; ++round)
        for (const FileDescriptor& client : clients)
            EXPECT_FALSE(exchange(client, testing::make_query("www.example.", dns::type::A)).empty());
    auto started = std::chrono::steady_clock::now();
    listener_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(listener_->open_connections(), 0u);
}

TEST_F(TcpListenerTest, StopWhileATransferStreams) {
    start({}, true, true);
    FileDescriptor client = connect_client(8 * 1024);  // a slow reader: the transfer waits on the socket
    auto [axfr, mac] = signed_axfr(0x0a0a);
    ASSERT_TRUE(send_all(client, framed(axfr)));
    ASSERT_FALSE(read_framed(client).empty());
    auto started = std::chrono::steady_clock::now();
    listener_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(listener_->open_connections(), 0u);
    // What was already in the socket buffers may still arrive; then end of file (or a reset).
    uint8_t buffer[65536];
    auto deadline = std::chrono::steady_clock::now() + 3s;
    bool ended = false;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
        pollfd p{client.get(), POLLIN, 0};
        if (::poll(&p, 1, 500) <= 0) continue;
        ended = ::recv(client.get(), buffer, sizeof buffer, 0) <= 0;
    }
    EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace danemail::dnsserver
