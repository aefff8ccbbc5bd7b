/* Request accounting for the test API: counters by status and fault, an
 * arrivals-per-second histogram, every request's arrival time and status (so
 * tests can measure rates over any window), and the optional JSONL access
 * log. Counters are atomics: handler threads never wait on each other here,
 * except for the log's lock. */
#include "testapi.h"
#include "clock.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STATUS 600
#define N_FAULTS FK_COUNT
#define HIST_SECONDS 3600

struct record {
	_Atomic int64_t t_ns;    /* arrival, monotonic */
	_Atomic int status;      /* -1 while in flight, 0 dropped */
};

static int64_t start_ns, start_real_ms;
static struct record *records;
static size_t n_records;
static atomic_ullong requests;
static atomic_llong answered, aborted, inflight, max_inflight, marker_hits, control_hits;
static atomic_llong by_status[MAX_STATUS];
static atomic_llong by_fault[N_FAULTS];
static atomic_llong per_second[HIST_SECONDS];
static atomic_llong first_ns, last_ns;
static atomic_llong connections, open_connections;

static FILE *access_log;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int stats_init(size_t max_records, const char *log_path, char **cause)
{
	start_ns = clock_mono_ns();
	start_real_ms = clock_real_ms();
	n_records = max_records;
	/* calloc'd pages stay untouched (and free) until requests use them */
	records = xcalloc(n_records ? n_records : 1, sizeof(*records));
	if (log_path) {
		if (!(access_log = fopen(log_path, "a")))
			return fail(cause, "cannot open log %s: %s", log_path, strerror(errno));
		setvbuf(access_log, NULL, _IOLBF, 0);
	}
	return 0;
}

void stats_free(void)
{
	if (access_log)
		fclose(access_log);
	access_log = NULL;
	free(records);
	records = NULL;
}

void stats_flush(void)
{
	if (access_log) {
		pthread_mutex_lock(&log_lock);
		fflush(access_log);
		pthread_mutex_unlock(&log_lock);
	}
}

uint64_t stats_arrive(int64_t now_ns)
{
	uint64_t seq = atomic_fetch_add(&requests, 1);
	long long sec = (now_ns - start_ns) / 1000000000;
	long long in = atomic_fetch_add(&inflight, 1) + 1, m;
	long long zero = 0;

	if (seq < n_records) {
		atomic_store(&records[seq].t_ns, now_ns);
		atomic_store(&records[seq].status, -1);
	}
	atomic_fetch_add(&per_second[sec < HIST_SECONDS ? sec : HIST_SECONDS - 1], 1);
	atomic_compare_exchange_strong(&first_ns, &zero, now_ns);
	m = atomic_load(&last_ns);
	while (now_ns > m && !atomic_compare_exchange_weak(&last_ns, &m, now_ns))
		;
	m = atomic_load(&max_inflight);
	while (in > m && !atomic_compare_exchange_weak(&max_inflight, &m, in))
		;
	return seq;
}

void stats_abort(uint64_t seq)
{
	atomic_fetch_sub(&inflight, 1);
	atomic_fetch_add(&aborted, 1);
	if (seq < n_records)
		atomic_store(&records[seq].status, 0);
}

void stats_connection(int delta)
{
	if (delta > 0)
		atomic_fetch_add(&connections, 1);
	atomic_fetch_add(&open_connections, delta);
}

void stats_marker_hit(void) { atomic_fetch_add(&marker_hits, 1); }
void stats_control_hit(void) { atomic_fetch_add(&control_hits, 1); }

