/* <search.h>: tsearch/tfind/tdelete/twalk binary trees (in-order walk of 1000 keys), hsearch hash tables, insque/remque lists, lsearch appending. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <search.h>

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
static long walk_sum, walk_count, walk_prev = -1, walk_sorted = 1;

static void walker(const void *node, VISIT v, int depth)
{
	(void)depth;
	if (v == postorder || v == leaf) {
		int k = **(int *const *)node;
		walk_sum += k;
		walk_count++;
		if (k <= walk_prev)
			walk_sorted = 0;
		walk_prev = k;
	}
}

struct elem { struct elem *next, *prev; int v; };

int main(void)
{
	static int keys[1000];
	void *root = NULL;
	for (int i = 0; i < 1000; i++) {
		keys[i] = (i * 7919) % 1000;
		tsearch(&keys[i], &root, cmp);
	}
	int dup = 500;
	int *found = *(int **)tsearch(&dup, &root, cmp);
	printf("tsearch of a present key returns the old one: %d\n", found != &dup && *found == 500);
	twalk(root, walker);
	printf("twalk: %ld nodes, sum %ld, in order %ld\n", walk_count, walk_sum, walk_sorted);
	int k = 123, missing = 5000;
	printf("tfind 123 %d, tfind 5000 %d\n", tfind(&k, &root, cmp) != NULL, tfind(&missing, &root, cmp) == NULL);
	int deleted = 0;
	for (int i = 0; i < 1000; i += 2)
		deleted += tdelete(&keys[i], &root, cmp) != NULL;
	walk_sum = walk_count = 0;
	walk_prev = -1;
	walk_sorted = 1;
	twalk(root, walker);
	printf("deleted %d, left %ld, sum %ld, in order %ld\n", deleted, walk_count, walk_sum, walk_sorted);
	while (root)
		tdelete(*(int **)root, &root, cmp);
	printf("emptied %d\n", root == NULL);

	hcreate(200);
	static char names[100][16];
	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof names[i], "key%d", i * i);
		ENTRY e = { names[i], (void *)(long)i };
		hsearch(e, ENTER);
	}
	int hits = 0;
	long vsum = 0;
	for (int i = 0; i < 100; i++) {
		ENTRY q = { names[i], NULL };
		ENTRY *r = hsearch(q, FIND);
		hits += r != NULL;
		vsum += r ? (long)r->data : 0;
	}
	ENTRY q = { "key2", NULL };
	printf("hsearch: %d hits, value sum %ld, absent key2 %d\n", hits, vsum, hsearch(q, FIND) == NULL);
	ENTRY again = { names[10], (void *)999L };
	ENTRY *r = hsearch(again, ENTER);
	printf("ENTER of an existing key keeps the old data: %ld\n", (long)r->data);
	hdestroy();

	struct elem e[5];
	insque(&e[0], NULL);
	e[0].next = e[0].prev = NULL;
	e[0].v = 0;
	for (int i = 1; i < 5; i++) {
		e[i].v = i;
		insque(&e[i], &e[i - 1]);
	}
	remque(&e[2]);
	printf("list:");
	for (struct elem *p = &e[0]; p; p = p->next)
		printf(" %d", p->v);
	printf("\n");
	int arr[10] = { 5, 3 };
	size_t n = 2;
	int x = 7;
	lsearch(&x, arr, &n, sizeof *arr, cmp);
	lsearch(&x, arr, &n, sizeof *arr, cmp);
	x = 3;
	int *p = lsearch(&x, arr, &n, sizeof *arr, cmp);
	printf("lsearch: n %zu last %d found index %td\n", n, arr[n - 1], p - arr);
	return 0;
}
