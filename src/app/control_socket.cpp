// The control socket's server and client (see control_socket.h). The server reads untrusted local input:
// the request line is read under a deadline into a bounded buffer, checked to be printable UTF-8 and split
// into words before the handler sees it; a peer of another user is refused (SO_PEERCRED). The client reads
// the server's reply bounded in size and time.
#include "app/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <utility>

namespace danemail::app {
namespace {

using Clock = std::chrono::steady_clock;

// Owns one file descriptor.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

std::string errno_text(int error) {
    return std::strerror(error);
}

// The address of the socket file; the caller has checked the length.
sockaddr_un socket_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    return address;
}

Status check_path_length(const std::string& path) {
    if (path.empty()) return make_error("the control socket path is empty");
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return make_error(path, "too long for a unix socket (" + std::to_string(path.size()) +
                                    " bytes, at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                    ")");
    return {};
}

enum class Wait { Ready, Timeout, Stopped, Failed };

// Waits until `fd` is ready for `events`, the deadline passes, or `stop_fd` (when >= 0) becomes readable.
Wait wait_for(int fd, short events, int stop_fd, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return Wait::Timeout;
        pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
        int n = ::poll(fds, stop_fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, 60'000)));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Wait::Failed;
        }
        if (n == 0) continue;  // re-check the deadline
        if (stop_fd >= 0 && fds[1].revents != 0) return Wait::Stopped;
        if (fds[0].revents != 0) return Wait::Ready;  // POLLHUP and POLLERR too: the next call reports them
    }
}

// Sends all of `data` before the deadline; false when the peer is gone, too slow, or stop was asked.
bool send_all(int fd, std::string_view data, int stop_fd, Clock::time_point deadline) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_for(fd, POLLOUT, stop_fd, deadline) != Wait::Ready) return false;
            continue;
        }
        return false;
    }
    return true;
}

// The length of the UTF-8 sequence at `text[i]` if it is a well-formed printable character, else 0.
// Printable: not a C0 control, DEL or C1 control; well-formed: shortest form, no surrogates, at most
// U+10FFFF (RFC 3629 §4).
size_t printable_utf8_length(std::string_view text, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    if (lead < 0x80) return lead >= 0x20 && lead != 0x7f ? 1 : 0;
    size_t length;
    char32_t code;
    char32_t minimum;
    if ((lead & 0xe0) == 0xc0) {
        length = 2, code = lead & 0x1f, minimum = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3, code = lead & 0x0f, minimum = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4, code = lead & 0x07, minimum = 0x10000;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        code = (code << 6) | (byte(i + k) & 0x3f);
    }
    if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
    if (code >= 0x80 && code <= 0x9f) return 0;  // C1 controls
    return length;
}

// Creates the missing folders of `folder`, each with mode 0700.
Status create_folders(const std::filesystem::path& folder) {
    if (folder.empty()) return {};
    std::filesystem::path so_far;
    for (const auto& part : folder) {
        so_far /= part;
        if (::mkdir(so_far.c_str(), 0700) == 0 || errno == EEXIST) continue;
        return make_error(so_far.string(), "cannot create the control socket's folder: " + errno_text(errno));
    }
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(folder.string(), "is not a folder; the control socket cannot be made in it");
    return {};
}

// Whether a server accepts connections on the socket file at `path`: true when one does (or its queue is
// full), false when the file is stale.
Result<bool> server_is_live(const std::string& path) {
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (probe.get() < 0) return make_error(path, "cannot create a socket: " + errno_text(errno));
    sockaddr_un address = socket_address(path);
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return true;
    if (errno == EAGAIN || errno == EINPROGRESS) return true;
    if (errno == ECONNREFUSED) return false;
    return make_error(
        path, "cannot tell whether a server is listening on the control socket: " + errno_text(errno));
}

std::string not_listening(const std::string& path) {
    return "no danemail server is listening on " + path + " (is `danemail serve` running?)";
}

}  // namespace

Result<std::vector<std::string>> parse_control_request(std::string_view line) {
    if (line.size() >= kMaxControlRequest)
        return make_error("request longer than " + std::to_string(kMaxControlRequest - 1) + " bytes");
    std::vector<std::string> words;
    std::string word;
    for (size_t i = 0; i < line.size();) {
        size_t length = printable_utf8_length(line, i);
        if (length == 0)
            return make_error("byte " + std::to_string(i + 1) +
                              " of the request is not printable UTF-8; expected words separated by spaces");
        if (line[i] == ' ') {
            if (!word.empty()) words.push_back(std::move(word));
            word.clear();
        } else {
            word.append(line, i, length);
        }
        i += length;
    }
    if (!word.empty()) words.push_back(std::move(word));
    if (words.empty()) return make_error("empty request; expected a command such as `status`");
    return words;
}

ControlServer::ControlServer(std::string path, Handler handler, std::chrono::milliseconds client_timeout)
    : path_(std::move(path)), handler_(std::move(handler)), client_timeout_(client_timeout) {}

