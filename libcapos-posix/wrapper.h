/*
 * The musl headers libcapos-posix takes its constants and structure
 * layouts from (build.rs runs bindgen on this file against the sysroot's
 * include/), so C and Rust cannot disagree on them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <elf.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
