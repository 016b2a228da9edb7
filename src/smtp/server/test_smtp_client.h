// Test support for the SMTP network tests (included by *_test.cpp only): a small blocking SMTP client on a
// plain socket with an OpenSSL client for STARTTLS and implicit TLS, able to do what attackers do — send
// pipelined bytes, a TLS close_notify and then plaintext — and to tell what the server sent or whether
// it closed. Every wait is bounded, so a broken server fails a test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace danemail::smtp::testing {

using std::chrono::milliseconds;

class TestSmtpClient {
public:
    static constexpr milliseconds kWait{10'000};  // generous: a busy 2-core machine must not fail tests

    // Connects to 127.0.0.1:`port`.
    explicit TestSmtpClient(uint16_t port) {
        // OpenSSL writes with write(2): a server that already closed must fail the write, not kill the test.
        ::signal(SIGPIPE, SIG_IGN);
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("test client: socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("test client: connect to port " + std::to_string(port));
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        timeval timeout{static_cast<time_t>(kWait.count() / 1000), 0};  // SSL_read/SSL_write never hang
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    TestSmtpClient(const TestSmtpClient&) = delete;
    TestSmtpClient& operator=(const TestSmtpClient&) = delete;
    ~TestSmtpClient() {
        ssl_.reset();
        ctx_.reset();
        if (fd_ >= 0) ::close(fd_);
    }

    // Sends through TLS once it is on, else in clear.
    void send(std::string_view data) {
        if (!ssl_) return send_raw(data);
        if (SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) !=
            static_cast<int>(data.size()))
            throw std::runtime_error("test client: SSL_write failed");
    }

    // Sends in clear on the socket, whatever state TLS is in.
    void send_raw(std::string_view data) {
        while (!data.empty()) {
            ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (sent <= 0) throw std::runtime_error("test client: send failed");
            data.remove_prefix(static_cast<size_t>(sent));
        }
    }

    // One complete reply, all of its lines ("250-a\r\n250 b\r\n"); empty when the connection closed or
    // nothing complete arrived within `timeout`.
    std::string read_reply(milliseconds timeout = kWait) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (size_t end = complete_reply_length(); end > 0) {
                std::string reply = buffer_.substr(0, end);
                buffer_.erase(0, end);
                return reply;
            }
            auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !receive(left)) return {};
        }
    }

    // Sends `command` and returns its reply.
    std::string command(std::string_view command) {
        send(command);
        return read_reply();
    }

    // True when nothing at all arrives within `period` (and nothing is buffered).
    bool quiet_for(milliseconds period) { return buffer_.empty() && !receive(period) && buffer_.empty(); }

    // The TLS client handshake on this connection, allowing versions up to `max_version`; false if it failed.
    bool start_tls(int max_version = TLS1_3_VERSION, int min_version = 0) {
        ctx_.reset(SSL_CTX_new(TLS_client_method()));
        SSL_CTX_set_security_level(ctx_.get(), 0);  // let the server's policy decide, not ours
        SSL_CTX_set_min_proto_version(ctx_.get(), min_version);
        SSL_CTX_set_max_proto_version(ctx_.get(), max_version);
        SSL_CTX_set_cipher_list(ctx_.get(), "ALL:@SECLEVEL=0");
        ssl_.reset(SSL_new(ctx_.get()));
        SSL_set_fd(ssl_.get(), fd_);
        bool ok = SSL_connect(ssl_.get()) == 1;
        ERR_clear_error();
        if (!ok) ssl_.reset();
        return ok;
    }

    SSL* ssl() { return ssl_.get(); }

    // Our close_notify: the TLS session ends, the TCP connection stays open for send_raw().
    void close_tls() {
        SSL_shutdown(ssl_.get());
        ssl_.reset();
        ERR_clear_error();
    }

    // True when the server closes the connection within `timeout`; any bytes that arrive before (in clear
    // or TLS records, undecoded) are appended to `received`.
    bool wait_closed(milliseconds timeout = kWait, std::string* received = nullptr) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd event{fd_, POLLIN, 0};
            if (::poll(&event, 1, static_cast<int>(left.count())) <= 0) return false;
            char chunk[4096];
            ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
            if (got <= 0) return true;  // EOF or reset
            if (received) received->append(chunk, static_cast<size_t>(got));
        }
    }

    // After the server's last reply over TLS: true when TLS and then TCP end within `timeout`.
    bool wait_tls_closed(milliseconds timeout = kWait) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
            if (!receive(left)) return true;
        }
        return false;
    }

private:
    // Length of the first complete reply in buffer_, 0 if there is none yet. The last line of a reply
    // has a space (or nothing) after its code (RFC 5321 §4.2).
    size_t complete_reply_length() const {
        size_t start = 0;
        for (;;) {
            size_t end = buffer_.find("\r\n", start);
            if (end == std::string::npos) return 0;
            std::string_view line(buffer_.data() + start, end - start);
            if (line.size() < 4 || line[3] == ' ') return end + 2;
            start = end + 2;
        }
    }

    // Waits up to `timeout` for bytes and appends them to buffer_; false on timeout, EOF or error.
    bool receive(milliseconds timeout) {
        if (!ssl_ || SSL_pending(ssl_.get()) == 0) {
            pollfd event{fd_, POLLIN, 0};
            if (::poll(&event, 1, static_cast<int>(timeout.count())) <= 0) return false;
        }
        char chunk[16384];
        int got = ssl_ ? SSL_read(ssl_.get(), chunk, sizeof chunk)
                       : static_cast<int>(::recv(fd_, chunk, sizeof chunk, 0));
        if (got <= 0) {
            ERR_clear_error();
            return false;
        }
        buffer_.append(chunk, static_cast<size_t>(got));
        return true;
    }

    struct SslFree {
        void operator()(SSL* ssl) const { SSL_free(ssl); }
        void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
    };

    int fd_ = -1;
    std::unique_ptr<SSL_CTX, SslFree> ctx_;
    std::unique_ptr<SSL, SslFree> ssl_;
    std::string buffer_;
};

}  // namespace danemail::smtp::testing
