/* Deep recursion within a 256 KiB stack: 5000 frames of a recursive function with a small local array, mutual recursion, Ackermann(2,n), and a recursive-descent expression parser. */
#include <stdio.h>
#include <string.h>

static int depth_sum(int n, int max)
{
	volatile char local[16];
	local[n % 16] = (char)n;
	if (n == max)
		return local[n % 16] & 0;
	return n + depth_sum(n + 1, max) + (local[n % 16] & 0);
}

static int is_even(unsigned n);
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }

static long ack(long m, long n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

static const char *pos;
static long expr(void);

static long atom(void)
{
	if (*pos == '(') {
		pos++;
		long v = expr();
		pos++; /* ')' */
		return v;
	}
	if (*pos == '-') {
		pos++;
		return -atom();
	}
	long v = 0;
	while (*pos >= '0' && *pos <= '9')
		v = v * 10 + (*pos++ - '0');
	return v;
}

static long term(void)
{
	long v = atom();
	while (*pos == '*' || *pos == '/' || *pos == '%') {
		char op = *pos++;
		long r = atom();
		v = op == '*' ? v * r : op == '/' ? v / r : v % r;
	}
	return v;
}

static long expr(void)
{
	long v = term();
	while (*pos == '+' || *pos == '-') {
		char op = *pos++;
		long r = term();
		v = op == '+' ? v + r : v - r;
	}
	return v;
}

int main(void)
{
	printf("depth 1000: %d\n", depth_sum(0, 1000));
	printf("depth 5000: %d\n", depth_sum(0, 5000));
	printf("even(3001) %d odd(3001) %d\n", is_even(3001), is_odd(3001));
	for (int n = 0; n <= 6; n++)
		printf("ack(2,%d)=%ld ack(3,%d)=%ld\n", n, ack(2, n), n, ack(3, n));
	static char nested[4000];
	int k = 0;
	for (int i = 0; i < 600; i++)
		nested[k++] = '(';
	k += sprintf(nested + k, "1+2*3");
	for (int i = 0; i < 600; i++)
		nested[k++] = ')';
	nested[k] = 0;
	const char *exprs[] = { "1+2*3", "(1+2)*3", "100/7%4", "-(3-10)*-2", "2*(3+(4*(5+6)))-1", nested };
	for (int i = 0; i < 6; i++) {
		pos = exprs[i];
		long v = expr();
		printf("%.30s%s = %ld\n", exprs[i], strlen(exprs[i]) > 30 ? "..." : "", v);
	}
	return 0;
}
