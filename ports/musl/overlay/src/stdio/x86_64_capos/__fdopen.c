/* capOS: musl's own __fdopen (src/stdio/__fdopen.c, included unchanged
 * below) with a FILE buffer of CAPOS_FILE_BUFFER bytes instead of BUFSIZ
 * (1024) for the streams fopen and fdopen make. Every write or read that
 * reaches the file service is a round trip to another process, so a
 * 100 000-line fprintf loop made 3 300 of them with 1 KiB; glibc sizes
 * the same buffer from st_blksize (4096 on tmpfs and ext4). BUFSIZ itself
 * (what setbuf's buffer must hold) and stdin, stdout and stderr's static
 * buffers do not change (docs/performance.md, ports/musl/README.md). */
#include <stdio.h>

#define CAPOS_FILE_BUFFER 4096

#undef BUFSIZ
#define BUFSIZ CAPOS_FILE_BUFFER
#include "../__fdopen.c"
