// smtp_tls_load: an SMTP load generator for `make bench` (bench/smtp_bench.sh) with a full TLS 1.3 handshake
// per message, which Debian's tools do not offer (postal speaks only anonymous DH). Per message: connect,
// EHLO, STARTTLS (RFC 3207), handshake without session resumption or certificate checks, EHLO again, MAIL,
// RCPT, DATA with a fixed body (RFC 5321 §3.3), QUIT. Untrusted input: the server's replies (bounded in
// size). Usage: smtp_tls_load [-c CONCURRENCY] [-m MESSAGES] [-l BYTES] [-f FROM] [-t TO] [-d SECONDS] [-P]
// HOST:PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;  // a longer reply is a broken server, not a slow one
constexpr int kIoTimeoutSeconds = 30;         // per read or write: a stuck server counts as a failure
constexpr size_t kFailuresShown = 5;          // the first failure texts are printed, the rest only counted

struct Options {
    std::string host;
    uint16_t port = 25;
    unsigned concurrency = 20;
    uint64_t messages = 1000;
    size_t body_bytes = 10240;
    std::string from = "a@bench.test";
    std::string to = "u1@bench.test";
    std::string helo = "load.bench.test";
    double max_seconds = 600;  // stop starting messages after this long (a bound on the whole run)
    bool starttls = true;      // -P: plain SMTP, for comparing with smtp-source
};

void usage() {
    std::fprintf(stderr,
                 "usage: smtp_tls_load [-c CONCURRENCY] [-m MESSAGES] [-l BODY_BYTES] [-f FROM] [-t TO]\n"
                 "                     [-d MAX_SECONDS] [-P (no STARTTLS)] HOST:PORT\n"
                 "  HOST is a numeric IPv4 address or [IPv6]; defaults -c 20 -m 1000 -l 10240\n");
}

std::optional<uint64_t> parse_number(const char* text) {
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') return std::nullopt;
    return value;
}

// "127.0.0.1:25" or "[::1]:25".
bool parse_target(std::string_view text, Options& options) {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    auto port = parse_number(std::string(text.substr(colon + 1)).c_str());
    if (!port || *port == 0 || *port > 65535) return false;
    options.host = std::string(host);
    options.port = static_cast<uint16_t>(*port);
    return true;
}

std::optional<Options> parse_options(int argc, char** argv) {
    Options options;
    int opt;
    while ((opt = getopt(argc, argv, "c:m:l:f:t:d:P")) != -1) {
        std::optional<uint64_t> number;
        switch (opt) {
            case 'c':
                number = parse_number(optarg);
                if (!number || *number == 0 || *number > 10000) return std::nullopt;
                options.concurrency = static_cast<unsigned>(*number);
                break;
            case 'm':
                number = parse_number(optarg);
                if (!number || *number == 0) return std::nullopt;
                options.messages = *number;
                break;
            case 'l':
                number = parse_number(optarg);
                if (!number || *number > (1u << 30)) return std::nullopt;
                options.body_bytes = *number;
                break;
            case 'd':
                number = parse_number(optarg);
                if (!number || *number == 0) return std::nullopt;
                options.max_seconds = static_cast<double>(*number);
                break;
            case 'f':
                options.from = optarg;
                break;
            case 't':
                options.to = optarg;
                break;
            case 'P':
                options.starttls = false;
                break;
            default:
                return std::nullopt;
        }
    }
    if (optind + 1 != argc || !parse_target(argv[optind], options)) return std::nullopt;
    return options;
}

// The DATA payload: a few headers, a body of `body_bytes` in lines of at most 78 characters (none starting
// with '.', so no dot-stuffing is needed), and the end-of-data line (RFC 5321 §4.1.1.4).
std::string make_message(const Options& options) {
    std::string message = "From: <" + options.from + ">\r\nTo: <" + options.to +
                          ">\r\nSubject: smtp_tls_load\r\nMessage-ID: <load@bench.test>\r\n\r\n";
    static constexpr std::string_view kLine =
        "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 abcdefghijklmn";  // 78 characters
    size_t left = options.body_bytes;
    while (left > 0) {
        size_t take = std::min(left, kLine.size() + 2);
        if (take <= 2) {  // too short for text and CRLF: pad the last line instead
            message.append(take, 'x');
            break;
        }
        message.append(kLine.substr(0, take - 2));
        message.append("\r\n");
        left -= take;
    }
    if (message.size() < 2 || message.compare(message.size() - 2, 2, "\r\n") != 0) message.append("\r\n");
    message.append(".\r\n");
    return message;
}

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const { return fd_; }

private:
    int fd_;
};

