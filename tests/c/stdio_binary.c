/* stdio binary I/O: fwrite/fread of structs, fseek/ftell/rewind/fgetpos/fsetpos, short reads at EOF, ferror/clearerr. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct rec { int id; double value; char tag[12]; };

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		return 1;
	FILE *f = fopen("recs.bin", "wb+");
	struct rec r;
	for (int i = 0; i < 100; i++) {
		memset(&r, 0, sizeof r);
		r.id = i;
		r.value = i * 1.25;
		snprintf(r.tag, sizeof r.tag, "rec-%03d", i);
		if (fwrite(&r, sizeof r, 1, f) != 1)
			printf("fwrite %d failed\n", i);
	}
	printf("ftell after writes %ld (%zu each)\n", ftell(f), sizeof r);
	rewind(f);
	printf("ftell after rewind %ld\n", ftell(f));
	fseek(f, 42 * (long)sizeof r, SEEK_SET);
	size_t got = fread(&r, sizeof r, 1, f);
	printf("record 42: got %zu id %d value %g tag %s\n", got, r.id, r.value, r.tag);
	fseek(f, -(long)sizeof r, SEEK_END);
	fread(&r, sizeof r, 1, f);
	printf("last: %d %s\n", r.id, r.tag);
	fseek(f, -2 * (long)sizeof r, SEEK_CUR);
	fread(&r, sizeof r, 1, f);
	printf("second last: %d\n", r.id);
	fpos_t pos;
	fseek(f, 10 * (long)sizeof r, SEEK_SET);
	fgetpos(f, &pos);
	fread(&r, sizeof r, 1, f);
	int first = r.id;
	/* Overwrite record 10 in place, then read it back through the saved position. */
	fsetpos(f, &pos);
	r.id = 1010;
	fwrite(&r, sizeof r, 1, f);
	fsetpos(f, &pos);
	fread(&r, sizeof r, 1, f);
	printf("fsetpos: before %d after %d ftell %ld\n", first, r.id, ftell(f));
	struct rec many[150];
	rewind(f);
	got = fread(many, sizeof *many, 150, f);
	printf("bulk read got %zu feof %d ferror %d ids %d %d %d\n", got, feof(f), ferror(f), many[0].id, many[10].id,
	       many[99].id);
	clearerr(f);
	printf("after clearerr feof %d\n", feof(f));
	/* Partial element at the end: 3 bytes more than whole records. */
	fseek(f, 0, SEEK_END);
	fwrite("abc", 1, 3, f);
	fseek(f, -(long)sizeof r, SEEK_END);
	got = fread(&r, sizeof r, 2, f);
	printf("partial: got %zu ftell %ld\n", got, ftell(f));
	fseek(f, 0, SEEK_END);
	printf("size %ld\n", ftell(f));
	printf("fseek before start: %d\n", fseek(f, -1, SEEK_SET) != 0);
	/* Reading a write-only stream is an error. */
	fclose(f);
	f = fopen("recs.bin", "wb");
	int c = fgetc(f);
	printf("fgetc on write-only: %d ferror %d\n", c == EOF, !!ferror(f));
	fclose(f);
	f = fopen("recs.bin", "rb");
	fseek(f, 0, SEEK_END);
	printf("truncated by wb: %ld\n", ftell(f));
	fclose(f);
	/* Every byte value survives a round trip. */
	f = fopen("bytes.bin", "wb");
	for (int i = 0; i < 256; i++)
		fputc(i, f);
	fclose(f);
	f = fopen("bytes.bin", "rb");
	int ok = 1;
	for (int i = 0; i < 256; i++)
		if (fgetc(f) != i)
			ok = 0;
	printf("256 byte values ok %d, then EOF %d\n", ok, fgetc(f) == EOF);
	fclose(f);
	remove("bytes.bin");
	remove("recs.bin");
	return 0;
}
