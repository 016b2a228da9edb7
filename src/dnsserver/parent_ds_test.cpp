// Tests of the parent DS query against danemail's own UDP and TCP listeners on 127.0.0.1 serving a parent
// zone, and against scripted loopback responders: a DS answer, NODATA, REFUSED, an unreachable server
// (timeout) followed by a good one, TC=1 answered again over TCP, and answers that must be ignored or
// rejected (wrong ID, no AA, garbage).
#include "dnsserver/parent_ds.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <thread>

#include "dns/message.h"
#include "dnsserver/tcp_listener.h"
#include "dnsserver/udp_listener.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace std::chrono_literals;

dns::Name name(const char* text) {
    return dns::Name::from_text(text).value();
}

Endpoint loopback(uint16_t port) {
    return parse_endpoint("127.0.0.1:" + std::to_string(port)).value();
}

// A UDP socket on 127.0.0.1 answering each query with whatever `respond` returns (nothing when empty).
class ScriptedUdpServer {
public:
    using Respond = std::function<Bytes(const dns::Message& query)>;

    explicit ScriptedUdpServer(Respond respond) : respond_(std::move(respond)) {
        fd_ = FileDescriptor(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        Endpoint any = loopback(0);
        EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&any.address), any.length), 0);
        sockaddr_in bound{};
        socklen_t length = sizeof bound;
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&bound), &length);
        port_ = ntohs(bound.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~ScriptedUdpServer() {
        stop_ = true;
        thread_.join();
    }
    uint16_t port() const { return port_; }

private:
    void run() {
        Bytes buffer(dns::kMaxMessageSize);
        while (!stop_) {
            pollfd p{fd_.get(), POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            sockaddr_storage from{};
            socklen_t from_length = sizeof from;
            ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_length);
            if (n <= 0 || !respond_) continue;
            auto query = dns::parse_message(ByteView(buffer.data(), static_cast<size_t>(n)));
            if (!query) continue;
            Bytes reply = respond_(*query);
            if (!reply.empty())
                ::sendto(fd_.get(), reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&from),
                         from_length);
        }
    }

    Respond respond_;
    FileDescriptor fd_;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// An empty response to `query` with the given flags.
Bytes reply_to(const dns::Message& query, bool aa, bool tc, uint16_t id_delta = 0) {
    dns::Message reply;
    reply.header = query.header;
    reply.header.id = static_cast<uint16_t>(query.header.id + id_delta);
    reply.header.qr = true;
    reply.header.aa = aa;
    reply.header.tc = tc;
    reply.questions = query.questions;
    return dns::message_to_wire(reply).value();
}

// The zone "example." of zone_test_util (a delegation "secure" with DS 12345, "insecure" without) served
// over UDP and TCP on one loopback port.
class ParentDsTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto signed_zone = zone::testing::sign_example(zone::testing::Denial::Nsec);
        ASSERT_TRUE(signed_zone.served);
        auto zones = std::make_shared<zone::ZoneSet>();
        zones->add(signed_zone.served);
        source_ = std::make_unique<ZoneSource>(std::move(zones));
        auto tcp = TcpListener::open({loopback(0)}, *source_);
        ASSERT_TRUE(tcp) << tcp.error().to_string();
        tcp_ = std::move(*tcp);
        tcp_->start();
        port_ = tcp_->port(0);
        auto udp = UdpListener::open(loopback(port_), 1, *source_, 1232);
        ASSERT_TRUE(udp) << udp.error().to_string();
        udp_ = std::move(*udp);
        udp_->start();
    }
    void TearDown() override {
        if (udp_) udp_->stop();
        if (tcp_) tcp_->stop();
    }

    // A TCP listener for the zone on `port` (where a scripted UDP server already listens).
    std::unique_ptr<TcpListener> tcp_on(uint16_t port) {
        auto tcp = TcpListener::open({loopback(port)}, *source_);
        EXPECT_TRUE(tcp) << tcp.error().to_string();
        if (!tcp) return nullptr;
        (*tcp)->start();
        return std::move(*tcp);
    }

    std::unique_ptr<ZoneSource> source_;
    std::unique_ptr<TcpListener> tcp_;
    std::unique_ptr<UdpListener> udp_;
    uint16_t port_ = 0;
};

TEST_F(ParentDsTest, ReturnsTheDsRRset) {
    const Endpoint servers[] = {loopback(port_)};
    auto ds = query_parent_ds(name("secure.example."), servers, 2000ms);
    ASSERT_TRUE(ds) << ds.error().to_string();
    ASSERT_EQ(ds->ds.size(), 1u);
    EXPECT_EQ(ds->ds[0].key_tag, 12345);
    EXPECT_EQ(ds->ds[0].algorithm, 13);
    EXPECT_EQ(ds->ds[0].digest_type, 2);
    EXPECT_EQ(ds->ttl, 3600u);
    EXPECT_EQ(ds->server, "127.0.0.1:" + std::to_string(port_));
}

