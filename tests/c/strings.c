/* string.h, ctype.h and stdlib conversions over fixed inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <limits.h>
#include <errno.h>

int main(void)
{
	char buf[128];
	const char *s = "The quick brown fox jumps over the lazy dog";
	printf("strlen %zu\n", strlen(s));
	printf("strchr %s\n", strchr(s, 'q'));
	printf("strrchr %s\n", strrchr(s, 'o'));
	printf("strstr %s\n", strstr(s, "fox"));
	printf("strspn %zu strcspn %zu\n", strspn(s, "The "), strcspn(s, "xyz"));
	printf("strpbrk %s\n", strpbrk(s, "jz"));
	printf("strcmp %d %d %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("x", "x"));
	printf("strncmp %d strcasecmp %d strncasecmp %d\n", strncmp("abcdef", "abcxyz", 3), strcasecmp("HeLLo", "hello"),
	       strncasecmp("ABCd", "abce", 3));
	strcpy(buf, "copy");
	strcat(buf, " and cat");
	strncat(buf, " and more text", 9);
	printf("%s\n", buf);
	memset(buf, 'x', 10);
	buf[10] = 0;
	printf("memset %s\n", buf);
	memmove(buf + 2, buf, 5);
	memcpy(buf, "ab", 2);
	printf("memmove %s memcmp %d\n", buf, memcmp("abc", "abd", 3) < 0);
	printf("memchr %s\n", (char *)memchr(s, 'z', strlen(s)));
	char copy[] = "a,b,,c;d";
	for (char *tok = strtok(copy, ",;"); tok; tok = strtok(NULL, ",;"))
		printf("tok [%s]\n", tok);
	char *dup = strdup(s);
	printf("strdup equal %d, strndup %s\n", !strcmp(dup, s), strndup(s, 9));
	free(dup);
	for (int c = 0; c < 128; c += 1) {
		if (c % 16 == 0)
			printf("%3d:", c);
		printf(" %d%d%d%d%d%d%d", !!isalpha(c), !!isdigit(c), !!isspace(c), !!ispunct(c), !!isupper(c),
		       !!isxdigit(c), !!isprint(c));
		if (c % 16 == 15)
			printf("\n");
	}
	printf("toupper %c tolower %c\n", toupper('q'), tolower('Q'));
	const char *nums[] = { "0", "42", "-17", "0x1f", "077", "2147483647", "2147483648", "-9223372036854775808",
			       "99999999999999999999", "  +5abc", "abc", NULL };
	for (int i = 0; nums[i]; i++) {
		char *end;
		errno = 0;
		long v = strtol(nums[i], &end, 0);
		int e = errno;
		errno = 0;
		unsigned long u = strtoul(nums[i], NULL, 10);
		/* Only ERANGE is specified (POSIX lets a conversion of nothing
		 * set EINVAL or not); atoi of an out-of-range value is undefined. */
		printf("%-22s strtol %ld (%s, used %d) strtoul %lu atoi %d\n", nums[i], v,
		       e == ERANGE ? "ERANGE" : "in range", (int)(end - nums[i]), u,
		       e == ERANGE ? 0 : atoi(nums[i]));
	}
	printf("strtoll base 36 %lld, base 2 %lld\n", strtoll("zz", NULL, 36), strtoll("101101", NULL, 2));
	printf("abs %d labs %ld llabs %lld\n", abs(-5), labs(-6L), llabs(-7LL));
	div_t d = div(17, 5);
	ldiv_t ld = ldiv(-17, 5);
	printf("div %d %d ldiv %ld %ld\n", d.quot, d.rem, ld.quot, ld.rem);
	printf("strerror(ENOENT) %s\n", strerror(ENOENT));
	return 0;
}
