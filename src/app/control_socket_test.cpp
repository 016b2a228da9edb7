// Tests of the control socket: request/reply round trips, handler errors, hostile requests (oversized,
// binary, silent), stale and live socket files, the file's mode, and its removal on stop().
#include "app/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace danemail::app {
namespace {

using namespace std::chrono_literals;

class ControlSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        // Under /tmp, not $TMPDIR: unix socket paths must stay short.
        char pattern[] = "/tmp/danemail-ctl-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        path_ = dir_ + "/run/control.sock";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // A server that answers "status" with "running", "fail" with an error, "throw" by throwing, and
    // anything else by echoing its words joined with '|'.
    std::unique_ptr<ControlServer> start_server(std::chrono::milliseconds timeout = kControlClientTimeout) {
        auto server = ControlServer::open(
            path_,
            [this](const std::vector<std::string>& words) -> ControlReply {
                ++calls_;
                if (words[0] == "status") return {true, "running"};
                if (words[0] == "fail") return {false, "no such zone"};
                if (words[0] == "throw") throw std::runtime_error("boom");
                std::string text;
                for (const auto& word : words) text += (text.empty() ? "" : "|") + word;
                return {true, text};
            },
            timeout);
        EXPECT_TRUE(server.ok()) << server.error().to_string();
        if (!server) return nullptr;
        (*server)->start();
        return std::move(*server);
    }

    // Connects without the client library, sends `bytes` as they are and returns all the server sent.
    std::string raw_exchange(const std::string& bytes, bool close_write = false) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strcpy(address.sun_path, path_.c_str());
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        timeval limit{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (!bytes.empty()) (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (close_write) ::shutdown(fd, SHUT_WR);
        std::string received;
        char buffer[4096];
        ssize_t n;
        while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
            received.append(buffer, static_cast<size_t>(n));
        ::close(fd);
        return received;
    }

    std::string dir_;
    std::string path_;
    std::atomic<int> calls_ = 0;
};

TEST(ControlRequestParse, SplitsWordsAndRejectsWhatIsNotPrintable) {
    auto words = parse_control_request("  keys   example.com ");
    ASSERT_TRUE(words.ok());
    EXPECT_EQ(*words, (std::vector<std::string>{"keys", "example.com"}));
    auto unicode = parse_control_request("keys b\xc3\xbc\x63her.example");  // "bücher"
    ASSERT_TRUE(unicode.ok());
    EXPECT_EQ((*unicode)[1], "b\xc3\xbc\x63her.example");

    EXPECT_FALSE(parse_control_request("").ok());
    EXPECT_FALSE(parse_control_request("   ").ok());
    EXPECT_FALSE(parse_control_request("keys\texample.com").ok());
    EXPECT_FALSE(parse_control_request(std::string("status\0", 7)).ok());
    EXPECT_FALSE(parse_control_request("status\x7f").ok());
    EXPECT_FALSE(parse_control_request("\xff").ok());              // not UTF-8
    EXPECT_FALSE(parse_control_request("\xc3").ok());              // truncated sequence
    EXPECT_FALSE(parse_control_request("\xc0\xaf").ok());          // overlong "/"
    EXPECT_FALSE(parse_control_request("\xed\xa0\x80").ok());      // surrogate U+D800
    EXPECT_FALSE(parse_control_request("\xc2\x85").ok());          // C1 control U+0085
    EXPECT_FALSE(parse_control_request("\xf4\x90\x80\x80").ok());  // above U+10FFFF
    EXPECT_TRUE(parse_control_request("\xf0\x9f\x94\x91").ok());   // U+1F511
    EXPECT_FALSE(parse_control_request(std::string(kMaxControlRequest, 'a')).ok());
    EXPECT_TRUE(parse_control_request(std::string(kMaxControlRequest - 1, 'a')).ok());
}

TEST_F(ControlSocketTest, RoundTrip) {
    auto server = start_server();
    ASSERT_TRUE(server);
    auto reply = control_request(path_, {"status"}, 5s);
    ASSERT_TRUE(reply.ok()) << reply.error().to_string();
    EXPECT_TRUE(reply->ok);
    EXPECT_EQ(reply->text, "running");

    auto echo = control_request(path_, {"keys", "example.com"}, 5s);
    ASSERT_TRUE(echo.ok());
    EXPECT_EQ(echo->text, "keys|example.com");
    EXPECT_EQ(raw_exchange("status\n"), "running\nok\n");
    EXPECT_EQ(raw_exchange("status\r\n"), "running\nok\n");
}

TEST_F(ControlSocketTest, MultiLineAndEmptyReplies) {
    auto server = ControlServer::open(path_, [](const std::vector<std::string>& words) -> ControlReply {
        if (words[0] == "empty") return {true, ""};
        return {true, "line one\nok\nline three\n"};
    });
    ASSERT_TRUE(server.ok());
    (*server)->start();
    auto empty = control_request(path_, {"empty"}, 5s);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->ok);
    EXPECT_EQ(empty->text, "");
    auto lines = control_request(path_, {"lines"}, 5s);
    ASSERT_TRUE(lines.ok());
    EXPECT_EQ(lines->text, "line one\nok\nline three");
}

