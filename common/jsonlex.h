/* Pieces of JSON's syntax, for the scanners that check a line byte by
 * byte without building a tree (the progress protocol, a load's lines). */
#ifndef PSUP_JSONLEX_H
#define PSUP_JSONLEX_H

struct jsonlex_num {
	int neg;                /* a leading minus */
	int whole;              /* no fraction, no exponent */
	int digits;             /* in the integer part */
	int overflow;           /* the integer part does not fit a long long */
	long long value;        /* the integer part, without its sign (unless overflow) */
};

/* Reads the number at *p, never past end, and moves *p past it. Returns
 * 0, or -1 when no valid number starts there. */
int jsonlex_number(const char **p, const char *end, struct jsonlex_num *n);
/* Reads the word w (true, false, null) at *p, never past end, and moves
 * *p past it. Returns 0, or -1 when it is not there. */
int jsonlex_word(const char **p, const char *end, const char *w);
/* The four hex digits of a \u escape at p (the caller has checked they
 * are there) into *v. Returns 0, or -1 when one is not a hex digit. */
int jsonlex_hex4(const char *p, unsigned *v);

#endif
