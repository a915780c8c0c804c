/* Shapes of the make_project test: areas and names. */
double circle_area(double r);
double square_area(double side);
const char *shape_name(int sides);
