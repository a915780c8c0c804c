/* Checked integer arithmetic with __builtin_{add,sub,mul}_overflow across types and limits, plus well-defined unsigned wraparound and integer division/modulo signs. */
#include <stdio.h>
#include <stdint.h>
#include <limits.h>

int main(void)
{
	const long long vals[] = { 0, 1, -1, 2, 100, INT_MAX, INT_MIN, (long long)INT_MAX + 1, LLONG_MAX, LLONG_MIN,
				   UINT_MAX, 46341, -46341 };
	const int n = sizeof vals / sizeof *vals;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			long long a = vals[i], b = vals[j];
			int ri;
			long long rl;
			unsigned ru;
			int o1 = __builtin_add_overflow(a, b, &ri);
			int o2 = __builtin_mul_overflow(a, b, &rl);
			int o3 = __builtin_sub_overflow(a, b, &ru);
			int o4 = __builtin_mul_overflow(a, b, &ri);
			printf("%lld,%lld: add->int %d:%d mul->ll %d:%lld sub->uint %d:%u mul->int %d:%d\n", a, b, o1, ri, o2,
			       rl, o3, ru, o4, ri);
		}
	uint8_t u8 = 250;
	u8 += 10;
	uint16_t u16 = 0;
	u16--;
	uint32_t u32 = 0xffffffffu;
	u32 *= u32;
	uint64_t u64 = UINT64_MAX;
	u64 += 2;
	printf("wrap: %u %u %u %llu\n", u8, u16, u32, (unsigned long long)u64);
	for (int a = -7; a <= 7; a += 7)
		for (int b = -3; b <= 3; b += 6)
			printf("%d / %d = %d, %d %% %d = %d\n", a, b, a / b, a, b, a % b);
	int8_t s8;
	printf("int8: %d %d\n", __builtin_add_overflow(100, 27, &s8), s8);
	printf("int8: %d %d\n", __builtin_add_overflow(100, 28, &s8), s8);
	printf("clz %d ctz %d popcount %d parity %d bswap %#x\n", __builtin_clz(1), __builtin_ctz(0x80),
	       __builtin_popcountll(0xf0f0f0f0f0f0f0f0ull), __builtin_parity(7), __builtin_bswap32(0x12345678));
	return 0;
}
