/* The least a libcurl client does per request: GET URL N times, C at a
 * time, over kept-alive connections, each easy handle reused as soon as
 * its transfer ends, the body thrown away; no queue, no parsing, no
 * store. psup-worker sends its requests through libcurl, so this is the
 * ceiling of any worker built on it, measured beside wrk in the same run.
 *   curlmulti URL N [C]     C defaults to 64 (wrk -c64, psup-worker's
 *                           concurrency in the bench)
 * Prints "N OK SECONDS" on stdout: requests, those answered 200, wall time.
 * Exit 1 when a transfer fails or answers another status. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: curlmulti URL N [CONCURRENCY]\n");
		return 2;
	}
	const char *url = argv[1];
	long total = atol(argv[2]);
	long conc = argc == 4 ? atol(argv[3]) : 64;
	if (total <= 0 || conc <= 0) {
		fprintf(stderr, "curlmulti: N and CONCURRENCY must be positive\n");
		return 2;
	}
	if (conc > total)
		conc = total;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "curlmulti: curl_global_init failed\n");
		return 1;
	}
	CURLM *m = curl_multi_init();
	if (!m) {
		fprintf(stderr, "curlmulti: curl_multi_init failed\n");
		return 1;
	}
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, conc);
	long started = 0, done = 0, ok = 0, bad = 0;
	double t0 = now_s();
	for (long i = 0; i < conc; i++) {
		CURL *e = curl_easy_init();
		if (!e || curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
		    curl_multi_add_handle(m, e) != CURLM_OK) {
			fprintf(stderr, "curlmulti: setting up a transfer failed\n");
			return 1;
		}
		started++;
	}
	/* Bounded: every transfer ends (curl's own connect and read errors
	 * included), and a failure stops the run at once. */
	while (done < total && !bad) {
		int running;
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			long status = 0;
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			if (msg->data.result != CURLE_OK) {
				fprintf(stderr, "curlmulti: %s: %s\n", url, curl_easy_strerror(msg->data.result));
				bad++;
			} else if (status == 200) {
				ok++;
			}
			done++;
			curl_multi_remove_handle(m, e);
			if (started < total && curl_multi_add_handle(m, e) == CURLM_OK)
				started++;
			else
				curl_easy_cleanup(e);
		}
		if (done < total && !bad && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
	double secs = now_s() - t0;
	printf("%ld %ld %.3f\n", done, ok, secs);
	return done == total && ok == total ? 0 : 1;
}
