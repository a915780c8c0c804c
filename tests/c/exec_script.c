/* #! scripts: a file starting with "#!" names its interpreter (here this
 * program, by its full path) and at most one optional argument; execve of
 * the script runs the interpreter with argv = { interpreter, [optional
 * argument,] script path as given, the rest of the script's argv after
 * argv[0] }. The interpreter reads the script. A missing interpreter is
 * ENOENT; a file that is neither a program nor a script is ENOEXEC (or
 * EACCES without execute permission on the host). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"


static const char *self;

/* Run as the interpreter. */
static int interpret(int argc, char **argv)
{
	printf("  interpreter: argv[0] is this program: %d\n", strcmp(argv[0], self) == 0);
	for (int i = 1; i < argc; i++)
		printf("  argv[%d] [%s]\n", i, argv[i]);
	/* The script is the first argument after the optional one. */
	const char *script = argc > 2 && !strcmp(argv[1], "interp-opt") ? argv[2] : argv[1];
	FILE *f = fopen(script, "r");
	if (!f) {
		printf("  cannot open the script\n");
		return 1;
	}
	char line[512];
	int lines = 0;
	while (fgets(line, sizeof line, f)) {
		lines++;
		if (lines > 1)
			printf("  script says: %s", line);
	}
	fclose(f);
	return lines;
}

static void write_script(const char *name, const char *first, const char *body)
{
	FILE *f = fopen(name, "w");
	fprintf(f, "%s\n%s", first, body);
	fclose(f);
	chmod(name, 0755);
}

static void run(const char *script, char **args)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		char *env[] = { "SCRIPT_ENV=1", NULL };
		execve(script, args, env);
		int e = errno;
		printf("  execve %s failed: %s\n", script, e == ENOENT ? "ENOENT" : e == ENOEXEC || e == EACCES ? "refused" : errname(e));
		fflush(stdout);
		_exit(126);
	}
	int status;
	waitpid(p, &status, 0);
	printf("%s: exited %d\n", script, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	self = find_self(argv[0]);
	if (argc > 1 && (!strcmp(argv[1], "interp-opt") || !strncmp(argv[1], "./", 2)))
		return interpret(argc, argv);
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	char first[PATH_MAX + 32];
	snprintf(first, sizeof first, "#!%s interp-opt", self);
	write_script("with-arg", first, "hello from a script\nsecond line\n");
	snprintf(first, sizeof first, "#! %s", self);
	write_script("no-arg", first, "no optional argument here\n");
	write_script("missing", "#!/no/such/interpreter", "never read\n");
	write_script("plain", "just text", "not a program\n");

	char *a1[] = { "ignored-argv0", "one", "two words", NULL };
	run("./with-arg", a1);
	char *a2[] = { "name", NULL };
	run("./no-arg", a2);
	run("./missing", a2);
	run("./plain", a2);
	unlink("with-arg");
	unlink("no-arg");
	unlink("missing");
	unlink("plain");
	return 0;
}
