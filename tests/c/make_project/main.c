/* make_project: uses the static library built by its Makefile. */
#include <stdio.h>
#include <math.h>
#include "shapes.h"

int main(void)
{
	for (int i = 1; i <= 5; i++)
		printf("r=%d circle %.6f square %.1f sqrt %.6f %s\n", i, circle_area(i), square_area(i), sqrt(i),
		       shape_name(i + 2));
	return 0;
}
