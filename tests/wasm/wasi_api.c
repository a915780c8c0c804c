// Preview 1 calls used directly (wasi/api.h): preopen names, fdstat file
// types and rights, fd_renumber, fd_tell, fdstat flags, path_filestat_get,
// fd_advise, fd_allocate, fd_sync, sched_yield, sockets on a non-socket.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

int main(void) {
    for (__wasi_fd_t fd = 0; fd < 6; fd++) {
        __wasi_prestat_t pre;
        __wasi_errno_t e = __wasi_fd_prestat_get(fd, &pre);
        if (e) {
            printf("fd %u: prestat errno %u\n", fd, e);
            continue;
        }
        char name[64] = {0};
        e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, pre.u.dir.pr_name_len);
        printf("fd %u: preopen \"%s\" (length %u, errno %u)\n", fd, name, pre.u.dir.pr_name_len, e);
    }
    __wasi_fdstat_t st;
    __wasi_fd_fdstat_get(3, &st);
    printf("fd 3 filetype %u\n", st.fs_filetype);

    int fd = open("/tmp/w.txt", O_CREAT | O_RDWR, 0644);
    __wasi_fd_fdstat_get(fd, &st);
    printf("file filetype %u, read right %d, write right %d\n", st.fs_filetype,
           (st.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0, (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0);
    write(fd, "0123456789", 10);
    __wasi_filesize_t pos;
    printf("fd_tell errno %u, position %llu\n", __wasi_fd_tell(fd, &pos), (unsigned long long)pos);
    printf("fd_advise errno %u\n", __wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_SEQUENTIAL));
    printf("fd_allocate errno %u\n", __wasi_fd_allocate(fd, 0, 100));
    __wasi_filestat_t fs;
    printf("fd_filestat_get errno %u, size %llu, type %u\n", __wasi_fd_filestat_get(fd, &fs),
           (unsigned long long)fs.size, fs.filetype);
    printf("fd_sync errno %u, fd_datasync errno %u\n", __wasi_fd_sync(fd), __wasi_fd_datasync(fd));
    printf("set flags APPEND errno %u\n", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    __wasi_fd_fdstat_get(fd, &st);
    printf("flags now %u\n", st.fs_flags);

    int other = open("/tmp/other.txt", O_CREAT | O_RDWR, 0644);
    printf("renumber errno %u\n", __wasi_fd_renumber(fd, other));
    printf("old fd closed: fdstat errno %u\n", __wasi_fd_fdstat_get(fd, &st));
    printf("renumber from closed fd errno %u\n", __wasi_fd_renumber(fd, other));
    printf("renumber to closed fd errno %u\n", __wasi_fd_renumber(other, 99));
    __wasi_fd_filestat_get(other, &fs);
    printf("fd %s now holds w.txt: size %llu\n", other > fd ? "above" : "below", (unsigned long long)fs.size);

    printf("path_filestat_get errno %u", __wasi_path_filestat_get(3, 0, "w.txt", &fs));
    printf(", type %u, size %llu\n", fs.filetype, (unsigned long long)fs.size);
    printf("path_filestat_get missing errno %u\n", __wasi_path_filestat_get(3, 0, "nope", &fs));
    printf("path_filestat_get escape errno %u\n", __wasi_path_filestat_get(3, 0, "../x", &fs));
    printf("path_filestat_get absolute errno %u\n", __wasi_path_filestat_get(3, 0, "/etc", &fs));
    printf("sched_yield errno %u\n", __wasi_sched_yield());
    printf("fd_read on a closed fd errno %u\n", __wasi_fd_close(42));
    printf("seek on stdout errno %u\n", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos));
    return 0;
}
