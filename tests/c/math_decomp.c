/* Decomposing and composing floats over a table: frexp/ldexp/scalbn/scalbln/ilogb/logb/modf/remquo/remainder/fma/nextafter/nexttoward/copysign/fdim, printed at %.12g (NaNs as plain nan: their sign is not portable). */
#include <stdio.h>
#include <math.h>
#include <float.h>
#include <limits.h>

static double v(double x) { return isnan(x) ? NAN : x; }

int main(void)
{
	const double in[] = { 0.0, -0.0, 1.0, -1.0, 0.1, 3.75, -1234.5, 1e300, 1e-300, DBL_MIN, DBL_MAX, 5e-324,
			      INFINITY, -INFINITY, 123456789.0, 0.5, 7.0 };
	const int n = sizeof in / sizeof *in;
	for (int i = 0; i < n; i++) {
		double x = in[i];
		int e = 0;
		double m = frexp(x, &e);
		double ip, fp = modf(x, &ip);
		printf("%-14.12g frexp %.12g,%d ldexp(m,e) %.12g scalbn3 %.12g scalbln-3 %.12g", x, v(m),
		       isfinite(x) ? e : 0, v(ldexp(m, e)), v(scalbn(x, 3)), v(scalbln(x, -3)));
		int il = ilogb(x);
		printf(" ilogb %s logb %.12g modf %.12g+%.12g\n",
		       il == FP_ILOGB0 ? "ILOGB0" : il == FP_ILOGBNAN ? "ILOGBNAN" : il == INT_MAX ? "INT_MAX" : "",
		       v(logb(x)), v(fp), v(ip));
		if (il != FP_ILOGB0 && il != FP_ILOGBNAN && il != INT_MAX)
			printf("  ilogb value %d\n", il);
	}
	const double a[] = { 10.0, -10.0, 7.5, 1e10, 5.0, -0.0, 3.0 };
	const double b[] = { 3.0, 3.0, -2.0, 7.0, 2.5, 1.0, 0.0 };
	for (int i = 0; i < 7; i++) {
		int q = 0;
		double r = remquo(a[i], b[i], &q);
		printf("remquo(%g,%g) = %.12g q%%8 %d remainder %.12g fmod %.12g fdim %.12g\n", a[i], b[i], v(r),
		       isnan(r) ? 0 : (q % 8 + 8) % 8, v(remainder(a[i], b[i])), v(fmod(a[i], b[i])), v(fdim(a[i], b[i])));
	}
	printf("fma exact: %.17g vs %.17g\n", fma(0.1, 10.0, -1.0), 0.1 * 10.0 - 1.0);
	printf("fma big: %.17g\n", fma(1e308, 10.0, -1e308 * 9.0));
	printf("fma inf-inf: %.12g\n", v(fma(INFINITY, 0.0, 1.0)));
	printf("fmaf %.9g fmal %.17Lg\n", fmaf(1.0f / 3, 3.0f, -1.0f), fmal(1.0L / 3, 3.0L, -1.0L));
	printf("nextafter %.17g %.17g %g %g\n", nextafter(1.0, 0.0), nextafter(0.0, 1.0), nextafter(DBL_MAX, INFINITY),
	       nextafter(-0.0, 0.0));
	printf("nexttoward %.17g nextafterf %.9g\n", nexttoward(1.0, 2.0L), nextafterf(1.0f, 2.0f));
	printf("copysign %g %g %g signbit %d\n", copysign(1.0, -0.0), copysign(-2.0, 1.0), copysign(INFINITY, -1.0),
	       !!signbit(copysign(0.0, -1.0)));
	printf("ldexp overflow %g underflow %g\n", ldexp(1.0, 2000), ldexp(1.0, -2000));
	printf("frexp of 2^k:");
	for (int k = -3; k <= 3; k++) {
		int e;
		double m = frexp(ldexp(1.0, k), &e);
		printf(" %g,%d", m, e);
	}
	printf("\n");
	printf("isinf %d %d isfinite %d isnormal %d %d\n", !!isinf(INFINITY), !!isinf(-INFINITY), !!isfinite(DBL_MAX),
	       !!isnormal(DBL_MIN), !!isnormal(5e-324));
	return 0;
}
