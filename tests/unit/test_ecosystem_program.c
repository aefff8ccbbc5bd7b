/* Finding an app's program as execvp would, in a scratch folder D with a
 * PATH of D/none:D/bin: paths with a '/' or '~' resolved against the app's
 * cwd (or HOME) whether or not they exist, bare names looked up in cwd
 * first when asked, then in PATH (executable regular files only), and
 * left bare when nowhere; and the interpreter a script's extension
 * implies. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecosystem_program.h"
#include "tap.h"
#include "xalloc.h"

static char dir[] = "/tmp/psup-test-program-XXXXXX";

static const struct {
	const char *path;        /* under D */
	int mode;                /* 0: a folder */
} files[] = {
	{ "app.sh", 0755 },
	{ "data.txt", 0644 },
	{ "bin", 0 },
	{ "bin/tool", 0755 },
	{ "bin/plain", 0644 },
	{ "bin/sub", 0 },
	{ "sub", 0 },
};

static const struct {
	const char *cwd;         /* under D */
	const char *prog;
	int look_in_cwd;
	const char *want;        /* "D/..." is under D; else as it is */
} rows[] = {
	{ "", "sub/run.sh", 0, "D/sub/run.sh" },          /* a '/': against cwd, need not exist */
	{ "/sub", "./x", 1, "D/sub/x" },
	{ "/sub", "../app.sh", 0, "D/app.sh" },
	{ "", "/abs/./prog", 1, "/abs/prog" },
	{ "", "~/bin/tool", 0, "D/bin/tool" },            /* HOME is D */
	{ "", "~x", 0, "D/~x" },                          /* only "~/" is HOME */
	{ "", "app.sh", 1, "D/app.sh" },
	{ "", "data.txt", 1, "D/data.txt" },              /* in cwd: any file will do */
	{ "", "sub", 1, "D/sub" },
	{ "", "tool", 1, "D/bin/tool" },                  /* not in cwd: PATH */
	{ "", "tool", 0, "D/bin/tool" },
	{ "/sub", "tool", 1, "D/bin/tool" },
	{ "", "app.sh", 0, "app.sh" },                    /* cwd not asked for, not in PATH */
	{ "", "plain", 0, "plain" },                      /* in PATH, not executable */
	{ "", "sub", 0, "sub" },                          /* in PATH, a folder */
	{ "", "nowhere", 1, "nowhere" },
};

static void test_resolve(void)
{
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = xasprintf("%s/%s", dir, files[i].path);
		int made;
		if (files[i].mode == 0) {
			made = mkdir(p, 0755) == 0;
		} else {
			int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, files[i].mode);
			made = fd >= 0;
			if (fd >= 0)
				close(fd);
		}
		if (!made)
			diag("cannot make %s", p);
		free(p);
	}
	char *path = xasprintf("%s/none:%s/bin", dir, dir);
	setenv("PATH", path, 1);
	setenv("HOME", dir, 1);
	free(path);

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *cwd = xasprintf("%s%s", dir, rows[i].cwd);
		char *want = strncmp(rows[i].want, "D/", 2) == 0 ?
		    xasprintf("%s%s", dir, rows[i].want + 1) : xstrdup(rows[i].want);
		char *got = eco_program_resolve(cwd, rows[i].prog, rows[i].look_in_cwd);
		is_str(got, want, "'%s' from D%s%s: %s", rows[i].prog, rows[i].cwd,
		    rows[i].look_in_cwd ? ", cwd first" : "", rows[i].want);
		free(got);
		free(want);
		free(cwd);
	}

	for (size_t i = sizeof files / sizeof files[0]; i-- > 0;) {
		char *p = xasprintf("%s/%s", dir, files[i].path);
		if ((files[i].mode ? unlink(p) : rmdir(p)) != 0)
			diag("cannot remove %s", p);
		free(p);
	}
}

static void test_interpreter(void)
{
	static const struct {
		const char *script, *want;
	} t[] = {
		{ "app.js", "node" },
		{ "app.mjs", "node" },
		{ "/srv/app.cjs", "node" },
		{ "lib.min.js", "node" },
		{ "tool.py", "python3" },
		{ "tool.py.bak", NULL },
		{ "run.sh", "bash" },
		{ "run.shx", NULL },
		{ "server", NULL },
		{ "/srv/v1.js/server", NULL },    /* a dot in a folder's name is no extension */
		{ "app.jsx", NULL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		is_str(eco_program_interpreter(t[i].script), t[i].want, "interpreter of %s: %s",
		    t[i].script, t[i].want ? t[i].want : "none");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_resolve();
	test_interpreter();
	if (rmdir(dir) != 0)
		diag("cannot remove %s", dir);
	return done_testing();
}