TEST_F(ControlSocketTest, HandlerErrors) {
    auto server = start_server();
    ASSERT_TRUE(server);
    auto failed = control_request(path_, {"fail", "example.com"}, 5s);
    ASSERT_TRUE(failed.ok());
    EXPECT_FALSE(failed->ok);
    EXPECT_EQ(failed->text, "no such zone");

    auto thrown = control_request(path_, {"throw"}, 5s);
    ASSERT_TRUE(thrown.ok());
    EXPECT_FALSE(thrown->ok);
    EXPECT_EQ(thrown->text, "internal error: boom");

    auto after = control_request(path_, {"status"}, 5s);  // the server lives on
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after->ok);
}

TEST_F(ControlSocketTest, OversizedRequestsAreRefused) {
    auto server = start_server();
    ASSERT_TRUE(server);
    std::string huge(100'000, 'a');
    std::string reply = raw_exchange(huge);
    EXPECT_NE(reply.find("longer than"), std::string::npos) << reply;
    EXPECT_TRUE(reply.ends_with("\nerror\n")) << reply;

    EXPECT_TRUE(raw_exchange(std::string(kMaxControlRequest, 'a') + "\n").ends_with("\nerror\n"));
    EXPECT_EQ(raw_exchange("status" + std::string(kMaxControlRequest - 7, ' ') + "\n"), "running\nok\n");

    auto refused = control_request(path_, {std::string(kMaxControlRequest, 'a')}, 5s);
    EXPECT_FALSE(refused.ok());
    EXPECT_EQ(calls_, 1);
}

TEST_F(ControlSocketTest, BinaryAndMalformedRequestsAreRefused) {
    auto server = start_server();
    ASSERT_TRUE(server);
    for (std::string bad :
         {std::string("sta\x01tus\n"), std::string("status\0x\n", 9), std::string("\xff\xfe\n"),
          std::string("\n"), std::string("   \n"), std::string("keys\texample.com\n")}) {
        std::string reply = raw_exchange(bad);
        EXPECT_TRUE(reply.ends_with("error\n")) << reply;
    }
    EXPECT_TRUE(raw_exchange("status", true).ends_with("not terminated by a newline\nerror\n"));
    EXPECT_EQ(raw_exchange("", true), "");  // connect and close: no reply, no handler call
    EXPECT_EQ(calls_, 0);

    ControlFailure failure{};
    EXPECT_FALSE(control_request(path_, {"keys", "two words"}, 5s, &failure).ok());
    EXPECT_EQ(failure, ControlFailure::BadRequest);
    EXPECT_FALSE(control_request(path_, {"sta\ntus"}, 5s, &failure).ok());
    EXPECT_EQ(failure, ControlFailure::BadRequest);
    EXPECT_FALSE(control_request(path_, {}, 5s, &failure).ok());
    EXPECT_EQ(failure, ControlFailure::BadRequest);
}

TEST_F(ControlSocketTest, SilentClientIsDropped) {
    auto server = start_server(300ms);
    ASSERT_TRUE(server);
    auto begin = std::chrono::steady_clock::now();
    std::string reply = raw_exchange("sta");  // never finishes its line
    auto waited = std::chrono::steady_clock::now() - begin;
    EXPECT_TRUE(reply.ends_with("error\n")) << reply;
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 5s);

    auto after = control_request(path_, {"status"}, 5s);
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after->ok);
}

