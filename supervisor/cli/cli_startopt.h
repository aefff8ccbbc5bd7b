/* `psup start`'s words as pm2 takes them: one table of pm2's start options,
 * each mapped to the ecosystem option the file loader reads, so an app
 * started from the command line is the same app a file would give. Pure:
 * the words in, an app object and the command's own flags out. */
#ifndef PSUP_CLI_STARTOPT_H
#define PSUP_CLI_STARTOPT_H

#include <cjson/cJSON.h>

struct cli_startopt {
	char *target;            /* the first positional: script, 'command string',
	                          * file, name, id, all or -; NULL when none */
	char **rest;             /* NULL-terminated: further positionals (more
	                          * names) and what follows "--" (the app's args) */
	int nrest;
	int dashdash;            /* rest came after "--" (args, not names) */
	cJSON *app;              /* ecosystem options given (name, instances, ...) */
	char *env_name;          /* --env NAME */
	char *only;              /* --only A,B */
	int update_env;          /* --update-env / -a */
	char *warnings;          /* pm2's options ignored: a line each saying
	                          * which and why, or NULL */
};

/* Parses argv[0..argc) (the words after "start"). Returns 0, or -1 with
 * *err (the caller frees it) naming the word that is wrong. Always
 * cli_startopt_free(). */
int cli_startopt_parse(int argc, char **argv, struct cli_startopt *o, char **err);
void cli_startopt_free(struct cli_startopt *o);

/* pm2's name for an app started without --name: the base name of the
 * script (of its first word for a command string) without its extension,
 * in the characters an app name may hold. malloc'd. */
char *cli_startopt_name(const char *script);

/* The usage lines of the options, for `psup help start`. */
extern const char cli_startopt_help[];

#endif
