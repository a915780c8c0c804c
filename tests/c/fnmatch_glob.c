/* fnmatch patterns and flags, and glob over a tree the program builds: sorted results, GLOB_NOMATCH, GLOB_MARK, GLOB_NOCHECK, GLOB_APPEND, bracket and brace-free patterns. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

static void fm(const char *pat, const char *s, int flags)
{
	int r = fnmatch(pat, s, flags);
	printf("fnmatch %-12s %-14s %d -> %s\n", pat, s, flags, r == 0 ? "match" : r == FNM_NOMATCH ? "no" : "error");
}

static void show(const char *what, int r, glob_t *g)
{
	printf("%s: %s", what, r == 0 ? "ok" : r == GLOB_NOMATCH ? "GLOB_NOMATCH" : "error");
	for (size_t i = 0; r == 0 && i < g->gl_pathc; i++)
		printf(" %s", g->gl_pathv[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	fm("*.c", "main.c", 0);
	fm("*.c", "dir/main.c", 0);
	fm("*.c", "dir/main.c", FNM_PATHNAME);
	fm("*/*.c", "dir/main.c", FNM_PATHNAME);
	fm("*", ".hidden", FNM_PERIOD);
	fm("*", ".hidden", 0);
	fm("?.txt", "a.txt", 0);
	fm("?.txt", "ab.txt", 0);
	fm("[abc]x", "bx", 0);
	fm("[!abc]x", "bx", 0);
	fm("[a-f]*", "elephant", 0);
	fm("[[:digit:]]*", "9lives", 0);
	fm("\\*", "*", 0);
	fm("\\*", "*", FNM_NOESCAPE);
	fm("a*b*c", "aXXbYYc", 0);
	fm("a*b*c", "aXXbYY", 0);
	fm("[]]", "]", 0);

	const char *dirs[] = { "tree", "tree/src", "tree/src/sub", "tree/docs", "tree/.git" };
	const char *files[] = { "tree/a.c", "tree/b.c", "tree/c.h", "tree/README", "tree/src/x.c", "tree/src/y.c",
				"tree/src/z.txt", "tree/src/sub/deep.c", "tree/docs/guide.md", "tree/.hidden.c",
				"tree/1.log", "tree/2.log", "tree/10.log" };
	for (unsigned i = 0; i < sizeof dirs / sizeof *dirs; i++)
		mkdir(dirs[i], 0755);
	for (unsigned i = 0; i < sizeof files / sizeof *files; i++)
		close(open(files[i], O_CREAT | O_WRONLY, 0644));
	glob_t g;
	show("tree/*.c", glob("tree/*.c", 0, NULL, &g), &g);
	globfree(&g);
	show("tree/*", glob("tree/*", 0, NULL, &g), &g);
	globfree(&g);
	show("tree/*/*.c", glob("tree/*/*.c", 0, NULL, &g), &g);
	globfree(&g);
	show("tree/*/*/*", glob("tree/*/*/*", 0, NULL, &g), &g);
	globfree(&g);
	show("tree/?.log", glob("tree/?.log", 0, NULL, &g), &g);
	globfree(&g);
	show("tree/[ab].*", glob("tree/[ab].*", 0, NULL, &g), &g);
	globfree(&g);
	show("tree/.*.c", glob("tree/.*.c", 0, NULL, &g), &g);
	globfree(&g);
	show("GLOB_MARK tree/*", glob("tree/*", GLOB_MARK, NULL, &g), &g);
	globfree(&g);
	show("tree/*.none", glob("tree/*.none", 0, NULL, &g), &g);
	show("GLOB_NOCHECK", glob("tree/*.none", GLOB_NOCHECK, NULL, &g), &g);
	globfree(&g);
	glob("tree/*.h", 0, NULL, &g);
	show("GLOB_APPEND", glob("tree/src/*.c", GLOB_APPEND, NULL, &g), &g);
	globfree(&g);
	show("no wildcard", glob("tree/README", 0, NULL, &g), &g);
	globfree(&g);
	show("missing dir", glob("nowhere/*", 0, NULL, &g), &g);
	for (int i = sizeof files / sizeof *files - 1; i >= 0; i--)
		unlink(files[i]);
	for (int i = sizeof dirs / sizeof *dirs - 1; i >= 0; i--)
		rmdir(dirs[i]);
	return 0;
}