TEST_F(ParentDsTest, NoDataIsAnEmptySet) {
    const Endpoint servers[] = {loopback(port_)};
    auto ds = query_parent_ds(name("insecure.example."), servers, 2000ms);
    ASSERT_TRUE(ds) << ds.error().to_string();
    EXPECT_TRUE(ds->ds.empty());
    EXPECT_EQ(ds->ttl, 300u);  // min(SOA TTL 3600, MINIMUM 300), RFC 2308 §5
}

TEST_F(ParentDsTest, RefusedNamesTheServer) {
    const Endpoint servers[] = {loopback(port_)};
    auto ds = query_parent_ds(name("child.elsewhere.test."), servers, 2000ms);
    ASSERT_FALSE(ds);
    const std::string text = ds.error().to_string();
    EXPECT_NE(text.find("127.0.0.1:" + std::to_string(port_) + ": answered REFUSED"), std::string::npos)
        << text;
}

TEST_F(ParentDsTest, SilentServerTimesOutAndTheNextIsAsked) {
    ScriptedUdpServer silent(nullptr);
    const Endpoint servers[] = {loopback(silent.port()), loopback(port_)};
    auto ds = query_parent_ds(name("secure.example."), servers, 300ms);
    ASSERT_TRUE(ds) << ds.error().to_string();
    EXPECT_EQ(ds->server, servers[1].text);

    auto alone = query_parent_ds(name("secure.example."), std::span(servers, 1), 300ms);
    ASSERT_FALSE(alone);
    EXPECT_NE(alone.error().what.find(servers[0].text + ": no answer before the timeout"), std::string::npos)
        << alone.error().to_string();
}

TEST_F(ParentDsTest, TruncatedAnswerIsAskedAgainOverTcp) {
    ScriptedUdpServer truncating([](const dns::Message& query) { return reply_to(query, true, true); });
    auto tcp = tcp_on(truncating.port());
    ASSERT_TRUE(tcp);
    const Endpoint servers[] = {loopback(truncating.port())};
    auto ds = query_parent_ds(name("secure.example."), servers, 2000ms);
    tcp->stop();
    ASSERT_TRUE(ds) << ds.error().to_string();
    ASSERT_EQ(ds->ds.size(), 1u);
    EXPECT_EQ(ds->ds[0].key_tag, 12345);
}

TEST_F(ParentDsTest, MismatchedOrMalformedDatagramsAreIgnored) {
    ScriptedUdpServer forger([](const dns::Message& query) { return reply_to(query, true, false, 1); });
    ScriptedUdpServer garbage([](const dns::Message&) { return Bytes{1, 2, 3, 4, 5}; });
    const Endpoint servers[] = {loopback(forger.port()), loopback(garbage.port())};
    auto ds = query_parent_ds(name("secure.example."), servers, 300ms);
    ASSERT_FALSE(ds);
    const std::string text = ds.error().to_string();
    EXPECT_NE(text.find("not matching the query's ID"), std::string::npos) << text;
    EXPECT_NE(text.find("malformed"), std::string::npos) << text;
}

TEST_F(ParentDsTest, AnswerWithoutAaIsRejected) {
    ScriptedUdpServer cache([](const dns::Message& query) { return reply_to(query, false, false); });
    const Endpoint servers[] = {loopback(cache.port())};
    auto ds = query_parent_ds(name("secure.example."), servers, 1000ms);
    ASSERT_FALSE(ds);
    EXPECT_NE(ds.error().what.find("without AA"), std::string::npos) << ds.error().to_string();
}

TEST_F(ParentDsTest, QueryAsksForDsWithDnssecOkAndNoRecursion) {
    std::atomic<bool> checked{false};
    ScriptedUdpServer inspector([&checked](const dns::Message& query) {
        EXPECT_FALSE(query.header.rd);
        EXPECT_TRUE(query.edns && query.edns->dnssec_ok);
        EXPECT_EQ(query.edns->udp_payload_size, kParentQueryPayload);
        EXPECT_EQ(query.questions.size(), 1u);
        EXPECT_EQ(query.questions[0].type, dns::type::DS);
        checked = true;
        return reply_to(query, true, false);
    });
    const Endpoint servers[] = {loopback(inspector.port())};
    auto ds = query_parent_ds(name("secure.example."), servers, 1000ms);
    ASSERT_TRUE(ds) << ds.error().to_string();
    EXPECT_TRUE(checked);
    EXPECT_TRUE(ds->ds.empty());
}

TEST(ParentDs, NoServersIsAnError) {
    EXPECT_FALSE(query_parent_ds(name("example."), {}, 100ms));
}

}  // namespace
}  // namespace danemail::dnsserver
