/* psup-testapi entry: options, start-up (port and pid files written whole),
 * then the main thread only waits for SIGTERM/SIGINT or the --max-seconds
 * bound, and shuts down in order: delayed answers, HTTP, stats. */
#include "testapi.h"
#include "atomicfile.h"
#include "clock.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
"usage: psup-testapi [options]\n"
"An OpenAI-compatible test API on one local address, with fault injection and provider\n"
"profiles (OpenAI, Anthropic, Azure OpenAI, Gemini) with true rate limits.\n"
"\n"
"  --port N               port to listen on (default 8080; 0 = a free one)\n"
"  --host ADDR            the IPv4 address to listen on (default 127.0.0.1): one\n"
"                         of this host's own, e.g. a test's veth; never 0.0.0.0\n"
"  --port-file FILE       write the port there once listening\n"
"  --pid-file FILE        write the pid there once listening\n"
"  --threads N            server threads (default 2)\n"
"  --max-seconds N        stop by itself after N seconds (default 0 = never)\n"
"  --log FILE             JSONL access log (time, status, fault, latency)\n"
"  --max-records N        requests whose arrival is kept for /requests (2000000)\n"
"  --tls-cert FILE        serve HTTPS with this PEM certificate (chain) ...\n"
"  --tls-key FILE         ... and this PEM private key (both or neither)\n"
"faults (also live with POST /control {\"fail_500\":0.1, ...}, '-' -> '_'):\n"
"  --rate-limit R         allow R requests/s (GCRA), else 429 + Retry-After\n"
"  --rate-burst B         bucket size for --rate-limit (default R)\n"
"  --fail-429 F           fraction answered 429 with Retry-After\n"
"  --fail-500 F           fraction answered 500\n"
"  --fail-503 F           fraction answered 503 with Retry-After\n"
"  --truncate F           fraction whose body is cut half-way (connection closed)\n"
"  --nonjson F            fraction answered 200 with an HTML body\n"
"  --drop F               fraction whose connection is closed unanswered\n"
"  --nulbody F            fraction answered 200 with a text body holding a NUL byte\n"
"  --badutf8 F            fraction answered 200 with JSON holding bytes not UTF-8\n"
"  --huge F               fraction answered 200 with a JSON body of --huge-bytes\n"
"  --huge-bytes N         that body's size (default 100000000), sent chunked ...\n"
"  --huge-length 0|1      ... or with its Content-Length declared\n"
"  --fail-400-marker S    bodies containing S get 400 (alias --fail-400-field)\n"
"  --api-key KEY          require \"Authorization: Bearer KEY\" or \"x-api-key: KEY\", else 401\n"
"  --insufficient-quota   every request gets OpenAI's insufficient_quota 429\n"
"  --next-429 N           the next N requests get 429 + Retry-After\n"
"  --retry-after N        seconds announced on 429/503 (default 1)\n"
"  --retry-after-mode M   seconds | date (HTTP-date) | reset (x-ratelimit-reset-requests)\n"
"  --delay-ms N           delay every answer by N ms ...\n"
"  --jitter-ms N          ... plus a uniform 0..N ms\n"
"  --seed N               random faults are a function of seed and arrival order\n"
"provider profiles (also live with POST /control {\"provider\":\"gemini\",\"limit_rpm\":600}):\n"
"  --provider P           answer errors and rate-limit headers as P does: openai,\n"
"                         anthropic, azure, gemini, or none (the generic answers)\n"
"  --limit-rpm N          a true limit of N requests per minute: a token bucket of\n"
"                         N refilled continuously at N/60 a second; excess gets 429\n"
"  --limit-tpm N          N tokens (input + output) per minute, same bucket rules:\n"
"                         input (body bytes / 4) must be there on arrival, output\n"
"                         (the answer's usage) is billed when it is sent\n"
"  --limit-itpm N         N input tokens per minute (Anthropic's ITPM)\n"
"  --limit-otpm N         N output tokens per minute (Anthropic's OTPM): a request\n"
"                         passes while the bucket is not in debt\n"
"  --limit-window S       each bucket holds S seconds of its limit (default 60: a\n"
"                         minute's worth); less enforces it over a shorter window\n"
"  --azure-retry M        Azure's 429 retry headers: both (retry-after and\n"
"                         retry-after-ms, default) or x-ms (x-ms-retry-after-ms only)\n"
"  Limits without --provider answer as openai. What each profile sends:\n"
"  openai     x-ratelimit-{limit,remaining,reset}-{requests,tokens} on every answer,\n"
"             resets as Go durations (\"6m0s\") until the bucket is full; a 429 says\n"
"             \"Please try again in 20s\" with no retry-after; insufficient-quota: its\n"
"             insufficient_quota 429\n"
"  azure      x-ratelimit-{limit,remaining}-{requests,tokens}; a 429 {\"error\":{\"code\":\n"
"             \"429\",...}} with the --azure-retry headers\n"
"  anthropic  anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-\n"
"             {limit,remaining,reset}, resets RFC 3339; a 429 rate_limit_error with\n"
"             retry-after (seconds, or an HTTP-date with --retry-after-mode date);\n"
"             fail-503 answers 529 overloaded_error; insufficient-quota: the spend\n"
"             limit 429 (error.details.error_code enforced_spend_limit_reached, no\n"
"             retry-after)\n"
"  gemini     no rate-limit headers; a 429 RESOURCE_EXHAUSTED whose details hold\n"
"             QuotaFailure (the per-minute requests or input-token quota) and\n"
"             RetryInfo retryDelay (\"38s\"), the text saying \"Please retry in 38.9s\";\n"
"             insufficient-quota: the same naming the per-day quota\n"
"  Injected 429s (next-429, fail-429, rate-limit) take the profile's form too.\n"
"  GET /stats \"limits\": refusals per limit, what is left, tokens billed.\n"
"endpoints: POST /v1/chat/completions, POST /v1/messages,\n"
"  POST /openai/deployments/NAME/chat/completions (Azure),\n"
"  POST /v1beta/models/MODEL:generateContent (Gemini), GET /health,\n"
"  GET /stats, GET /requests, GET|POST /control\n"
"Exit: 0 on SIGTERM/SIGINT or --max-seconds, 1 if it cannot start, 2 on bad options.\n";

