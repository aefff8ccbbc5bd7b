/* Pure formatting pieces of the CLI: padding and writing an output buffer
 * (a command builds its whole output in a struct buf, then writes it once),
 * ANSI colours, display widths, and typed reads of reply JSON. */
#ifndef PSUP_CLI_FMT_H
#define PSUP_CLI_FMT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "units.h"

/* Appends s padded with spaces to width display columns (never cut). */
void cli_buf_pad(struct buf *b, const char *s, size_t width);
/* The widest cell of a table, in display columns: a longer value (a 1 MB
 * env value) is shown cut, so one row never widens the whole table. */
#define CLI_CELL_COLS 200

/* Copies s into dst (n bytes, n >= 4) cut to at most max_cols display
 * columns and n - 1 bytes, at a character boundary; a cut value ends in
 * "…". */
void cli_cell_copy(char *dst, size_t n, const char *s, size_t max_cols);
/* s as a table cell: taken (freed) and returned as is when it fits in
 * CLI_CELL_COLS columns, else replaced by its cut copy (malloc'd). */
char *cli_cell_take(char *s);
/* Appends n copies of the UTF-8 string s. */
void cli_buf_repeat(struct buf *b, const char *s, size_t n);
/* Writes the whole buffer to fd (retrying short writes). Returns 0, or -1
 * with errno set. */
int cli_buf_write(const struct buf *b, int fd);

/* ANSI SGR sequences, or "" when colour is off. */
#define CLI_C_RESET "\033[0m"
#define CLI_C_BOLD "\033[1m"
#define CLI_C_DIM "\033[2m"
#define CLI_C_RED "\033[31m"
#define CLI_C_GREEN "\033[32m"
#define CLI_C_YELLOW "\033[33m"
#define CLI_C_BLUE "\033[34m"
#define CLI_C_MAGENTA "\033[35m"
#define CLI_C_CYAN "\033[36m"
#define CLI_C_GREY "\033[90m"
/* a bright background and back to the default one: a mark that keeps the
 * colour of the text it is in */
#define CLI_C_MARK "\033[100m"
#define CLI_C_MARK_END "\033[49m"

/* The colour of a state name as pm2 shows it (online green, errored red,
 * transitions yellow, stopped grey, completed cyan). */
const char *cli_state_color(const char *state);

/* Display columns of a UTF-8 string (code points; psup prints no wide
 * characters of its own). */
size_t cli_width(const char *s);

/* Parses a non-negative decimal integer that fits an int; 0 or -1. */
int cli_parse_uint(const char *s, int *out);
/* A progress bar of width cells for done/total ("█" done, "░" the rest). */
void cli_fmt_bar(struct buf *b, double frac, int width);

/* Typed reads of a JSON object's member; a missing or wrongly typed member
 * gives the default. */
double cli_json_num(const cJSON *o, const char *key, double def);
const char *cli_json_str(const cJSON *o, const char *key, const char *def);
/* 1 when the member exists and is not null. */
int cli_json_has(const cJSON *o, const char *key);
/* Appends j as compact JSON and a newline (one protocol or jlist line).
 * Returns 0, or -1 when cJSON cannot encode it (out is then unchanged). */
int cli_json_line(struct buf *out, const cJSON *j);

#endif
