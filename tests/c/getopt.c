/* getopt and getopt_long over a fixed command line. */
#include <stdio.h>
#include <unistd.h>
#include <getopt.h>

int main(int argc, char **argv)
{
	/* argv[1] is the scratch directory: skip it. */
	argv[1] = argv[0];
	argc--;
	argv++;
	int c;
	opterr = 0;
	while ((c = getopt(argc, argv, "ab:c::")) != -1) {
		switch (c) {
		case 'a': printf("option a\n"); break;
		case 'b': printf("option b with %s\n", optarg); break;
		case 'c': printf("option c with %s\n", optarg ? optarg : "(none)"); break;
		case '?': printf("unknown option %c\n", optopt); break;
		default: printf("? %d\n", c);
		}
	}
	for (int i = optind; i < argc; i++)
		printf("operand %s\n", argv[i]);
	static struct option longs[] = {
		{ "verbose", no_argument, 0, 'v' },
		{ "name", required_argument, 0, 'n' },
		{ 0, 0, 0, 0 },
	};
	char *args2[] = { "prog", "--verbose", "--name=capos", "-v", "--name", "second", "rest", NULL };
	optind = 1;
	int index;
	while ((c = getopt_long(7, args2, "vn:", longs, &index)) != -1)
		printf("long option %c %s\n", c, optarg ? optarg : "");
	printf("optind %d -> %s\n", optind, args2[optind]);
	return 0;
}
