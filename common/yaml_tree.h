/* A YAML document as a small tree of nodes, each with its 1-based line and
 * column, built on libyaml. Aliases are expanded by copy (within a node
 * budget, so an alias bomb fails instead of eating memory), "<<" merge keys
 * are applied, and duplicate keys, complex keys, NUL bytes, nesting past
 * YDOC_MAX_DEPTH and second documents are errors. Linked only into psup and
 * psup-worker (libyaml). */
#ifndef PSUP_YAML_TREE_H
#define PSUP_YAML_TREE_H

#include <stddef.h>

#include "yaml_errors.h"

#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_NODES 200000

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	int line, col;           /* 1-based, where the node starts */
	int plain;               /* scalar written without quotes or block style:
	                          * only such a scalar can be null, a bool or a number */
	char *str;               /* scalar text, NUL-terminated (never holds a NUL) */
	size_t len;
	/* SEQ: items[0..n); MAP: key items[2i] (always a scalar), value items[2i+1] */
	struct ynode **items;
	size_t n;                /* items of a SEQ, pairs of a MAP */
	size_t weight;           /* nodes in this subtree, itself included */
	int height;              /* 1 for a scalar, 1 + tallest child otherwise */
};

struct ydoc {
	struct ynode *root;      /* NULL for an empty document */
};

/* Parses buf into doc. file names the source in messages. Returns 0, or -1
 * after adding "FILE:LINE:COL: yaml: ..." entries to errs (doc->root is then
 * NULL). Always ydoc_free(). */
int ydoc_load(const char *file, const char *buf, size_t len, struct ydoc *doc,
    struct yerrs *errs);
void ydoc_free(struct ydoc *doc);

/* Value of key in a MAP node, or NULL (also when map is not a MAP). */
const struct ynode *ymap_get(const struct ynode *map, const char *key);
#define YMAP_KEY(m, i) ((m)->items[2 * (i)])
#define YMAP_VAL(m, i) ((m)->items[2 * (i) + 1])

/* A plain scalar that YAML reads as null: "", "~", "null", "Null", "NULL". */
int ynode_is_null(const struct ynode *n);
/* "a string", "a list", "a map" or "nothing (null)", for messages. */
const char *ynode_what(const struct ynode *n);

#endif
