/* Finding the program an app runs (script and interpreter), as execvp
 * would. Internal to the loader. */
#ifndef PSUP_ECOSYSTEM_PROGRAM_H
#define PSUP_ECOSYSTEM_PROGRAM_H

/* prog as an absolute path where possible: relative to cwd when it holds a
 * '/' (or starts with '~'), or, with look_in_cwd, when it exists there;
 * else found in PATH. A bare name that is nowhere stays bare (the keeper
 * reports it missing). malloc'd. */
char *eco_program_resolve(const char *cwd, const char *prog, int look_in_cwd);
/* A bare program name as execvp would find it in path (a PATH value; NULL
 * for this process's PATH), malloc'd, or NULL when it is nowhere. */
char *eco_program_which(const char *name, const char *path);
/* "node" for .js/.mjs/.cjs, "python3" for .py, "bash" for .sh (pm2's), else
 * NULL. */
const char *eco_program_interpreter(const char *script);

#endif
