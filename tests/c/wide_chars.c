/* Wide characters in the C locale, ASCII only (bytes above 0x7f are
 * implementation-defined in the C locale: glibc rejects them, musl maps
 * them): wcslen, wcscpy/wcscat/wcscmp, wcstol, mbstowcs/wcstombs, swprintf, %ls and %lc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

int main(void)
{
	wchar_t w[64], w2[64];
	char s[64];
	size_t n = mbstowcs(w, "Hello, wide world", 64);
	printf("mbstowcs %zu wcslen %zu\n", n, wcslen(w));
	printf("mbstowcs NULL %zu\n", mbstowcs(NULL, "count me", 0));
	n = wcstombs(s, w, sizeof s);
	printf("wcstombs %zu [%s]\n", n, s);
	printf("%%ls [%ls] [%10ls] [%-8.3ls] %%lc [%lc]\n", w, L"wide", L"abcdef", (wint_t)L'Z');
	wcscpy(w2, L"cap");
	wcscat(w2, L"OS");
	printf("wcscat [%ls] cmp %d %d %d\n", w2, wcscmp(w2, L"capOS") == 0, wcscmp(L"a", L"b") < 0,
	       wcsncmp(L"abcX", L"abcY", 3));
	printf("wcschr %td wcsrchr %td wcsstr %td\n", wcschr(w, L'o') - w, wcsrchr(w, L'o') - w, wcsstr(w, L"wide") - w);
	printf("wcsspn %zu wcscspn %zu\n", wcsspn(L"aaabbc", L"ab"), wcscspn(L"hello world", L" "));
	wchar_t *end;
	long lv = wcstol(L"  -1234xyz", &end, 10);
	printf("wcstol %ld rest [%ls] wcstoul %lu wcstod %g\n", lv, end, wcstoul(L"ff", NULL, 16),
	       wcstod(L"2.5e3", NULL));
	int r = swprintf(w2, 64, L"%d-%ls-%.2f-%c", 7, L"seven", 7.25, 'x');
	printf("swprintf %d [%ls]\n", r, w2);
	r = swprintf(w2, 4, L"%s", "too long");
	printf("swprintf overflow %d\n", r);
	int a;
	wchar_t ws[16];
	r = swscanf(L"99 bottles", L"%d %ls", &a, ws);
	printf("swscanf %d %d [%ls]\n", r, a, ws);
	for (const wchar_t *p = L"aZ9 _!"; *p; p++)
		printf("%lc: alpha %d upper %d digit %d space %d punct %d -> %lc %lc\n", (wint_t)*p, !!iswalpha(*p),
		       !!iswupper(*p), !!iswdigit(*p), !!iswspace(*p), !!iswpunct(*p), (wint_t)towupper(*p),
		       (wint_t)towlower(*p));
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t wc;
	size_t k = mbrtowc(&wc, "A", 1, &st);
	printf("mbrtowc %zu %d mbsinit %d\n", k, (int)wc, mbsinit(&st));
	printf("mblen %d %d wctob %d btowc %d\n", mblen("x", 1), mblen("", 1), wctob(L'q'), (int)btowc('q'));
	char mb[8];
	int mbn = wctomb(mb, L'k');
	printf("wctomb %d %c\n", mbn, mb[0]);
	wmemset(w2, L'x', 5);
	w2[5] = 0;
	wmemcpy(w2 + 1, L"YZ", 2);
	printf("wmem [%ls] wmemcmp %d wmemchr %td\n", w2, wmemcmp(w2, L"xYZ", 3), wmemchr(w2, L'Z', 5) - w2);
	printf("wcsxfrm-free wcscoll %d\n", wcscoll(L"abc", L"abc"));
	return 0;
}
