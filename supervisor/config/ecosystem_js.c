/* JavaScript process files evaluated by node into JSON (ecosystem_js.h). */
#include "ecosystem_js.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "clock.h"
#include "ecosystem_program.h"
#include "xalloc.h"

extern char **environ;

/* What node runs: argv[1] is the file, argv[2] the mode. A module is
 * require()d as pm2 does, and import()ed when it is an ES module; its
 * default export, or its named exports (export const apps = ...), is the
 * config. An ES-module syntax error node could not take either way exits 3,
 * so the caller can retry with module detection on. */
static const char bridge[] =
	"const path=require('path'),url=require('url'),fs=require('fs'),vm=require('vm');"
	"const f=path.resolve(process.argv[1]),mode=process.argv[2];"
	"const esm=e=>!!e&&(e.code==='ERR_REQUIRE_ESM'||e.code==='ERR_REQUIRE_ASYNC_MODULE'||"
	"(e instanceof SyntaxError&&/\\b(import|export)\\b|top-level await/.test(e.message)));"
	"const out=m=>{if(m&&m[Symbol.toStringTag]==='Module')"
	"m=m.default!==undefined?m.default:Object.assign({},m);"
	"if(m&&typeof m.then==='function')return m.then(out);"
	"process.stdout.write(JSON.stringify(m===undefined?null:m,null,1)+'\\n');};"
	"const imp=()=>import(url.pathToFileURL(f).href);"
	"(async()=>{if(mode==='expr'){const t=fs.readFileSync(f,'utf8');"
	"return out(vm.runInNewContext('('+t+'\\n)',{},{filename:f,timeout:5000}));}"
	"if(f.endsWith('.mjs'))return out(await imp());"
	"let m;try{m=require(f);}catch(e){if(!esm(e))throw e;"
	"try{m=await imp();}catch(e2){if(esm(e2)){process.stderr.write(String(e2.stack||e2)+'\\n');"
	"process.exit(3);}throw e2;}}"
	"return out(m);})().catch(e=>{process.stderr.write(String(e&&e.stack||e)+'\\n');"
	"process.exit(2);});";

int eco_js_is_module(const char *path)
{
	size_t n = strlen(path);
	static const char *const ext[] = { ".js", ".cjs", ".mjs" };
	for (int i = 0; i < 3; i++) {
		size_t l = strlen(ext[i]);
		if (n > l && strcmp(path + n - l, ext[i]) == 0)
			return 1;
	}
	return 0;
}

static const char *env_get(char *const *env, const char *key)
{
	size_t kl = strlen(key);
	for (char *const *e = env; e && *e; e++)
		if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
			return *e + kl + 1;
	return NULL;
}

/* Reads what is there on fd into b; 1 at EOF, 0 for more later. */
static int drain(int fd, struct buf *b)
{
	char chunk[16384];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r > 0) {
			if (b->len + (size_t)r <= ECO_JS_OUT_MAX)
				buf_add(b, chunk, (size_t)r);
			continue;
		}
		if (r == 0)
			return 1;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : 1;
	}
}

/* The first lines of what node said, enough to find the mistake. */
static char *node_said(struct buf *err)
{
	buf_addc(err, '\0');
	char *s = err->p;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	int lines = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' && ++lines == 8) {
			s[i] = '\0';
			break;
		}
	return xstrdup(*s ? s : "(no message)");
}

