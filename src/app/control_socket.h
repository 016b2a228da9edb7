// The control socket: a unix-domain stream socket on which a running `danemail serve` takes one-line
// commands from the `danemail` subcommands (reload, keys, status, ...). Requests are untrusted local input:
// at most kMaxControlRequest bytes of printable UTF-8 ending in "\n", read under a time limit; anything
// else gets an `error` reply. Replies are the handler's text, then a final line "ok" or "error".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"

namespace danemail::app {

// The longest request line, its "\n" included.
inline constexpr size_t kMaxControlRequest = 4096;
// The longest reply the client reads (text and status line).
inline constexpr size_t kMaxControlReply = 1 << 20;
// How long a client may take to send its request line (and to take the reply) before it is dropped.
inline constexpr std::chrono::milliseconds kControlClientTimeout{5000};

// What the server answers: `text` (any number of lines, may be empty) and whether the command succeeded.
struct ControlReply {
    bool ok = false;
    std::string text;
};

// Splits a request line (without its "\n") into words separated by spaces. Errors when the line is empty,
// longer than kMaxControlRequest - 1, or holds anything but printable UTF-8 (no control characters, no
// overlong forms or surrogates).
Result<std::vector<std::string>> parse_control_request(std::string_view line);

// Serves the control socket on a thread of its own, one client at a time. The handler runs on that thread;
// an exception it throws becomes an `error` reply. The handler must not call stop() (it would wait for
// itself); a command that stops the server should hand that to another thread.
class ControlServer {
public:
    using Handler = std::function<ControlReply(const std::vector<std::string>& words)>;

    // Creates the socket file at `path` with mode 0600, creating missing parent folders with mode 0700. A
    // stale socket file left by a dead server is replaced; a live server on `path`, a path that is not a
    // socket, or one too long for a unix socket address is an error. Nothing is served before start().
    // `client_timeout` is for tests; servers keep the default.
    static Result<std::unique_ptr<ControlServer>> open(
        const std::string& path, Handler handler,
        std::chrono::milliseconds client_timeout = kControlClientTimeout);

    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;
    ~ControlServer();  // stop()

    // Starts the serving thread (once; later calls do nothing).
    void start();
    // Stops the thread, dropping a client being served, closes the socket and removes the socket file if it
    // is still the one open() made. Safe to call more than once.
    void stop();

    const std::string& path() const { return path_; }

private:
    ControlServer(std::string path, Handler handler, std::chrono::milliseconds client_timeout);
    void serve();
    void serve_client(int client);

    std::string path_;
    Handler handler_;
    std::chrono::milliseconds client_timeout_;
    int listen_fd_ = -1;
    int stop_read_ = -1;  // the stop pipe: stop() writes a byte, the thread polls the read end
    int stop_write_ = -1;
    dev_t socket_dev_ = 0;  // the socket file open() created, so stop() removes only that one
    ino_t socket_ino_ = 0;
    std::thread thread_;
};

// Why control_request failed, for the exit status of the command that asked.
enum class ControlFailure {
    NotListening,  // no socket file, or nobody accepting on it
    BadRequest,    // the words cannot be sent (empty, spaces inside a word, not printable, too long)
    Transport,     // permission denied, timeout, connection lost, or a malformed reply
};

// Sends `words` to the server on `path` and returns its reply; `timeout` bounds the whole exchange. Errors
// say what to do, e.g. "no danemail server is listening on PATH (is `danemail serve` running?)"; when
// `failure` is given it is set to the kind of error.
Result<ControlReply> control_request(const std::string& path, const std::vector<std::string>& words,
                                     std::chrono::milliseconds timeout, ControlFailure* failure = nullptr);

}  // namespace danemail::app
