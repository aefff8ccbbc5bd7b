/* Request templates: {{item.field}} in a body becomes the item's field as
 * JSON text, so any text lands JSON-safe and intact; inside a JSON string
 * of the template ("content": "Define: {{item.word}}") it becomes that
 * string's content, escaped as JSON. ${VAR} in the URL and headers comes
 * from the environment once, at start. */
#ifndef PSUP_TEMPLATE_H
#define PSUP_TEMPLATE_H

#include <stddef.h>

struct template;

/* Compiles text. Placeholders are {{item}} (the whole item) and
 * {{item.a.b}} (nested fields), spaces allowed inside the braces, each
 * with an optional filter: {{item.a | number}} (a number, or the number a
 * string holds), | json (the JSON text a string holds), | string (a value
 * as a string). Returns 0, or -1 with *cause naming the bad placeholder
 * (or unknown filter) and its offset. Free with template_free. */
int template_compile(const char *text, struct template **out, char **cause);
void template_free(struct template *t);

/* Renders t for item, the item's JSON text (item_len bytes), into a
 * malloc'd NUL-terminated *out (length *len). A field goes in as its text
 * in the item (after its filter), whitespace between tokens left out:
 * strings keep every byte and escape (a \u0000 too); inside a string of
 * the template, a string without its quotes and other values as their
 * JSON text escaped for a string. A missing field, a step into something
 * that is not an object, or a value its filter cannot take fails: returns
 * -1 with *cause like "{{item.text}}: item has no field \"text\"" or
 * "{{item.n | number}}: \"1,000\" is not a number". */
int template_render(const struct template *t, const char *item, size_t item_len, char **out,
    size_t *len, char **cause);

/* 1 when s is one placeholder alone ("{{item.x}}", "{{ item }}"): as a
 * scalar of a body written as YAML it stands for the value itself. */
int template_is_placeholder(const char *s);

/* Expands ${NAME} from the environment into a malloc'd *out. A NAME that
 * is not set is an error (the message names the variable, never a value).
 * "$" not followed by "{" is kept as is. what names the text in messages
 * ("url", "header Authorization"). */
int template_expand_env(const char *text, const char *what, char **out, char **cause);

#endif
