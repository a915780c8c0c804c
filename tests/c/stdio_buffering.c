/* stdio: setvbuf modes, ungetc, fflush, reading standard input by lines,
 * by words (scanf) and by characters. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256];
	int lines = 0;
	setvbuf(stdout, NULL, _IOFBF, 64);
	while (fgets(line, sizeof line, stdin)) {
		lines++;
		line[strcspn(line, "\n")] = 0;
		printf("%3d: [%s] len %zu\n", lines, line, strlen(line));
		if (lines == 3)
			break;
	}
	int a = 0, b = 0;
	char word[32];
	int got = scanf("%d %d %31s", &a, &b, word);
	printf("scanf got %d: %d %d %s\n", got, a, b, word);
	int c = getchar();
	printf("next char %d\n", c);
	ungetc('Z', stdin);
	printf("after ungetc: %c\n", getchar());
	long rest = 0;
	while ((c = getchar()) != EOF)
		rest++;
	printf("rest %ld chars, eof %d\n", rest, feof(stdin));
	fflush(stdout);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("unbuffered ");
	printf("output\n");
	fprintf(stderr, "stderr line 1\n");
	fputs("stderr line 2\n", stderr);
	return 0;
}