struct opts {
	long long port, threads, max_seconds, max_records;
	const char *port_file, *pid_file, *log, *tls_cert, *tls_key;
	struct in_addr host;
	struct faults faults;
};

static int parse_num(const char *name, const char *v, long long lo, long long hi,
    long long *out, char **cause)
{
	char *end;
	long long n;

	if (!v)
		return fail(cause, "--%s: missing value", name);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return fail(cause, "--%s: '%s' is not an integer in [%lld, %lld]", name, v, lo, hi);
	*out = n;
	return 0;
}

/* One IPv4 address of this host: a test API with fault injection never
 * listens on every interface at once. */
static int parse_host(const char *v, struct in_addr *out, char **cause)
{
	if (!v)
		return fail(cause, "--host: missing value");
	if (!strcmp(v, "localhost"))
		v = "127.0.0.1";
	if (inet_pton(AF_INET, v, out) != 1)
		return fail(cause, "--host %s: not an IPv4 address (e.g. 127.0.0.1)", v);
	if (out->s_addr == htonl(INADDR_ANY) || out->s_addr == htonl(INADDR_BROADCAST))
		return fail(cause, "--host %s: refused, psup-testapi listens on one address "
		    "(127.0.0.1 only, unless told another of this host's own)", v);
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o, char **cause)
{
	char name[64];
	const char *arg, *v, *eq;
	int i, r;
	size_t n;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0)
			return fail(cause, "unexpected argument '%s' (see --help)", arg);
		arg += 2;
		eq = strchr(arg, '=');
		n = eq ? (size_t)(eq - arg) : strlen(arg);
		if (n >= sizeof(name))
			return fail(cause, "unknown option --%s", arg);
		memcpy(name, arg, n);
		name[n] = '\0';
		if (eq)
			v = eq + 1;
		else if (!strcmp(name, "insufficient-quota"))
			v = NULL;      /* a switch */
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return fail(cause, "--%s: missing value", name);

		if (!strcmp(name, "port"))
			r = parse_num(name, v, 0, 65535, &o->port, cause);
		else if (!strcmp(name, "threads"))
			r = parse_num(name, v, 1, 64, &o->threads, cause);
		else if (!strcmp(name, "max-seconds"))
			r = parse_num(name, v, 0, 86400 * 7, &o->max_seconds, cause);
		else if (!strcmp(name, "max-records"))
			r = parse_num(name, v, 0, 100000000, &o->max_records, cause);
		else if (!strcmp(name, "port-file"))
			r = (o->port_file = v, 0);
		else if (!strcmp(name, "pid-file"))
			r = (o->pid_file = v, 0);
		else if (!strcmp(name, "log"))
			r = (o->log = v, 0);
		else if (!strcmp(name, "tls-cert"))
			r = (o->tls_cert = v, 0);
		else if (!strcmp(name, "tls-key"))
			r = (o->tls_key = v, 0);
		else if (!strcmp(name, "host"))
			r = parse_host(v, &o->host, cause);
		else if ((r = faults_set_option(&o->faults, name, v, cause)) == 1)
			r = fail(cause, "unknown option --%s (see --help)", name);
		if (r < 0)
			return -1;
	}
	if (!o->tls_cert != !o->tls_key)
		return fail(cause, "--tls-cert and --tls-key go together");
	return faults_check(&o->faults, cause);
}

