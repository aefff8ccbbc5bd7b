/* `psup help options [--markdown]`: the ecosystem options, printed from the
 * loader's own table so the help, the loader and the README never disagree
 * (the README's table is this command's --markdown output). */
#include "cli.h"
#include "cli_options.h"
#include "ecosystem_options.h"

#include <stdio.h>
#include <string.h>

static const char *kind_note(const struct eco_option *o)
{
	switch (o->kind) {
	case ECO_OPT_IGNORED: return "accepted, no effect";
	case ECO_OPT_UNSUPPORTED:
	case ECO_OPT_TOP_UNSUPPORTED: return "pm2 only: warning, ignored";
	case ECO_OPT_TOP: return "top level";
	case ECO_OPT_APP: break;
	}
	return NULL;
}

/* Markdown table cells must not hold a bare '|'. */
static void put_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
}

static void print_markdown(FILE *f, const struct eco_option *t, size_t n)
{
	fputs("| option | type | default | meaning |\n|---|---|---|---|\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct eco_option *o = &t[i];
		const char *note = kind_note(o);
		fprintf(f, "| `%s` | %s | ", o->name,
		    o->alias_of ? "alias" : eco_option_type_name(o->type));
		if (o->required)
			fputs("required", f);
		else
			put_cell(f, o->def ? o->def : "");
		fputs(" | ", f);
		if (note && o->kind != ECO_OPT_TOP)
			fprintf(f, "(%s) ", note);
		put_cell(f, o->help);
		fputs(" |\n", f);
	}
}

static void print_text(FILE *f, const struct eco_option *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct eco_option *o = &t[i];
		const char *note = kind_note(o);
		fprintf(f, "%-28s %s", o->name, o->alias_of ? "alias" : eco_option_type_name(o->type));
		if (o->required)
			fputs(", required", f);
		else if (o->def)
			fprintf(f, ", default %s", o->def);
		if (note)
			fprintf(f, " (%s)", note);
		fprintf(f, "\n    %s\n", o->help);
	}
}

int cli_help_options(struct cli_args *a)
{
	int markdown = a->argc > 1 && strcmp(a->argv[1], "--markdown") == 0;
	if (a->argc > 2 || (a->argc == 2 && !markdown))
		return cli_error(CLI_USAGE, "usage: psup help options [--markdown]");
	size_t n;
	const struct eco_option *t = eco_options(&n);
	if (markdown)
		print_markdown(stdout, t, n);
	else
		print_text(stdout, t, n);
	return CLI_OK;
}