using SslContext = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using SslConnection = std::unique_ptr<SSL, decltype(&SSL_free)>;

std::string openssl_errors() {
    std::string text;
    while (unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!text.empty()) text += "; ";
        text += buffer;
    }
    return text.empty() ? std::string(std::strerror(errno)) : text;
}

// A client TLS context: TLS 1.3 only, no session cache (every handshake is a full one), no certificate
// verification (the load is what is measured; the servers use self-signed certificates).
SslContext make_tls_context() {
    SslContext context(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
    if (!context) return context;
    SSL_CTX_set_min_proto_version(context.get(), TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(context.get(), TLS1_3_VERSION);
    SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
    return context;
}

struct Reply {
    int code = 0;  // 0: no reply (the error says why)
    std::string text;
    std::string error;
};

// One SMTP connection, in clear until start_tls() and inside TLS afterwards.
class SmtpConnection {
public:
    explicit SmtpConnection(int fd) : socket_(fd), tls_(nullptr, &SSL_free) {}

    std::optional<std::string> send(std::string_view data) {
        while (!data.empty()) {
            ssize_t written;
            if (tls_) {
                int n = SSL_write(tls_.get(), data.data(),
                                  static_cast<int>(std::min<size_t>(data.size(), 1 << 20)));
                if (n <= 0) return "TLS write: " + openssl_errors();
                written = n;
            } else {
                written = ::send(socket_.fd(), data.data(), data.size(), MSG_NOSIGNAL);
                if (written < 0) {
                    if (errno == EINTR) continue;
                    return std::string("write: ") + std::strerror(errno);
                }
            }
            data.remove_prefix(static_cast<size_t>(written));
        }
        return std::nullopt;
    }

    // A whole reply: lines "250-..." up to the last "250 ..." (RFC 5321 §4.2.1).
    Reply read_reply() {
        Reply reply;
        for (;;) {
            size_t end = buffer_.find("\r\n");
            if (end == std::string::npos) {
                if (buffer_.size() > kMaxReplyBytes) {
                    reply.error = "reply longer than 64 KiB";
                    return reply;
                }
                if (auto error = fill()) {
                    reply.error = *error;
                    return reply;
                }
                continue;
            }
            std::string line = buffer_.substr(0, end);
            buffer_.erase(0, end + 2);
            if (line.size() < 3 || line.find_first_not_of("0123456789") < 3) {
                reply.error = "malformed reply line: " + line.substr(0, 80);
                return reply;
            }
            reply.text += line + "\n";
            if (reply.text.size() > kMaxReplyBytes) {
                reply.error = "reply longer than 64 KiB";
                return reply;
            }
            if (line.size() == 3 || line[3] == ' ') {
                reply.code = std::atoi(line.substr(0, 3).c_str());
                return reply;
            }
        }
    }

    std::optional<std::string> start_tls(SSL_CTX* context, const std::string& server_name) {
        if (!buffer_.empty()) return std::string("server sent bytes after its 220 to STARTTLS");
        tls_.reset(SSL_new(context));
        if (!tls_) return "SSL_new: " + openssl_errors();
        SSL_set_fd(tls_.get(), socket_.fd());
        SSL_set_tlsext_host_name(tls_.get(), server_name.c_str());
        if (SSL_connect(tls_.get()) != 1) return "TLS handshake: " + openssl_errors();
        return std::nullopt;
    }

    void close_tls() {
        if (tls_) SSL_shutdown(tls_.get());  // sends close_notify; the reply is not awaited
    }

private:
    std::optional<std::string> fill() {
        char chunk[16384];
        for (;;) {
            ssize_t n;
            if (tls_) {
                int got = SSL_read(tls_.get(), chunk, sizeof chunk);
                if (got <= 0) return "TLS read: " + openssl_errors();
                n = got;
            } else {
                n = ::recv(socket_.fd(), chunk, sizeof chunk, 0);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) return std::string("read: ") + std::strerror(errno);
                if (n == 0) return std::string("connection closed by the server");
            }
            buffer_.append(chunk, static_cast<size_t>(n));
            return std::nullopt;
        }
    }

    Socket socket_;
    SslConnection tls_;
    std::string buffer_;
};

std::optional<std::string> connect_to(const Options& options, int& fd_out) {
    sockaddr_storage address{};
    socklen_t length;
    int family;
    if (options.host.find(':') != std::string::npos) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(options.port);
        if (inet_pton(AF_INET6, options.host.c_str(), &v6->sin6_addr) != 1) return "not an IPv6 address";
        length = sizeof *v6;
        family = AF_INET6;
    } else {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(options.port);
        if (inet_pton(AF_INET, options.host.c_str(), &v4->sin_addr) != 1) return "not an IPv4 address";
        length = sizeof *v4;
        family = AF_INET;
    }
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string("socket: ") + std::strerror(errno);
    fd_out = fd;
    timeval timeout{kIoTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0)
        return std::string("connect: ") + std::strerror(errno);
    return std::nullopt;
}