TEST_F(ControlSocketTest, ClientTimesOutOnASlowServer) {
    auto server = ControlServer::open(path_, [](const std::vector<std::string>&) -> ControlReply {
        std::this_thread::sleep_for(500ms);
        return {true, "late"};
    });
    ASSERT_TRUE(server.ok());
    (*server)->start();
    ControlFailure failure{};
    auto reply = control_request(path_, {"status"}, 100ms, &failure);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(failure, ControlFailure::Transport);
    EXPECT_NE(reply.error().to_string().find("no reply"), std::string::npos);
}

TEST_F(ControlSocketTest, SocketIsPrivate) {
    auto server = start_server();
    ASSERT_TRUE(server);
    struct stat st {};
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir_ + "/run").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(ControlSocketTest, StaleSocketIsReplaced) {
    std::filesystem::create_directories(dir_ + "/run");
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);  // a dead server's socket file remains
    ASSERT_TRUE(std::filesystem::exists(path_));

    auto server = start_server();
    ASSERT_TRUE(server);
    auto reply = control_request(path_, {"status"}, 5s);
    ASSERT_TRUE(reply.ok()) << reply.error().to_string();
    EXPECT_EQ(reply->text, "running");
}

TEST_F(ControlSocketTest, SecondServerIsRefused) {
    auto first = start_server();
    ASSERT_TRUE(first);
    auto second = ControlServer::open(path_, [](const std::vector<std::string>&) { return ControlReply{}; });
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().to_string().find("already listening"), std::string::npos);
    auto reply = control_request(path_, {"status"}, 5s);  // the first is unharmed, its file still there
    ASSERT_TRUE(reply.ok()) << reply.error().to_string();
    EXPECT_EQ(reply->text, "running");
    EXPECT_EQ(calls_, 1);  // the liveness probe reached no handler
}

TEST_F(ControlSocketTest, AFileThatIsNotASocketIsKept) {
    std::filesystem::create_directories(dir_ + "/run");
    std::ofstream(path_) << "precious";
    auto server = ControlServer::open(path_, [](const std::vector<std::string>&) { return ControlReply{}; });
    ASSERT_FALSE(server.ok());
    EXPECT_NE(server.error().to_string().find("not a socket"), std::string::npos);
    EXPECT_TRUE(std::filesystem::is_regular_file(path_));
}

TEST_F(ControlSocketTest, TooLongPathIsAnError) {
    auto server = ControlServer::open("/tmp/" + std::string(200, 'x'),
                                      [](const std::vector<std::string>&) { return ControlReply{}; });
    ASSERT_FALSE(server.ok());
    EXPECT_NE(server.error().to_string().find("too long"), std::string::npos);
}

TEST_F(ControlSocketTest, StopRemovesTheFile) {
    auto server = start_server();
    ASSERT_TRUE(server);
    ASSERT_TRUE(std::filesystem::exists(path_));
    server->stop();
    EXPECT_FALSE(std::filesystem::exists(path_));
    server->stop();  // twice is harmless

    ControlFailure failure{};
    auto reply = control_request(path_, {"status"}, 1s, &failure);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(failure, ControlFailure::NotListening);
    EXPECT_EQ(reply.error().to_string(),
              "no danemail server is listening on " + path_ + " (is `danemail serve` running?)");
}

TEST_F(ControlSocketTest, StopInterruptsASilentClient) {
    auto server = start_server();  // 5 s client timeout
    ASSERT_TRUE(server);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path_.c_str());
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    std::this_thread::sleep_for(50ms);  // let the server take the client
    auto begin = std::chrono::steady_clock::now();
    server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
    ::close(fd);
}

TEST_F(ControlSocketTest, DestructorWithoutStart) {
    {
        auto server =
            ControlServer::open(path_, [](const std::vector<std::string>&) { return ControlReply{}; });
        ASSERT_TRUE(server.ok());
        EXPECT_TRUE(std::filesystem::exists(path_));
    }
    EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace danemail::app
