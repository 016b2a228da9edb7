// Starting and stopping the lab's daemons: each runs detached (its own session, stdin from /dev/null,
// stdout and stderr appended to its log), is tracked by a pid file, and is stopped with SIGTERM, then
// SIGKILL when it has not ended after a grace period. Pid files are untrusted: a pid is acted on only when
// /proc shows a live process whose command line names the file it was started with.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace danemail::app::lab {

inline constexpr std::chrono::seconds kStopGrace{5};

struct Daemon {
    std::string program;            // the file executed: an absolute path, or /proc/self/exe
    std::vector<std::string> argv;  // argv[0] is the name the process shows
    std::string workdir;
    std::string log;
    std::string pid_file;  // written by the parent with the child's pid
    std::string marker;    // a string the command line contains (a config path), to recognise it later
};

// Forks, starts a new session and executes `daemon.program` with `daemon.argv` in it; returns the child's pid
// after writing it to the pid file. The child is this process's child until it exits: see has_exited().
Result<pid_t> start_daemon(const Daemon& daemon);

// The live process the pid file names and whose command line contains `marker`; nullopt otherwise.
std::optional<pid_t> running_pid(const std::string& pid_file, const std::string& marker);

// True once `pid` has ended (reaped here if it is our child; a zombie counts as ended).
bool has_exited(pid_t pid);

// SIGTERM, up to `grace` for it to end, then SIGKILL. True if it ended within the grace period.
bool stop_process(pid_t pid, std::chrono::milliseconds grace = kStopGrace);

// The path this program was executed from (/proc/self/exe's target).
std::string self_executable();
// The absolute path of `program` found in PATH, /usr/sbin or /sbin; empty when not found.
std::string find_program(const std::string& program);

// The last `lines` lines of a text file (for error messages pointing at a log).
std::string tail_of_file(const std::string& path, size_t lines);

}  // namespace danemail::app::lab