/* Writes s as a JSON string body (no quotes) into f. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void stats_answer(uint64_t seq, const char *method, const char *path, int status,
    enum fault_kind fault, size_t bytes, int64_t arrival_ns, int64_t now_ns,
    const char *key)
{
	atomic_fetch_sub(&inflight, 1);
	atomic_fetch_add(&answered, 1);
	if (status > 0 && status < MAX_STATUS)
		atomic_fetch_add(&by_status[status], 1);
	atomic_fetch_add(&by_fault[fault], 1);
	if (seq < n_records)
		atomic_store(&records[seq].status, status);
	if (!access_log)
		return;
	pthread_mutex_lock(&log_lock);
	fprintf(access_log, "{\"t\":%.3f,\"seq\":%llu,\"method\":\"",
	    (double)start_real_ms + (double)(arrival_ns - start_ns) / 1e6,
	    (unsigned long long)seq);
	put_escaped(access_log, method);
	fputs("\",\"path\":\"", access_log);
	put_escaped(access_log, path);
	fprintf(access_log, "\",\"status\":%d,\"fault\":\"%s\",\"latency_ms\":%.3f,\"bytes\":%zu",
	    status, fault_name(fault), (double)(now_ns - arrival_ns) / 1e6, bytes);
	if (key)
		fprintf(access_log, ",\"key\":\"%s\"", key);
	fputs("}\n", access_log);
	pthread_mutex_unlock(&log_lock);
}

char *stats_json(void)
{
	cJSON *o = cJSON_CreateObject(), *st, *fl, *hist;
	int64_t now = clock_mono_ns(), f = atomic_load(&first_ns), l = atomic_load(&last_ns);
	char key[16], *out;
	int i, last = -1;

	cJSON_AddNumberToObject(o, "start_ms", (double)start_real_ms);
	cJSON_AddNumberToObject(o, "uptime_ms", (double)((now - start_ns) / 1000000));
	cJSON_AddNumberToObject(o, "requests", (double)atomic_load(&requests));
	cJSON_AddNumberToObject(o, "answered", (double)atomic_load(&answered));
	cJSON_AddNumberToObject(o, "aborted", (double)atomic_load(&aborted));
	cJSON_AddNumberToObject(o, "inflight", (double)atomic_load(&inflight));
	cJSON_AddNumberToObject(o, "max_inflight", (double)atomic_load(&max_inflight));
	cJSON_AddNumberToObject(o, "connections", (double)atomic_load(&connections));
	cJSON_AddNumberToObject(o, "open_connections", (double)atomic_load(&open_connections));
	cJSON_AddNumberToObject(o, "marker_requests", (double)atomic_load(&marker_hits));
	cJSON_AddNumberToObject(o, "control_requests", (double)atomic_load(&control_hits));
	if (f) {
		cJSON_AddNumberToObject(o, "first_arrival_ms", (double)(f - start_ns) / 1e6);
		cJSON_AddNumberToObject(o, "last_arrival_ms", (double)(l - start_ns) / 1e6);
	} else {
		cJSON_AddNullToObject(o, "first_arrival_ms");
		cJSON_AddNullToObject(o, "last_arrival_ms");
	}
	st = cJSON_AddObjectToObject(o, "by_status");
	for (i = 1; i < MAX_STATUS; i++) {
		long long n = atomic_load(&by_status[i]);
		if (n) {
			snprintf(key, sizeof(key), "%d", i);
			cJSON_AddNumberToObject(st, key, (double)n);
		}
	}
	fl = cJSON_AddObjectToObject(o, "by_fault");
	for (i = 0; i < N_FAULTS; i++) {
		long long n = atomic_load(&by_fault[i]);
		if (n)
			cJSON_AddNumberToObject(fl, fault_name(i), (double)n);
	}
	for (i = 0; i < HIST_SECONDS; i++)
		if (atomic_load(&per_second[i]))
			last = i;
	hist = cJSON_AddArrayToObject(o, "per_second");
	for (i = 0; i <= last; i++)
		cJSON_AddItemToArray(hist, cJSON_CreateNumber((double)atomic_load(&per_second[i])));
	cJSON_AddItemToObject(o, "faults", faults_to_json());
	cJSON_AddItemToObject(o, "limits", provider_stats_json());
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* {"start_ms":…,"count":N,"t_ms":[…],"status":[…]}: arrival times in ms since
 * start (microsecond precision) and status (-1 in flight, 0 dropped), in
 * arrival-number order. Built by hand: it can hold a million entries. */
char *stats_requests_json(void)
{
	size_t n = atomic_load(&requests), i, cap, len = 0;
	char *buf;
	int w;

	if (n > n_records)
		n = n_records;
	cap = 128 + n * 24;
	buf = xmalloc(cap);
	w = snprintf(buf, cap, "{\"start_ms\":%lld,\"count\":%zu,\"t_ms\":[",
	    (long long)start_real_ms, n);
	len += (size_t)w;
	for (i = 0; i < n; i++) {
		int64_t t = atomic_load(&records[i].t_ns);
		/* a slot whose arrival is not written yet reads as 0: report 0 */
		double ms = t ? (double)(t - start_ns) / 1e6 : 0;
		w = snprintf(buf + len, cap - len, "%s%.3f", i ? "," : "", ms);
		len += (size_t)w;
	}
	len += (size_t)snprintf(buf + len, cap - len, "],\"status\":[");
	for (i = 0; i < n; i++) {
		w = snprintf(buf + len, cap - len, "%s%d", i ? "," : "",
		    atomic_load(&records[i].status));
		len += (size_t)w;
	}
	snprintf(buf + len, cap - len, "]}");
	return buf;
}
