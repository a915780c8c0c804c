/* Floating-point environment: rounding modes change rint/nearbyint/lrint and division results, exception flags from invalid/divide-by-zero/overflow/underflow/inexact, fegetenv/fesetenv. */
#include <stdio.h>
#include <math.h>
#include <fenv.h>

#pragma STDC FENV_ACCESS ON

/* Through volatile pointers so the library's functions run: without
 * -frounding-math gcc inlines rint assuming round-to-nearest. */
static double (*volatile f_rint)(double) = rint, (*volatile f_nearbyint)(double) = nearbyint;
static long (*volatile f_lrint)(double) = lrint;
static long long (*volatile f_llrint)(double) = llrint;
static volatile double one = 1.0, three = 3.0, zero = 0.0, big = 1e308, tiny = 1e-308;

static void flags(const char *what)
{
	printf("%-12s invalid %d divbyzero %d overflow %d underflow %d inexact %d\n", what, !!fetestexcept(FE_INVALID),
	       !!fetestexcept(FE_DIVBYZERO), !!fetestexcept(FE_OVERFLOW), !!fetestexcept(FE_UNDERFLOW),
	       !!fetestexcept(FE_INEXACT));
}

int main(void)
{
	const struct { int mode; const char *name; } modes[] = {
		{ FE_TONEAREST, "nearest" }, { FE_UPWARD, "upward" }, { FE_DOWNWARD, "downward" }, { FE_TOWARDZERO, "towardzero" },
	};
	/* volatile: gcc does not honour FENV_ACCESS and would fold the calls at compile time. */
	static volatile double xs[] = { 2.5, 3.5, -2.5, 0.4, -0.6, 1.5e15 + 0.5 };
	/* Results are computed in each mode but printed in round-to-nearest:
	 * glibc's printf honours the current rounding mode, musl's does not. */
	for (int m = 0; m < 4; m++) {
		double ri[6], nb[6], q, nq, sum;
		long li[6];
		long long lli[6];
		float qf;
		int set = fesetround(modes[m].mode), got = fegetround() == modes[m].mode;
		for (int i = 0; i < 6; i++) {
			ri[i] = f_rint(xs[i]);
			nb[i] = f_nearbyint(xs[i]);
			li[i] = f_lrint(xs[i]);
			lli[i] = f_llrint(xs[i]);
		}
		q = one / three;
		nq = -one / three;
		qf = (float)one / (float)three;
		sum = 0.1 + 0.2 * three;
		fesetround(FE_TONEAREST);
		printf("fesetround(%s) %d getround ok %d\n", modes[m].name, set, got);
		for (int i = 0; i < 6; i++)
			printf("  %.1f: rint %.1f nearbyint %.1f lrint %ld llrint %lld\n", xs[i], ri[i], nb[i], li[i], lli[i]);
		printf("  1/3 %.20f %.12a float %.10a\n", q, q, qf);
		printf("  -1/3 %.20f sum %.17g\n", nq, sum);
	}
	fesetround(FE_TONEAREST);
	feclearexcept(FE_ALL_EXCEPT);
	flags("clear");
	volatile double r = zero / zero;
	flags("0/0");
	feclearexcept(FE_ALL_EXCEPT);
	r = one / zero;
	flags("1/0");
	feclearexcept(FE_ALL_EXCEPT);
	r = big * 10;
	flags("overflow");
	feclearexcept(FE_ALL_EXCEPT);
	r = tiny / 1e10;
	flags("underflow");
	feclearexcept(FE_ALL_EXCEPT);
	r = one / three;
	flags("inexact");
	feclearexcept(FE_ALL_EXCEPT);
	r = sqrt(-one);
	flags("sqrt(-1)");
	(void)r;
	feraiseexcept(FE_OVERFLOW | FE_INEXACT);
	flags("raised");
	fexcept_t saved;
	fegetexceptflag(&saved, FE_ALL_EXCEPT);
	feclearexcept(FE_ALL_EXCEPT);
	fesetexceptflag(&saved, FE_OVERFLOW);
	flags("restored ovf");
	fenv_t env;
	fesetround(FE_UPWARD);
	fegetenv(&env);
	fesetround(FE_DOWNWARD);
	fesetenv(&env);
	int up = fegetround() == FE_UPWARD;
	fesetround(FE_TONEAREST);
	printf("fesetenv restores upward %d\n", up);
	fesetround(FE_UPWARD);
	feholdexcept(&env);
	fesetround(FE_TONEAREST);
	r = one / zero;
	feupdateenv(&env);
	up = fegetround() == FE_UPWARD;
	int dz = !!fetestexcept(FE_DIVBYZERO);
	fesetround(FE_TONEAREST);
	printf("feupdateenv: round upward %d divbyzero %d\n", up, dz);
	return 0;
}
