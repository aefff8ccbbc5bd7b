/* The protocol layers: UTF-8 checks, decoding (versions, commands, argument
 * types), encoding. Framing is common/linefr.c (test_linefr.c); the fuzz
 * corpus is replayed through framing and decoding by build/tests/fuzz_proto. */
#include "tap.h"
#include "proto.h"

#include <stdlib.h>

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t n;
		int valid;
	} t[] = {
		{ "plain", 5, 1 },
		{ "caf\xc3\xa9", 5, 1 },
		{ "\xe2\x82\xac", 3, 1 },
		{ "\xf0\x9f\x98\x80", 4, 1 },
		{ "a\0b", 3, 0 },
		{ "\xc3", 1, 0 },              /* truncated */
		{ "\xc0\xaf", 2, 0 },          /* overlong */
		{ "\xed\xa0\x80", 3, 0 },      /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },  /* > U+10FFFF */
		{ "\xff\xfe", 2, 0 },
		{ "\x80", 1, 0 },
		{ "\xe2\x82", 2, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		is_int(proto_utf8_valid(t[i].s, t[i].n), t[i].valid, "utf8 case %zu", i);
}

static void test_decode(void)
{
	static const struct {
		const char *line;
		int rc;
		int cmd;
		const char *target, *file;
		const char *err;        /* substring of the error */
	} t[] = {
		{ "{\"v\":1,\"cmd\":\"ping\"}", PROTO_OK, PROTO_PING, NULL, NULL, NULL },
		{ " {\"cmd\":\"list\",\"v\":1} ", PROTO_OK, PROTO_LIST, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/a/b.yaml\"}", PROTO_OK, PROTO_START, NULL, "/a/b.yaml", NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"target\":\"web\"}", PROTO_OK, PROTO_START, "web", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"rel.yaml\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "absolute" },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/x\",\"target\":\"y\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "not both" },
		{ "{\"v\":1,\"cmd\":\"start\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "missing \"target\"" },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":\"all\"}", PROTO_OK, PROTO_STOP, "all", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":3}", PROTO_OK, PROTO_STOP, "3", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":-3}", PROTO_ERR_REQUEST, 0, NULL, NULL, "must be a string" },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":[true]}", PROTO_ERR_REQUEST, 0, NULL, NULL, "must be a string" },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":[]}", PROTO_ERR_REQUEST, 0, NULL, NULL, "empty list" },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":[\"a\",2]}", PROTO_OK, PROTO_STOP, "a", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/a.yaml\",\"env\":{\"A\":\"1\"},\"env_name\":\"prod\",\"only\":[\"x\"]}", PROTO_OK, PROTO_START, NULL, "/a.yaml", NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/a.yaml\",\"env\":{\"A\":1}}", PROTO_ERR_REQUEST, 0, NULL, NULL, "names to strings" },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/a.yaml\",\"env\":[\"A=1\"]}", PROTO_ERR_REQUEST, 0, NULL, NULL, "object of strings" },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/a.yaml\",\"only\":\"x\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "list of strings" },
		{ "{\"v\":1,\"cmd\":\"start\",\"app\":{\"script\":\"a.sh\"},\"cwd\":\"/tmp\"}", PROTO_OK, PROTO_START, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"app\":{\"script\":\"a.sh\"}}", PROTO_ERR_REQUEST, 0, NULL, NULL, "needs \"cwd\"" },
		{ "{\"v\":1,\"cmd\":\"start\",\"app\":{\"script\":\"a.sh\"},\"cwd\":\"/tmp\",\"rerun\":true}", PROTO_OK, PROTO_START, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"app\":{\"script\":\"a.sh\"},\"cwd\":\"/tmp\",\"rerun\":1}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"rerun\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"start\",\"app\":{},\"cwd\":\"/\",\"file\":\"/a\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "not both" },
		{ "{\"v\":1,\"cmd\":\"restart\",\"target\":\"a\",\"update_env\":true}", PROTO_ERR_REQUEST, 0, NULL, NULL, "needs \"env\"" },
		{ "{\"v\":1,\"cmd\":\"restart\",\"target\":\"a\",\"update_env\":true,\"env\":{}}", PROTO_OK, PROTO_RESTART, "a", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"reset\",\"target\":\"all\"}", PROTO_OK, PROTO_RESET, "all", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"save\",\"force\":true}", PROTO_OK, PROTO_SAVE, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"save\",\"force\":1}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"force\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"save\",\"clear\":true}", PROTO_OK, PROTO_SAVE, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"save\",\"clear\":\"yes\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"clear\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"list\",\"pm2\":true}", PROTO_OK, PROTO_LIST, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"restart\",\"target\":\"a\",\"toggle_watch\":true}", PROTO_OK, PROTO_RESTART, "a", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":[\"/f.yaml\",\"a\"],\"some\":true}", PROTO_OK, PROTO_STOP, "/f.yaml", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"target\":\"a\",\"restart_running\":true}", PROTO_OK, PROTO_START, "a", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"start\",\"target\":\"a\",\"restart_running\":0}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"restart_running\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"delete\",\"target\":\"a\",\"some\":\"yes\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"some\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"start\",\"file\":\"/f.yaml\",\"adopt\":true}", PROTO_OK, PROTO_START, NULL, "/f.yaml", NULL },
		{ "{\"v\":1,\"cmd\":\"restart\",\"target\":\"a\",\"toggle_watch\":\"on\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"toggle_watch\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"list\",\"pm2\":1}", PROTO_ERR_REQUEST, 0, NULL, NULL, "\"pm2\" must be true or false" },
		{ "{\"v\":1,\"cmd\":\"scale\",\"target\":\"web\",\"instances\":4}", PROTO_OK, PROTO_SCALE, "web", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"scale\",\"target\":\"web\",\"instances\":0}", PROTO_ERR_REQUEST, 0, NULL, NULL, "1..1024" },
		{ "{\"v\":1,\"cmd\":\"scale\",\"target\":\"web\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "instances" },
		{ "{\"v\":1,\"cmd\":\"stop\",\"target\":\"\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "empty" },
		{ "{\"v\":1,\"cmd\":\"restart\",\"target\":\"chunk\"}", PROTO_OK, PROTO_RESTART, "chunk", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"delete\",\"target\":\"x\"}", PROTO_OK, PROTO_DELETE, "x", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"describe\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "describe: missing" },
		{ "{\"v\":1,\"cmd\":\"flush\"}", PROTO_OK, PROTO_FLUSH, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"signal\",\"target\":\"a\",\"signal\":10}", PROTO_OK, PROTO_SIGNAL, "a", NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"signal\",\"target\":\"a\",\"signal\":\"USR1\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "signal number" },
		{ "{\"v\":1,\"cmd\":\"signal\",\"target\":\"a\",\"signal\":65}", PROTO_ERR_REQUEST, 0, NULL, NULL, "signal number" },
		{ "{\"v\":1,\"cmd\":\"signal\",\"target\":\"a\",\"signal\":1.5}", PROTO_ERR_REQUEST, 0, NULL, NULL, "signal number" },
		{ "{\"v\":1,\"cmd\":\"wait\",\"timeout_ms\":1500}", PROTO_OK, PROTO_WAIT, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"wait\",\"timeout_ms\":\"1s\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "timeout_ms" },
		{ "{\"v\":1,\"cmd\":\"save\"}", PROTO_OK, PROTO_SAVE, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"resurrect\"}", PROTO_OK, PROTO_RESURRECT, NULL, NULL, NULL },
		{ "{\"v\":1,\"cmd\":\"kill\"}", PROTO_OK, PROTO_KILL, NULL, NULL, NULL },
		{ "{\"v\":2,\"cmd\":\"ping\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "version" },
		{ "{\"cmd\":\"ping\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "version" },
		{ "{\"v\":\"1\",\"cmd\":\"ping\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "version" },
		{ "{\"v\":1}", PROTO_ERR_REQUEST, 0, NULL, NULL, "missing \"cmd\"" },
		{ "{\"v\":1,\"cmd\":7}", PROTO_ERR_REQUEST, 0, NULL, NULL, "missing \"cmd\"" },
		{ "{\"v\":1,\"cmd\":\"frobnicate\"}", PROTO_ERR_REQUEST, 0, NULL, NULL, "unknown command \"frobnicate\"" },
		{ "[1,2]", PROTO_ERR_FRAME, 0, NULL, NULL, "not a JSON object" },
		{ "\"ping\"", PROTO_ERR_FRAME, 0, NULL, NULL, "not a JSON object" },
		{ "{\"v\":1,", PROTO_ERR_FRAME, 0, NULL, NULL, "not valid JSON" },
		{ "hello", PROTO_ERR_FRAME, 0, NULL, NULL, "not valid JSON" },
		{ "", PROTO_ERR_FRAME, 0, NULL, NULL, "not valid JSON" },
		{ "{} {}", PROTO_ERR_FRAME, 0, NULL, NULL, "after" },
		{ "{\"v\":1,\"cmd\":\"ping\"}\xff", PROTO_ERR_FRAME, 0, NULL, NULL, "UTF-8" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct proto_req req;
		char *err = NULL;
		int rc = proto_decode(t[i].line, strlen(t[i].line), &req, &err);
		is_int(rc, t[i].rc, "decode %zu: %s", i, t[i].line);
		if (rc == PROTO_OK) {
			ok(req.cmd == (enum proto_cmd)t[i].cmd &&
			    (t[i].target ? req.target && strcmp(req.target, t[i].target) == 0 : !req.target) &&
			    (t[i].file ? req.file && strcmp(req.file, t[i].file) == 0 : !req.file),
			    "decode %zu: fields", i);
			proto_req_free(&req);
		} else {
			ok(err && t[i].err && strstr(err, t[i].err), "decode %zu: error says \"%s\" (%s)",
			    i, t[i].err ? t[i].err : "", err ? err : "(null)");
			ok(!strchr(err ? err : "", '\n'), "decode %zu: error is one line", i);
		}
		free(err);
	}

	/* start SCRIPT's rerun arrives */
	struct proto_req req;
	char *err = NULL;
	const char *rr = "{\"v\":1,\"cmd\":\"start\",\"app\":{\"script\":\"a\"},\"cwd\":\"/\",\"rerun\":true}";
	if (proto_decode(rr, strlen(rr), &req, &err) == PROTO_OK) {
		is_int(req.rerun, 1, "rerun: true is kept");
		proto_req_free(&req);
	} else {
		ok(0, "rerun decodes: %s", err ? err : "?");
	}
	free(err);
	err = NULL;

	/* a NUL inside the line is binary */
	is_int(proto_decode("{\"v\":1,\0\"cmd\":\"ping\"}", 21, &req, &err), PROTO_ERR_FRAME, "NUL byte refused");
	free(err);

	/* deep nesting does not crash */
	char deep[4001];
	for (int i = 0; i < 2000; i++) {
		deep[i] = '[';
		deep[2000 + i] = ']';
	}
	deep[4000] = '\0';
	err = NULL;
	ok(proto_decode(deep, 4000, &req, &err) == PROTO_ERR_FRAME, "deep nesting is an error, not a crash");
	free(err);
}

static void test_encode(void)
{
	size_t len;
	char *s = proto_encode_error("no app \"x\"\nsecond line", &len);
	is_str(s, "{\"ok\":false,\"error\":\"no app \\\"x\\\"\\nsecond line\"}\n", "error reply is one escaped line");
	is_int(len, strlen(s), "length returned");
	free(s);
	cJSON *o = proto_reply_ok();
	cJSON_AddNumberToObject(o, "started_at", 1763912345678.0);
	cJSON_AddNumberToObject(o, "memory", 5000000000.0);
	s = proto_encode(o, &len);
	is_str(s, "{\"ok\":true,\"started_at\":1763912345678,\"memory\":5000000000}\n",
	    "large integers print whole");
	free(s);
	cJSON_Delete(o);
}

int main(void)
{
	test_utf8();
	test_decode();
	test_encode();
	return done_testing();
}