// Sends `command` (empty: none, for the greeting) and expects a reply with `expected` code.
std::optional<std::string> exchange(SmtpConnection& connection, const std::string& command, int expected) {
    if (!command.empty()) {
        if (auto error = connection.send(command + "\r\n")) return *error;
    }
    Reply reply = connection.read_reply();
    std::string what = command.empty() ? std::string("greeting") : command.substr(0, command.find(' '));
    if (!reply.error.empty()) return what + ": " + reply.error;
    if (reply.code != expected) {
        std::string text = reply.text.substr(0, 200);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return what + ": expected " + std::to_string(expected) + ", got: " + text;
    }
    return std::nullopt;
}

// One whole message over a new connection: nullopt when the server took it (250 after DATA).
std::optional<std::string> send_one(const Options& options, SSL_CTX* context, const std::string& message) {
    int fd = -1;
    auto connect_error = connect_to(options, fd);
    SmtpConnection connection(fd);  // owns fd (closes it) from here, also when connect failed
    if (connect_error) return *connect_error;
    if (auto error = exchange(connection, "", 220)) return error;
    if (auto error = exchange(connection, "EHLO " + options.helo, 250)) return error;
    if (options.starttls) {
        if (auto error = exchange(connection, "STARTTLS", 220)) return error;
        if (auto error = connection.start_tls(context, "mx.bench.test")) return error;
        if (auto error = exchange(connection, "EHLO " + options.helo, 250)) return error;  // RFC 3207 §4.2
    }
    if (auto error = exchange(connection, "MAIL FROM:<" + options.from + ">", 250)) return error;
    if (auto error = exchange(connection, "RCPT TO:<" + options.to + ">", 250)) return error;
    if (auto error = exchange(connection, "DATA", 354)) return error;
    if (auto error = connection.send(message)) return "DATA: " + *error;
    if (auto error = exchange(connection, "", 250)) return "end of data: " + *error;
    if (auto error = exchange(connection, "QUIT", 221)) return error;
    connection.close_tls();
    return std::nullopt;
}

struct Totals {
    std::atomic<uint64_t> next{0};  // the next message number to take
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> failed{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;  // the first kFailuresShown texts
};

void run_worker(const Options& options, SSL_CTX* context, const std::string& message, Totals& totals,
                std::chrono::steady_clock::time_point deadline) {
    while (totals.next.fetch_add(1) < options.messages && std::chrono::steady_clock::now() < deadline) {
        if (auto error = send_one(options, context, message)) {
            totals.failed.fetch_add(1);
            std::lock_guard lock(totals.failures_mutex);
            if (totals.failures.size() < kFailuresShown) totals.failures.push_back(*error);
        } else {
            totals.sent.fetch_add(1);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parse_options(argc, argv);
    if (!options) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);  // a server closing early is a failure to count, not a reason to die
    SslContext context = make_tls_context();
    if (!context) {
        std::fprintf(stderr, "smtp_tls_load: SSL_CTX_new: %s\n", openssl_errors().c_str());
        return 1;
    }
    const std::string message = make_message(*options);

    Totals totals;
    auto started = std::chrono::steady_clock::now();
    auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(options->max_seconds));
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < options->concurrency; ++i)
        workers.emplace_back(run_worker, std::cref(*options), context.get(), std::cref(message),
                             std::ref(totals), deadline);
    for (auto& worker : workers) worker.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    for (const auto& failure : totals.failures)
        std::fprintf(stderr, "smtp_tls_load: failed: %s\n", failure.c_str());
    uint64_t sent = totals.sent.load(), failed = totals.failed.load();
    std::printf("sent %llu\nfailures %llu\nseconds %.3f\nmessages/s %.1f\n",
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(failed), seconds,
                seconds > 0 ? sent / seconds : 0.0);
    std::printf("mode %s, %u connections, %zu-byte bodies, one connection per message\n",
                options->starttls ? "STARTTLS with a full TLS 1.3 handshake" : "plain", options->concurrency,
                options->body_bytes);
    if (sent + failed < options->messages)
        std::printf("stopped at the time limit (-d %.0f) after %llu of %llu messages\n", options->max_seconds,
                    static_cast<unsigned long long>(sent + failed),
                    static_cast<unsigned long long>(options->messages));
    return failed == 0 ? 0 : 1;
}
