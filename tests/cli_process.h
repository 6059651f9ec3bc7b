// Runs the real cardsim binary in a child process for end-to-end tests:
// stdout discarded, stderr captured through a temporary file (no pipe, so a
// chatty child cannot block), an optional SIGINT after a delay, and a time
// limit so that a hanging run fails the test instead of hanging CTest.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cardsim::testing {

struct Outcome {
  bool exited = false;     // false: killed by a signal
  int code = -1;           // exit code, or the signal number
  bool timed_out = false;  // still running at the limit (then killed)
  std::string err;         // everything written to stderr
};

struct ChildOptions {
  double timeout_s = 120;    // kill and report a hang after this long
  double sigint_after_s = -1;  // send SIGINT this long after the start (< 0: never)
  std::vector<std::string> env;  // extra "NAME=value" settings for the child
  long file_size_limit = -1;     // RLIMIT_FSIZE in bytes (SIGXFSZ left at its default: it kills)
};

namespace detail {

/// In the child, before exec: the environment and limits asked for.
inline void prepare_child(const ChildOptions& opts) {
  for (const auto& kv : opts.env) putenv(strdup(kv.c_str()));
  if (opts.file_size_limit >= 0) {
    const rlimit lim{rlim_t(opts.file_size_limit), rlim_t(opts.file_size_limit)};
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  // As in a user's shell: a write past the limit kills the process unless
  // cardsim itself ignores the signal. (An ignored signal would stay ignored
  // across exec and hide that.)
  signal(SIGXFSZ, SIG_DFL);
}

inline pid_t spawn(std::vector<std::string> all, int err_fd, const ChildOptions& opts) {
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    prepare_child(opts);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

/// Waits for the child, sending SIGINT once when due and SIGKILL at the limit.
inline int wait_child(pid_t pid, const ChildOptions& opts, bool& timed_out) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  bool sent_sigint = false;
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if (!sent_sigint && opts.sigint_after_s >= 0 && elapsed >= opts.sigint_after_s) {
      kill(pid, SIGINT);
      sent_sigint = true;
    }
    if (elapsed >= opts.timeout_s) {
      timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace detail

/// Runs `cardsim args...` and reports how it ended.
inline Outcome run_cardsim(const std::vector<std::string>& args, const ChildOptions& opts = {}) {
  std::vector<std::string> all{CARDSIM_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  char path[] = "/tmp/cardsim_stderr_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const pid_t pid = detail::spawn(all, fd, opts);
  REQUIRE(pid >= 0);
  Outcome out;
  const int status = detail::wait_child(pid, opts, out.timed_out);
  close(fd);
  out.exited = WIFEXITED(status);
  out.code = out.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  out.err = buf.str();
  std::remove(path);
  return out;
}

}  // namespace cardsim::testing
