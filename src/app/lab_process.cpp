// Detached daemons with pid files, for the lab's servers: fork, setsid, exec; stop with SIGTERM/SIGKILL.
#include "app/lab_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/file_io.h"

namespace danemail::app::lab {
namespace {

constexpr std::chrono::milliseconds kPollInterval{50};

// The process's state letter from /proc/PID/stat ('R', 'S', 'Z', ...); 0 when there is no such process.
char process_state(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return 0;
    const size_t close = text.rfind(')');  // the command name may contain spaces and parentheses
    if (close == std::string::npos || close + 2 >= text.size()) return 0;
    return text[close + 2];
}

std::string command_line(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    for (char& c : text)
        if (c == '\0') c = ' ';
    return text;
}

}  // namespace

Result<pid_t> start_daemon(const Daemon& daemon) {
    if (daemon.program.empty() || daemon.argv.empty()) return make_error("start_daemon: no program");
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<char*> argv;
    for (const std::string& arg : daemon.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const int log_fd = ::open(daemon.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0)
        return make_error(daemon.log, std::string("cannot open the log: ") + std::strerror(errno));
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) {
        ::close(log_fd);
        return make_error("/dev/null", std::strerror(errno));
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setsid();
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int signal : {SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) ::signal(signal, SIG_DFL);
        if (::chdir(daemon.workdir.c_str()) != 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 ||
            ::dup2(log_fd, 2) < 0)
            ::_exit(126);
        ::close_range(3, ~0u, 0);  // nothing else leaks in: no pipes of whoever ran `lab up`
        ::execv(daemon.program.c_str(), argv.data());
        static const char message[] = "danemail lab: exec failed\n";
        [[maybe_unused]] ssize_t ignored = ::write(2, message, sizeof message - 1);
        ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(log_fd);
    ::close(null_fd);
    if (pid < 0) return make_error(std::string("fork: ") + std::strerror(fork_errno));
    if (auto s = write_file_atomic(daemon.pid_file, std::to_string(pid) + "\n"); !s) {
        stop_process(pid);
        return s.error();
    }
    return pid;
}

std::optional<pid_t> running_pid(const std::string& pid_file, const std::string& marker) {
    auto text = read_file(pid_file);
    if (!text) return std::nullopt;
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (value <= 1 || value > 1 << 22 || end == text->c_str()) return std::nullopt;
    const pid_t pid = static_cast<pid_t>(value);
    const char state = process_state(pid);
    if (state == 0 || state == 'Z' || state == 'X') return std::nullopt;
    if (command_line(pid).find(marker) == std::string::npos) return std::nullopt;  // a reused pid
    return pid;
}

bool has_exited(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return true;  // our child, now reaped
    const char state = process_state(pid);
    return state == 0 || state == 'Z' || state == 'X';
}

bool stop_process(pid_t pid, std::chrono::milliseconds grace) {
    if (has_exited(pid)) return true;
    ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (has_exited(pid)) return true;
        std::this_thread::sleep_for(kPollInterval);
    }
    ::kill(pid, SIGKILL);
    for (int i = 0; i < 40 && !has_exited(pid); ++i) std::this_thread::sleep_for(kPollInterval);
    return false;
}

std::string self_executable() {
    std::error_code ec;
    auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("/proc/self/exe") : path.string();
}

std::string find_program(const std::string& program) {
    std::string search = std::getenv("PATH") ? std::getenv("PATH") : "";
    search += ":/usr/sbin:/sbin";
    std::stringstream folders(search);
    std::string folder;
    while (std::getline(folders, folder, ':')) {
        if (folder.empty()) continue;
        const std::string candidate = (std::filesystem::path(folder) / program).string();
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

std::string tail_of_file(const std::string& path, size_t lines) {
    std::ifstream file(path);
    std::deque<std::string> last;
    std::string line;
    while (std::getline(file, line)) {
        last.push_back(line);
        if (last.size() > lines) last.pop_front();
    }
    std::string text;
    for (const std::string& kept : last) text += "    " + kept + "\n";
    return text;
}

}  // namespace danemail::app::lab