/* A PEM file's text, whole (malloc'd), or NULL with *cause. */
static char *read_pem(const char *path, char **cause)
{
	char *text = NULL;
	size_t len = 0;
	if (atomicfile_read(path, 1000000, &text, &len, cause) < 0)
		return NULL;
	if (!len) {
		free(text);
		return fail(cause, "%s: empty", path), NULL;
	}
	return text;
}

static int write_number_file(const char *path, long long n, char **cause)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lld\n", n);

	return atomicfile_write(path, buf, (size_t)len, 0644, 0, cause);
}

/* Many connections in flight need many descriptors. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Blocks until SIGTERM/SIGINT (returns the signal) or the deadline (0). */
static int wait_for_stop(const sigset_t *set, long long max_seconds)
{
	int64_t deadline = max_seconds ? clock_mono_ms() + max_seconds * 1000 : 0;
	struct timespec ts;
	int64_t left;
	int sig;

	for (;;) {
		if (deadline) {
			left = deadline - clock_mono_ms();
			if (left <= 0)
				return 0;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			sig = sigtimedwait(set, NULL, &ts);
		} else {
			sig = sigwaitinfo(set, NULL);
		}
		if (sig > 0)
			return sig;
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .port = 8080, .threads = 2, .max_records = 2000000,
		.host.s_addr = htonl(INADDR_LOOPBACK) };
	char addr[INET_ADDRSTRLEN];
	struct MHD_Daemon *d;
	char *cause = NULL, *cert = NULL, *key = NULL;
	sigset_t set;
	unsigned short port;
	int sig, rc = 0;

	faults_defaults(&o.faults);
	if (parse_args(argc, argv, &o, &cause) < 0) {
		fprintf(stderr, "psup-testapi: %s\n", cause);
		free(cause);
		return 2;
	}
	/* Signals are handled by the main thread alone: block them before any
	 * thread starts so every thread inherits the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	raise_nofile();

	faults_init(&o.faults);
	if (stats_init((size_t)o.max_records, o.log, &cause) < 0 || delay_start(&cause) < 0) {
		fprintf(stderr, "psup-testapi: %s\n", cause);
		free(cause);
		stats_free();
		return 1;
	}
	if ((o.tls_cert && (!(cert = read_pem(o.tls_cert, &cause)) ||
	    !(key = read_pem(o.tls_key, &cause)))) ||
	    !(d = http_start(o.host, (unsigned short)o.port, (int)o.threads, key, cert, &cause))) {
		fprintf(stderr, "psup-testapi: %s\n", cause);
		free(cause);
		free(cert);
		free(key);
		delay_stop();
		stats_free();
		return 1;
	}
	port = http_port(d);
	if ((o.pid_file && write_number_file(o.pid_file, getpid(), &cause) < 0) ||
	    (o.port_file && write_number_file(o.port_file, port, &cause) < 0)) {
		fprintf(stderr, "psup-testapi: %s\n", cause);
		free(cause);
		rc = 1;
	} else {
		inet_ntop(AF_INET, &o.host, addr, sizeof addr);
		printf("psup-testapi: listening on %s://%s:%u (pid %d)\n", cert ? "https" : "http", addr,
		    port, (int)getpid());
		fflush(stdout);
		sig = wait_for_stop(&set, o.max_seconds);
		if (sig == 0)
			printf("psup-testapi: --max-seconds %lld reached, stopping\n", o.max_seconds);
		else if (sig > 0)
			printf("psup-testapi: %s, stopping\n", strsignal(sig));
		else
			rc = 1;
	}
	delay_stop();
	MHD_stop_daemon(d);
	free(cert);
	free(key);
	stats_flush();
	stats_free();
	if (o.pid_file)
		unlink(o.pid_file);
	if (o.port_file)
		unlink(o.port_file);
	return rc;
}
