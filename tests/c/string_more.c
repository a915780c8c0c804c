/* Locale-free string functions: strtok/strtok_r/strsep, strspn/strcspn/strpbrk, memmem/memrchr/memccpy, stpcpy/stpncpy, strndup, strcasecmp/strncasecmp, strlcpy-free copying, strverscmp-free ordering, memmove overlap. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int main(void)
{
	char s[] = "  alpha, beta;;gamma ,delta  ";
	for (char *t = strtok(s, " ,;"); t; t = strtok(NULL, " ,;"))
		printf("strtok [%s]\n", t);
	char s2[] = "a=1&b=2&&c=3";
	char *save, *tok;
	for (tok = strtok_r(s2, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		char *inner, *k = strtok_r(tok, "=", &inner), *v = strtok_r(NULL, "=", &inner);
		printf("strtok_r %s -> %s\n", k, v ? v : "(null)");
	}
	char s3[] = "x,,y,", *p = s3;
	while ((tok = strsep(&p, ",")))
		printf("strsep [%s]\n", tok);
	printf("strspn %zu strcspn %zu strpbrk %s\n", strspn("123abc", "0123456789"), strcspn("hello world", "ow"),
	       strpbrk("capability", "xyzb"));
	const char hay[] = "the quick brown fox jumps over the lazy dog";
	printf("memmem %td %d\n", (char *)memmem(hay, sizeof hay - 1, "the", 3) - hay,
	       memmem(hay, sizeof hay - 1, "cat", 3) == NULL);
	printf("memmem empty needle %td\n", (char *)memmem(hay, 5, "", 0) - hay);
	printf("memrchr %td memchr %td\n", (char *)memrchr(hay, 'o', sizeof hay - 1) - hay,
	       (char *)memchr(hay, 'o', sizeof hay - 1) - hay);
	char dst[64];
	memset(dst, '.', sizeof dst);
	char *end = memccpy(dst, "copy until: here", ':', sizeof dst);
	printf("memccpy stopped after %td bytes: %.*s\n", end - dst, (int)(end - dst), dst);
	end = stpcpy(stpcpy(dst, "one"), "two");
	printf("stpcpy [%s] len %td\n", dst, end - dst);
	memset(dst, 'x', 10);
	end = stpncpy(dst, "ab", 5);
	printf("stpncpy pads: %d %d %d %c offset %td\n", dst[2], dst[3], dst[4], dst[5], end - dst);
	char *d = strndup("truncate me", 8);
	printf("strndup [%s] strnlen %zu %zu\n", d, strnlen(d, 3), strnlen(d, 100));
	free(d);
	printf("strcasecmp %d %d %d strncasecmp %d\n", strcasecmp("HeLLo", "hello") == 0, strcasecmp("a", "B") < 0,
	       strcasecmp("Z", "a") > 0, strncasecmp("ABCdef", "abcXYZ", 3));
	printf("strcasestr %s\n", strcasestr("Capability OS", "os"));
	char ov[] = "0123456789";
	memmove(ov + 2, ov, 5);
	printf("memmove right [%s]\n", ov);
	memmove(ov, ov + 3, 6);
	printf("memmove left [%s]\n", ov);
	printf("strcmp signs: %d %d %d\n", strcmp("abc", "abd") < 0, strcmp("abc", "ab") > 0, strcmp("\xff", "a") > 0);
	printf("memcmp unsigned: %d\n", memcmp("\x80", "\x7f", 1) > 0);
	printf("strncmp %d strncat [%s]\n", strncmp("abcdef", "abcxyz", 3), strncat(strcpy(dst, "base"), "+extra", 3));
	const char *abc = "abc";
	printf("strchr nul at %td strrchr %s\n", strchr(abc, 0) - abc, strrchr("a/b/c", '/'));
	printf("bzero/ffs: %d %d %d %d\n", ffs(0), ffs(1), ffs(0x80), ffsl(1L << 40));
	char sw[] = "hello";
	swab("abcdef", dst, 6);
	printf("swab [%.6s] %s\n", dst, sw);
	printf("strsignal-free basename-free index %s rindex %s\n", index("path/to", '/'), rindex("a.b.c", '.'));
	return 0;
}
