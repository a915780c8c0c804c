/* strtod and printf round trips of 10 000 pseudo-random doubles: %.17g
 * reads back to the same bits; the printed text is compared too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>

static uint64_t state = 88172645463325252u;
static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int main(void)
{
	int mismatches = 0;
	uint64_t checksum = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t bits = next();
		double d;
		memcpy(&d, &bits, sizeof d);
		if (isnan(d))
			continue;
		char text[64];
		snprintf(text, sizeof text, "%.17g", d);
		double back = strtod(text, NULL);
		uint64_t back_bits;
		memcpy(&back_bits, &back, sizeof back);
		if (back_bits != bits)
			mismatches++;
		for (char *c = text; *c; c++)
			checksum = checksum * 131 + (unsigned char)*c;
		if (i % 500 == 0)
			printf("%s\n", text);
	}
	printf("mismatches %d checksum %016llx\n", mismatches, (unsigned long long)checksum);
	const char *inputs[] = { "0", "-0", "1e308", "1e309", "-1e309", "4.9e-324", "2.4e-324", "1e-400", "0x1.8p1",
				 "inf", "-INFINITY", "nan", "  42.5xyz", "1.7976931348623157e308", "12345678901234567890",
				 ".5", "5.", "1e", "e1", "", NULL };
	for (int i = 0; inputs[i]; i++) {
		char *end;
		double v = strtod(inputs[i], &end);
		printf("strtod(\"%s\") = %.17g, consumed %d\n", inputs[i], v, (int)(end - inputs[i]));
	}
	printf("strtof %.9g strtold %.21Lg\n", strtof("3.14159265358979", NULL), strtold("3.14159265358979323846", NULL));
	return 0;
}