Result<std::unique_ptr<ControlServer>> ControlServer::open(const std::string& path, Handler handler,
                                                           std::chrono::milliseconds client_timeout) {
    if (auto length = check_path_length(path); !length) return length.error();
    if (auto folders = create_folders(std::filesystem::path(path).parent_path()); !folders)
        return folders.error();

    struct stat existing {};
    if (::lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode))
            return make_error(path,
                              "exists and is not a socket; remove it or set another [dns] control path");
        auto live = server_is_live(path);
        if (!live) return live.error();
        if (*live)
            return make_error(path, "another danemail server is already listening on this control socket");
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return make_error(path, "cannot remove the stale control socket: " + errno_text(errno));
    } else if (errno != ENOENT) {
        return make_error(path, "cannot inspect the control socket path: " + errno_text(errno));
    }

    Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (listener.get() < 0) return make_error(path, "cannot create a socket: " + errno_text(errno));
    // Linux gives the socket file the mode of the socket's inode (less the umask), so the file is 0600 from
    // the moment it exists without changing the process-wide umask, which other threads may rely on. The
    // mode is checked after bind() all the same.
    if (::fchmod(listener.get(), 0600) != 0)
        return make_error(path, "cannot set the control socket's mode: " + errno_text(errno));
    sockaddr_un address = socket_address(path);
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        if (errno == EADDRINUSE)
            return make_error(path, "another danemail server created this control socket while we started");
        return make_error(path, "cannot create the control socket: " + errno_text(errno));
    }
    struct stat created {};
    if (::lstat(path.c_str(), &created) != 0 ||
        ((created.st_mode & 077) != 0 && ::chmod(path.c_str(), 0600) != 0)) {
        ::unlink(path.c_str());
        return make_error(path, "cannot make the control socket private (mode 0600): " + errno_text(errno));
    }
    if (::listen(listener.get(), 16) != 0) {
        ::unlink(path.c_str());
        return make_error(path, "cannot listen on the control socket: " + errno_text(errno));
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        ::unlink(path.c_str());
        return make_error(path, "cannot create the control server's stop pipe: " + errno_text(errno));
    }

    std::unique_ptr<ControlServer> server(new ControlServer(path, std::move(handler), client_timeout));
    server->listen_fd_ = listener.release();
    server->stop_read_ = pipe_fds[0];
    server->stop_write_ = pipe_fds[1];
    server->socket_dev_ = created.st_dev;
    server->socket_ino_ = created.st_ino;
    return server;
}

ControlServer::~ControlServer() {
    stop();
}

void ControlServer::start() {
    if (thread_.joinable() || listen_fd_ < 0) return;
    thread_ = std::thread([this] { serve(); });
}

void ControlServer::stop() {
    if (thread_.joinable()) {
        char byte = 1;
        while (::write(stop_write_, &byte, 1) < 0 && errno == EINTR) {
        }
        thread_.join();
    }
    if (listen_fd_ >= 0) {
        // Remove the file only if it is still ours: a server started after us may have replaced it.
        struct stat st {};
        if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == socket_dev_ && st.st_ino == socket_ino_)
            ::unlink(path_.c_str());
        ::close(listen_fd_);
        listen_fd_ = -1;
    }
    for (int* fd : {&stop_read_, &stop_write_}) {
        if (*fd >= 0) ::close(*fd);
        *fd = -1;
    }
}

void ControlServer::serve() {
    for (;;) {
        Wait wait = wait_for(listen_fd_, POLLIN, stop_read_, Clock::time_point::max());
        if (wait == Wait::Stopped || wait == Wait::Failed) return;
        if (wait != Wait::Ready) continue;
        Fd client(::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (client.get() >= 0) {
            serve_client(client.get());
            continue;
        }
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            // Out of descriptors or memory: the pending client stays queued; retry shortly, not in a spin.
            if (wait_for(stop_read_, POLLIN, -1, Clock::now() + std::chrono::milliseconds(100)) ==
                Wait::Ready)
                return;
        }
        // EAGAIN, EINTR, ECONNABORTED and the like: wait for the next client.
    }
}