static void close_fds(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

struct run {
	int status;              /* waitpid status */
	int timed_out;
	struct buf out, err;
};

/* Runs argv with env in dir, collecting stdout and stderr until both end
 * or the timeout. */
static int run_node(char *const *argv, const char *dir, char *const *env, struct run *r,
    char **cause)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		int e = errno;
		close_fds((int[]){ devnull, po[0], po[1], pe[0], pe[1], rep[0], rep[1] }, 7);
		return fail(cause, "cannot make pipes for node: %s", strerror(e));
	}
	pid_t pid = fork();
	if (pid == 0) {
		int fds[3] = { devnull, po[1], pe[1] };
		int rfd = rep[1];
		if (child_reset(fds, 3, 1, &rfd) < 0)
			child_report_fail(rfd, CHILD_STAGE_FDS);
		if (chdir(dir) < 0)
			child_report_fail(rfd, CHILD_STAGE_CHDIR);
		execve(argv[0], argv, env);
		child_report_fail(rfd, CHILD_STAGE_EXEC);
	}
	int e = errno;
	/* the child's ends, then (when there is no child) ours */
	close_fds((int[]){ devnull, po[1], pe[1], rep[1] }, 4);
	if (pid < 0) {
		close_fds((int[]){ po[0], pe[0], rep[0] }, 3);
		return fail(cause, "cannot start node: %s", strerror(e));
	}
	struct child_report cr;
	if (child_exec_result(rep[0], &cr)) {
		waitpid(pid, NULL, 0);
		close(po[0]);
		close(pe[0]);
		return fail(cause, "cannot run %s: %s", argv[0], strerror(cr.err));
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	int64_t deadline = clock_mono_ms() + ECO_JS_TIMEOUT_MS;
	int open_out = 1, open_err = 1;
	while (open_out || open_err) {
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0) {
			r->timed_out = 1;
			break;
		}
		struct pollfd p[2] = { { po[0], open_out ? POLLIN : 0, 0 },
			{ pe[0], open_err ? POLLIN : 0, 0 } };
		int n = poll(p, 2, (int)left);
		if (n < 0 && errno != EINTR)
			break;
		if (open_out && p[0].revents)
			open_out = !drain(po[0], &r->out);
		if (open_err && p[1].revents)
			open_err = !drain(pe[0], &r->err);
	}
	close(po[0]);
	close(pe[0]);
	/* node and whatever the file started: it ran in its own session */
	if (r->timed_out)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int eco_js_eval(const char *path, const char *dir, enum eco_js_mode mode, char *const *env,
    char **json, size_t *len, char **cause)
{
	if (!env)
		env = environ;
	char *node = eco_program_which("node", env_get(env, "PATH"));
	if (!node)
		return fail(cause, "%s: node was not found in PATH: it is needed to read a JavaScript "
		    "process file (install Node.js, or write the file as YAML: psup init)", path);
	char *argv[] = { node, NULL, (char *)"-e", (char *)bridge, (char *)path,
		(char *)(mode == ECO_JS_EXPR ? "expr" : "module"), NULL };
	int rc = -1;
	/* without module detection first; with it when the file is an ES
	 * module node could not take as one (a .js outside "type": "module") */
	for (int pass = 0; pass < 2; pass++) {
		struct run r = { 0 };
		argv[1] = pass ? (char *)"--experimental-detect-module" : (char *)"--no-warnings";
		char *why = NULL;
		if (run_node(argv, dir, env, &r, &why) < 0) {
			fail(cause, "%s: %s", path, why);
			free(why);
			buf_free(&r.out);
			buf_free(&r.err);
			break;
		}
		int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
		if (r.timed_out) {
			fail(cause, "%s: node did not finish evaluating it in %d s (does it wait on "
			    "something?)", path, ECO_JS_TIMEOUT_MS / 1000);
		} else if (code == 3 && pass == 0) {
			buf_free(&r.out);
			buf_free(&r.err);
			continue;
		} else if (code != 0 || r.out.len == 0) {
			char *said = node_said(&r.err);
			if (code == -1)
				fail(cause, "%s: node was killed by signal %d: %s", path,
				    WTERMSIG(r.status), said);
			else
				fail(cause, "%s: node cannot evaluate it:\n  %s", path, said);
			free(said);
		} else if (r.out.len >= ECO_JS_OUT_MAX) {
			fail(cause, "%s: evaluates to over %d MiB of settings", path,
			    ECO_JS_OUT_MAX >> 20);
		} else {
			*json = buf_take(&r.out, len);
			rc = 0;
		}
		buf_free(&r.out);
		buf_free(&r.err);
		break;
	}
	free(node);
	return rc;
}
