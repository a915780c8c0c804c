/* sscanf %[...] scan sets (ranges, negation, ']' first, '-' last), %n counts and whitespace handling. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char a[64], b[64], c[64];
	int n1, n2, r, x;

	r = sscanf("abc123def", "%[a-z]%[0-9]%s", a, b, c);
	printf("%d: %s|%s|%s\n", r, a, b, c);
	r = sscanf("hello, world", "%[^,], %[^\n]", a, b);
	printf("%d: %s|%s\n", r, a, b);
	r = sscanf("]]]x", "%[]]%s", a, b);
	printf("%d: %s|%s\n", r, a, b);
	r = sscanf("a-b-c+d", "%[a-c-]%s", a, b);
	printf("%d: %s|%s\n", r, a, b);
	r = sscanf("xyz]abc", "%[^]]]%s", a, b);
	printf("%d: %s|%s\n", r, a, b);
	r = sscanf("ABCDEF", "%3[A-Z]%2[A-Z]", a, b);
	printf("%d: %s|%s\n", r, a, b);
	r = sscanf("123", "%[a-z]", a);
	printf("no match: %d\n", r);
	r = sscanf("  spaces", "%[ ]%s", a, b);
	printf("%d: [%s]|%s\n", r, a, b);
	r = sscanf("tab\there", "%[^\t]\t%s", a, b);
	printf("%d: %s|%s\n", r, a, b);
	r = sscanf("AbCd", "%*[A-Z]%[a-z]", a);
	printf("suppressed: %d %s\n", r, a);

	n1 = n2 = -1;
	r = sscanf("  42  rest", " %d%n %n", &x, &n1, &n2);
	printf("%%n: %d x=%d n1=%d n2=%d\n", r, x, n1, n2);
	n1 = -1;
	r = sscanf("abc", "abc%n", &n1);
	printf("%%n after literal: %d n=%d\n", r, n1);
	n1 = -1;
	r = sscanf("abd", "abc%n", &n1);
	printf("%%n not reached: %d n=%d\n", r, n1);
	n1 = -1;
	r = sscanf("", "%n", &n1);
	printf("%%n on empty: %d n=%d\n", r, n1);

	/* Parse a whole line of records with %n to advance. */
	const char *line = "id=1,name=alpha;id=22,name=beta;id=333,name=gamma;";
	int off = 0, id, used;
	char name[16];
	while (sscanf(line + off, "id=%d,name=%15[^;];%n", &id, name, &used) == 2) {
		printf("record %d %s (consumed %d)\n", id, name, used);
		off += used;
	}
	printf("stopped at offset %d of %zu\n", off, strlen(line));

	/* Whitespace in the format matches any amount, including none. */
	r = sscanf("1\n\n\t 2", "%d %d", &n1, &n2);
	printf("%d: %d %d\n", r, n1, n2);
	r = sscanf("12", "%d %d", &n1, &n2);
	printf("eof after first: %d\n", r);
	r = sscanf("1,2", "%d , %d", &n1, &n2);
	printf("%d: %d %d\n", r, n1, n2);
	return 0;
}
