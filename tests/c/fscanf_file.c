/* fscanf from a file: mixed records, counting matches, EOF return, and resuming after a failed conversion. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	FILE *f = fopen("data.txt", "w+");
	if (!f)
		return 1;
	for (int i = 0; i < 50; i++)
		fprintf(f, "item%02d %d %.3f %s\n", i, i * i - 100, i / 8.0, i % 3 ? "yes" : "no");
	fprintf(f, "bad line here\n42 tail\n");
	rewind(f);
	char name[16], flag[8];
	int v, r, records = 0;
	double x, total = 0;
	long sum = 0;
	while ((r = fscanf(f, "%15s %d %lf %7s", name, &v, &x, flag)) == 4) {
		records++;
		sum += v;
		total += x;
		if (records % 10 == 0)
			printf("%s %d %.3f %s\n", name, v, x, flag);
	}
	printf("records %d sum %ld total %.3f last r %d name %s\n", records, sum, total, r, name);
	/* "bad" was taken as name, "line" failed %d: skip the rest of the line. */
	int ch;
	while ((ch = fgetc(f)) != '\n' && ch != EOF)
		;
	r = fscanf(f, "%d %s", &v, name);
	printf("after skip: %d %d %s\n", r, v, name);
	r = fscanf(f, "%d", &v);
	printf("at eof: %d feof %d\n", r, feof(f));
	fclose(f);

	f = fopen("nums.txt", "w+");
	for (int i = 1; i <= 1000; i++)
		fprintf(f, "%d%c", i, i % 17 ? ' ' : '\n');
	rewind(f);
	long s2 = 0;
	int count = 0;
	while (fscanf(f, "%d", &v) == 1) {
		s2 += v;
		count++;
	}
	printf("%d numbers sum %ld\n", count, s2);
	fclose(f);
	unlink("data.txt");
	unlink("nums.txt");
	return 0;
}
