/* getopt_long and getopt_long_only over many fixed argument vectors: required/optional arguments, --opt=val, abbreviations, flags, unknown options, "--", permutation. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

static int verbose;

static const struct option opts[] = {
	{ "verbose", no_argument, &verbose, 1 },
	{ "quiet", no_argument, &verbose, 0 },
	{ "output", required_argument, NULL, 'o' },
	{ "level", optional_argument, NULL, 'l' },
	{ "long-only", no_argument, NULL, 1000 },
	{ "longer", no_argument, NULL, 1001 },
	{ NULL, 0, NULL, 0 },
};

static void run(int only, const char *optstring, const char *line)
{
	char copy[256], *argv[32];
	int argc = 0;
	snprintf(copy, sizeof copy, "prog %s", line);
	for (char *t = strtok(copy, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	optind = 0; /* full reset, as glibc and musl both document */
	opterr = 0;
	verbose = -1;
	printf("%s%s [%s]:", only ? "long_only " : "", optstring, line);
	int c, idx;
	while ((c = (only ? getopt_long_only : getopt_long)(argc, argv, optstring, opts, &idx)) != -1) {
		switch (c) {
		case 0: printf(" flag(%s)=%d", opts[idx].name, verbose); break;
		case 'a': printf(" a"); break;
		case 'b': printf(" b=%s", optarg); break;
		case 'c': printf(" c=%s", optarg ? optarg : "(none)"); break;
		case 'o': printf(" o=%s", optarg); break;
		case 'l': printf(" level=%s", optarg ? optarg : "(none)"); break;
		case 1000: case 1001: printf(" %s", opts[idx].name); break;
		case '?': printf(" ?(%c)", optopt > 32 && optopt < 127 ? optopt : '-'); break;
		case ':': printf(" :(%c)", optopt); break;
		default: printf(" [%d]", c);
		}
	}
	/* A missing argument for the last option: POSIX says optind goes up by 2 past argc (musl),
	 * glibc stops at argc; print the standard-fixed part only. */
	printf(" | optind %d rest:", optind > argc ? argc : optind);
	for (int i = optind; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
}

int main(void)
{
	const char *lines[] = {
		"-a -b x file",
		"--verbose --output out.txt",
		"--output=o2 --level --level=3",
		"--outp=abbrev --verb",
		"--long",
		"--long-only --longer",
		"-c -cval -ab arg",
		"--unknown -a",
		"-z",
		"-a -- -b x",
		"-a file -b x",
		"--output",
		"-b",
		"--quiet=arg",
		"-",
		"--verbose=",
	};
	for (unsigned i = 0; i < sizeof lines / sizeof *lines; i++)
		run(0, "+ab:c::o:", lines[i]);
	/* Without '+', options after operands are permuted to the front. */
	run(0, "ab:c::o:", "file1 -a file2 --verbose -b x file3");
	run(0, "ab:c::o:", "-a file1 -- -b x");
	run(1, "+ab:c::o:", "-verbose -output=x -o y -a");
	run(1, "+ab:c::o:", "-level=5 -long-only");
	return 0;
}
