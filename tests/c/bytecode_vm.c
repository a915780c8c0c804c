/* A small stack-machine interpreter: a compiler from infix expressions and statements to bytecode, then programs run on the VM (loops, calls, primes, fib, gcd, collatz), with instruction counts. */
#include <stdio.h>
#include <string.h>
#include <ctype.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, DIV, MOD, LT, EQ, JMP, JZ, PRINT, HALT };
static long code[4096];
static int ncode;
static const char *src;
static char names[26];

static void emit(long op) { code[ncode++] = op; }
static void skip(void) { while (isspace((unsigned char)*src)) src++; }
static int eat(char c) { skip(); if (*src == c) { src++; return 1; } return 0; }

static void expr(void);
static void primary(void)
{
	skip();
	if (isdigit((unsigned char)*src)) {
		long v = 0;
		while (isdigit((unsigned char)*src))
			v = v * 10 + (*src++ - '0');
		emit(PUSH);
		emit(v);
	} else if (islower((unsigned char)*src)) {
		emit(LOAD);
		emit(*src++ - 'a');
	} else if (eat('(')) {
		expr();
		eat(')');
	}
}
static void mul(void)
{
	primary();
	for (;;) {
		if (eat('*')) { primary(); emit(MUL); }
		else if (eat('/')) { primary(); emit(DIV); }
		else if (eat('%')) { primary(); emit(MOD); }
		else return;
	}
}
static void add(void)
{
	mul();
	for (;;) {
		if (eat('+')) { mul(); emit(ADD); }
		else if (eat('-')) { mul(); emit(SUB); }
		else return;
	}
}
static void expr(void)
{
	add();
	if (eat('<')) { add(); emit(LT); }
	else if (eat('=')) { add(); emit(EQ); }
}
/* stmt: v := expr ; | print expr ; | while expr { stmts } | if expr { stmts } */
static void stmts(void);
static void stmt(void)
{
	skip();
	if (!strncmp(src, "print", 5)) {
		src += 5;
		expr();
		emit(PRINT);
	} else if (!strncmp(src, "while", 5)) {
		src += 5;
		int top = ncode;
		expr();
		emit(JZ);
		int patch = ncode;
		emit(0);
		eat('{');
		stmts();
		eat('}');
		emit(JMP);
		emit(top);
		code[patch] = ncode;
		return;
	} else if (!strncmp(src, "if", 2)) {
		src += 2;
		expr();
		emit(JZ);
		int patch = ncode;
		emit(0);
		eat('{');
		stmts();
		eat('}');
		code[patch] = ncode;
		return;
	} else {
		int v = *src++ - 'a';
		names[v] = 1;
		eat(':');
		eat('=');
		expr();
		emit(STORE);
		emit(v);
	}
	eat(';');
}
static void stmts(void)
{
	for (;;) {
		skip();
		if (!*src || *src == '}')
			return;
		stmt();
	}
}

static long run(void)
{
	long stack[256], vars[26] = { 0 }, steps = 0;
	int sp = 0, pc = 0;
	for (;;) {
		steps++;
		long op = code[pc++], a, b;
		switch (op) {
		case PUSH: stack[sp++] = code[pc++]; break;
		case LOAD: stack[sp++] = vars[code[pc++]]; break;
		case STORE: vars[code[pc++]] = stack[--sp]; break;
		case JMP: pc = code[pc]; break;
		case JZ: a = code[pc++]; if (!stack[--sp]) pc = a; break;
		case PRINT: printf(" %ld", stack[--sp]); break;
		case HALT: return steps;
		default:
			b = stack[--sp];
			a = stack[--sp];
			stack[sp++] = op == ADD ? a + b : op == SUB ? a - b : op == MUL ? a * b : op == DIV ? a / b :
				      op == MOD ? a % b : op == LT ? a < b : a == b;
		}
	}
}

int main(void)
{
	const char *programs[] = {
		"print 1+2*3; print (1+2)*3; print 100/7; print 100%7; print 3<4; print 4=5;",
		"a := 0; b := 1; n := 0; while n < 40 { c := a + b; a := b; b := c; n := n + 1; } print a;",
		"n := 2; c := 0; while n < 3000 { d := 2; p := 1; while d * d < n + 1 { if n % d = 0 { p := 0; } d := d + 1; } c := c + p; n := n + 1; } print c;",
		"a := 1071; b := 462; while 0 < b { t := b; b := a % b; a := t; } print a;",
		"n := 27; s := 0; while 1 < n { if n % 2 = 0 { n := n / 2; } if n % 2 = 1 { if 1 < n { n := 3 * n + 1; } } s := s + 1; } print s;",
		"i := 0; s := 0; while i < 100000 { s := s + i * i % 7; i := i + 1; } print s;",
	};
	for (unsigned i = 0; i < sizeof programs / sizeof *programs; i++) {
		ncode = 0;
		src = programs[i];
		stmts();
		emit(HALT);
		printf("program %u (%d words):", i, ncode);
		long steps = run();
		printf(" | %ld steps\n", steps);
	}
	return 0;
}
