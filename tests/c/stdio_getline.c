/* getline/getdelim on standard input: long lines that force reallocation (under 4096 bytes: capOS's
 * standard input is a canonical-mode terminal, which like Linux's caps a line at 4096), a missing final newline, custom delimiters, and EOF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int count = 0;
	unsigned long sum = 0;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		count++;
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)line[i];
		if (line[0] == '=') {
			/* The rest of the input is ';'-separated records. */
			break;
		}
		printf("line %d: %zd bytes, ends with newline %d, strlen %zu\n", count, n, line[n - 1] == '\n',
		       strlen(line));
	}
	printf("hash %lu after %d lines\n", sum, count);
	while ((n = getdelim(&line, &cap, ';', stdin)) > 0)
		printf("record %zd [%.*s]\n", n, (int)(n > 30 ? 30 : n), line);
	printf("at eof: %zd feof %d\n", n, feof(stdin));
	printf("getline again: %zd\n", getline(&line, &cap, stdin));
	free(line);
	/* Buffer pointer NULL with a nonzero size is still allocated. */
	char *p = NULL;
	size_t c2 = 100;
	FILE *m = fmemopen("x\ny", 3, "r");
	n = getline(&p, &c2, m);
	printf("fresh buffer %zd [%c]\n", n, p[0]);
	n = getline(&p, &c2, m);
	printf("no newline %zd [%s]\n", n, p);
	fclose(m);
	free(p);
	return 0;
}
