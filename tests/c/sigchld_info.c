// SIGCHLD's siginfo: si_pid, si_code (CLD_EXITED, CLD_KILLED) and
// si_status (the exit code's low byte, or the signal), through an
// SA_SIGINFO handler and through sigwaitinfo.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, got_pid, got_code, got_status;

static void on_chld(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    got = 1;
    got_pid = info->si_pid;
    got_code = info->si_code;
    got_status = info->si_status;
}

static const char *code_name(int code) {
    return code == CLD_EXITED ? "CLD_EXITED" : code == CLD_KILLED ? "CLD_KILLED" : code == CLD_DUMPED ? "CLD_DUMPED" : "other";
}

static void by_handler(const char *what, int exit_code, int kill_with) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    got = 0;
    pid_t child = fork();
    if (child == 0) {
        if (kill_with) pause();
        _exit(exit_code);
    }
    if (kill_with) kill(child, kill_with);
    int status;
    waitpid(child, &status, 0);
    // The signal came meanwhile (blocked): unblocking runs the handler.
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("%s: handler ran %d, si_pid is the child %d, %s, si_status %d\n", what, (int)got,
           got_pid == child, code_name(got_code), (int)got_status);
}

static void by_sigwaitinfo(const char *what, int exit_code) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t child = fork();
    if (child == 0) _exit(exit_code);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int sig = sigwaitinfo(&set, &info);
    printf("%s: sigwaitinfo %s, si_pid is the child %d, %s, si_status %d\n", what,
           sig == SIGCHLD ? "SIGCHLD" : "other", info.si_pid == child, code_name(info.si_code), info.si_status);
    waitpid(child, NULL, 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    by_handler("exit 7", 7, 0);
    by_handler("exit 300", 300, 0);
    by_handler("SIGTERM", 0, SIGTERM);
    by_handler("SIGKILL", 0, SIGKILL);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    sigaction(SIGCHLD, &sa, NULL);
    by_sigwaitinfo("exit 42", 42);
    return 0;
}