void ControlServer::serve_client(int client) {
    auto reply = [&](const ControlReply& answer) {
        std::string text = answer.text;
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += answer.ok ? "ok\n" : "error\n";
        (void)send_all(client, text, stop_read_, Clock::now() + client_timeout_);
    };

    // The socket file is 0600, so only our user and root get here; checked again in case the file's
    // mode or folder was changed by hand.
    ucred peer{};
    socklen_t peer_size = sizeof peer;
    if (::getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &peer_size) != 0 ||
        (peer.uid != ::geteuid() && peer.uid != 0))
        return reply(
            {false, "permission denied: only the server's user and root may use the control socket"});

    // Read up to the first "\n", keeping at most kMaxControlRequest bytes.
    auto deadline = Clock::now() + client_timeout_;
    std::string request;
    char buffer[1024];
    size_t newline = std::string::npos;
    while (newline == std::string::npos) {
        if (request.size() >= kMaxControlRequest)
            return reply({false, "request longer than " + std::to_string(kMaxControlRequest) +
                                     " bytes with its newline"});
        ssize_t n = ::recv(client, buffer, std::min(sizeof buffer, kMaxControlRequest - request.size()), 0);
        if (n > 0) {
            size_t old_size = request.size();
            request.append(buffer, static_cast<size_t>(n));
            newline = request.find('\n', old_size);
            continue;
        }
        if (n == 0) {
            // A peer that only connects and closes (such as open()'s liveness probe) gets nothing.
            if (request.empty()) return;
            return reply({false, "request not terminated by a newline"});
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return;
        Wait wait = wait_for(client, POLLIN, stop_read_, deadline);
        if (wait == Wait::Stopped || wait == Wait::Failed) return;
        if (wait == Wait::Timeout)
            return reply(
                {false, "no request line within " + std::to_string(client_timeout_.count()) + " ms"});
    }

    std::string_view line(request.data(), newline);
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);  // tolerate "\r\n" from nc -C and the like
    auto words = parse_control_request(line);
    if (!words) return reply({false, words.error().to_string()});
    ControlReply answer;
    try {
        answer = handler_(*words);
    } catch (const std::exception& e) {
        answer = {false, std::string("internal error: ") + e.what()};
    } catch (...) {
        answer = {false, "internal error"};
    }
    reply(answer);
}

Result<ControlReply> control_request(const std::string& path, const std::vector<std::string>& words,
                                     std::chrono::milliseconds timeout, ControlFailure* failure) {
    auto fail = [&](ControlFailure kind, Error error) -> Result<ControlReply> {
        if (failure) *failure = kind;
        return error;
    };

    std::string line;
    for (const auto& word : words) {
        if (word.empty() || word.find(' ') != std::string::npos)
            return fail(ControlFailure::BadRequest, make_error("'" + word + "' cannot be sent as one word"));
        if (!line.empty()) line += ' ';
        line += word;
    }
    if (auto parsed = parse_control_request(line); !parsed)
        return fail(ControlFailure::BadRequest, parsed.error());
    line += '\n';
    if (auto length = check_path_length(path); !length)
        return fail(ControlFailure::Transport, length.error());

    auto deadline = Clock::now() + timeout;
    auto timed_out = [&] {
        return fail(ControlFailure::Transport, make_error(path, "no reply from the danemail server within " +
                                                                    std::to_string(timeout.count()) + " ms"));
    };
    Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (socket.get() < 0)
        return fail(ControlFailure::Transport, make_error("cannot create a socket: " + errno_text(errno)));
    sockaddr_un address = socket_address(path);
    for (;;) {
        if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) break;
        int error = errno;
        if (error == EINTR) continue;
        if (error == ENOENT || error == ECONNREFUSED || error == ENOTDIR)
            return fail(ControlFailure::NotListening, make_error(not_listening(path)));
        if (error == EACCES || error == EPERM)
            return fail(ControlFailure::Transport,
                        make_error(path,
                                   "permission denied; run this as the user `danemail serve` runs as, or "
                                   "as root"));
        if (error != EAGAIN)
            return fail(ControlFailure::Transport, make_error(path, "cannot connect: " + errno_text(error)));
        // The server's queue is full (it serves one client at a time): try again shortly.
        if (Clock::now() >= deadline) return timed_out();
        (void)wait_for(-1, 0, -1, std::min(deadline, Clock::now() + std::chrono::milliseconds(50)));
    }

    // A server that refuses the request may close before reading all of it; its reply is still read.
    (void)send_all(socket.get(), line, -1, deadline);
    std::string received;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::recv(socket.get(), buffer, sizeof buffer, 0);
        if (n > 0) {
            received.append(buffer, static_cast<size_t>(n));
            if (received.size() > kMaxControlReply)
                return fail(ControlFailure::Transport,
                            make_error(path, "the server's reply is longer than " +
                                                 std::to_string(kMaxControlReply) + " bytes"));
            continue;
        }
        // A reset after the reply (the server closed with bytes of ours unread) ends it like a close.
        if (n == 0 || (n < 0 && errno == ECONNRESET)) break;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return fail(ControlFailure::Transport, make_error(path, "connection lost: " + errno_text(errno)));
        Wait wait = wait_for(socket.get(), POLLIN, -1, deadline);
        if (wait == Wait::Timeout) return timed_out();
        if (wait == Wait::Failed)
            return fail(ControlFailure::Transport,
                        make_error(path, "cannot wait for the reply: " + errno_text(errno)));
    }

    // The reply: text lines, then "ok" or "error" on a line of its own.
    if (received.empty() || received.back() != '\n')
        return fail(ControlFailure::Transport,
                    make_error(path, "the server closed the connection without a complete reply"));
    received.pop_back();
    size_t start = received.rfind('\n');
    std::string status = received.substr(start == std::string::npos ? 0 : start + 1);
    if (status != "ok" && status != "error")
        return fail(ControlFailure::Transport,
                    make_error(path, "the server's reply does not end with `ok` or `error`"));
    ControlReply reply;
    reply.ok = status == "ok";
    reply.text = start == std::string::npos ? std::string() : received.substr(0, start);
    return reply;
}

}  // namespace danemail::app
