/* POSIX regular expressions: basic and extended syntax, anchors, classes, alternation, bracket expressions, back-references, submatch offsets, REG_ICASE, REG_NOSUB, REG_NEWLINE, REG_NOMATCH and compile errors. */
#include <stdio.h>
#include <regex.h>

static void try(const char *re, int flags, const char *text)
{
	regex_t r;
	regmatch_t m[5];
	int e = regcomp(&r, re, flags);
	if (e != 0) {
		printf("%-24s compile error (nonzero %d)\n", re, e != 0);
		return;
	}
	printf("%-24s %-22s nsub %zu:", re, text, r.re_nsub);
	e = regexec(&r, text, 5, m, 0);
	if (e == REG_NOMATCH)
		printf(" no match");
	else if (e != 0)
		printf(" error");
	else if (flags & REG_NOSUB)
		printf(" match");
	else
		for (int i = 0; i < 5 && i <= (int)r.re_nsub; i++)
			printf(" [%d,%d)", (int)m[i].rm_so, (int)m[i].rm_eo);
	printf("\n");
	regfree(&r);
}

int main(void)
{
	try("abc", 0, "xxabcxx");
	try("^abc", 0, "xxabc");
	try("abc$", 0, "xxabc");
	try("a.c", 0, "a-c");
	try("a*b", 0, "caaab");
	try("\\(ab\\)*c", 0, "ababc");
	try("\\(a\\)\\(b\\)\\1\\2", 0, "zabab");
	try("a\\{2,3\\}", 0, "aaaa");
	try("[[:digit:]]\\+", 0, "x123y");
	try("(foo|bar)+", REG_EXTENDED, "xfoobarfoo!");
	try("([a-z]+)@([a-z]+)\\.com", REG_EXTENDED, "mail bob@example.com now");
	try("^[^ ]+ [0-9]{3}$", REG_EXTENDED, "HTTP 200");
	try("colou?r", REG_EXTENDED, "color");
	try("a{2}b{1,}", REG_EXTENDED, "aaabbb");
	try("[]a]+", REG_EXTENDED, "x]a]b");
	try("[^[:space:]]+", REG_EXTENDED, "   word  ");
	try("[[:upper:]][[:lower:]]*", REG_EXTENDED, "hello World");
	try("HELLO", REG_ICASE, "say hello");
	try("x+y", REG_EXTENDED | REG_NOSUB, "xxxy");
	try("^second", REG_EXTENDED | REG_NEWLINE, "first\nsecond");
	try("^second", REG_EXTENDED, "first\nsecond");
	try("first.second", REG_EXTENDED | REG_NEWLINE, "first\nsecond");
	try("(a|ab)(c|bcd)(d*)", REG_EXTENDED, "abcd");
	try("(.*)-(.*)", REG_EXTENDED, "a-b-c");
	try("()", REG_EXTENDED, "abc");
	try("(unclosed", REG_EXTENDED, "x");
	try("a{2,1}", REG_EXTENDED, "aa");
	try("[z-a]", REG_EXTENDED, "x");
	try("\\(", 0, "x");
	regex_t r;
	regcomp(&r, "[0-9]+", REG_EXTENDED);
	const char *s = "a1 b22 c333 d4444";
	regmatch_t m;
	int off = 0, count = 0;
	while (regexec(&r, s + off, 1, &m, off ? REG_NOTBOL : 0) == 0) {
		printf("number %.*s at %d\n", (int)(m.rm_eo - m.rm_so), s + off + m.rm_so, off + (int)m.rm_so);
		off += m.rm_eo;
		count++;
	}
	printf("%d numbers\n", count);
	regfree(&r);
	return 0;
}
