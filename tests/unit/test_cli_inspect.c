/* cli_inspect against node's own util.inspect(value, false, null, false):
 * every expected text below is what node 20 printed for the JSON beside
 * it (numbers, the three quotes, escapes, identifier keys, the
 * 80-column and three-level rules of one-line objects). */
#include <stdlib.h>

#include "tap.h"
#include "cli_inspect.h"

static const struct {
	const char *json, *want;
} cases[] = {
	{ "[]",
	  "[]" },
	{ "{}",
	  "{}" },
	{ "null",
	  "null" },
	{ "true",
	  "true" },
	{ "0",
	  "0" },
	{ "-0",
	  "-0" },
	{ "42",
	  "42" },
	{ "-7",
	  "-7" },
	{ "15.2",
	  "15.2" },
	{ "0.1",
	  "0.1" },
	{ "1e21",
	  "1e+21" },
	{ "1e-7",
	  "1e-7" },
	{ "123456789012345680000",
	  "123456789012345680000" },
	{ "0.000001",
	  "0.000001" },
	{ "1.5e300",
	  "1.5e+300" },
	{ "-2.5e-10",
	  "-2.5e-10" },
	{ "\"plain\"",
	  "'plain'" },
	{ "\"it's\"",
	  "\"it's\"" },
	{ "\"say \\\"hi\\\"\"",
	  "'say \"hi\"'" },
	{ "\"it's \\\"x\\\"\"",
	  "`it's \"x\"`" },
	{ "\"it's \\\"x\\\" `y`\"",
	  "'it\\'s \"x\" `y`'" },
	{ "\"a\\tb\\nc\\\\d\\r\\b\\f\"",
	  "'a\\tb\\nc\\\\d\\r\\b\\f'" },
	{ "\"\\u0001\\u001b\\u007f\\u0085é\"",
	  "'\\x01\\x1B\\x7F\\x85é'" },
	{ "{\"odd key\":1,\"_ok\":2,\"9x\":3,\"ünï\":4,\"a-b\":5}",
	  "{ 'odd key': 1, _ok: 2, '9x': 3, 'ünï': 4, 'a-b': 5 }" },
	{ "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}",
	  "{\n  a: { b: { c: { d: 1 } } }\n}" },
	{ "{\"a\":{\"b\":{\"c\":1}}}",
	  "{ a: { b: { c: 1 } } }" },
	{ "{\"list\":[1,2,3],\"e\":{},\"f\":[],\"n\":-0.5,\"big\":1e21,\"small\":1e-7,\"x\":0.1}",
	  "{\n  list: [ 1, 2, 3 ],\n  e: {},\n  f: [],\n  n: -0.5,\n  big: 1e+21,\n  small: 1e-7,\n  x: 0.1\n}" },
	{ "{\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"s\":1}",
	  "{\n  long: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n  s: 1\n}" },
	{ "{\"monit\":{\"memory\":53981184,\"cpu\":15.2},\"x\":[{\"a\":1},{\"b\":[]}]}",
	  "{ monit: { memory: 53981184, cpu: 15.2 }, x: [ { a: 1 }, { b: [] } ] }" },
	{ "[{\"pid\":12,\"name\":\"echo\",\"pm2_env\":{\"name\":\"echo\",\"namespace\":\"default\",\"status\":\"online\",\"restart_time\":0,\"pm_exec_path\":\"/a/echo.js\",\"watch\":false,\"exit_code\":null,\"NODE_APP_INSTANCE\":0},\"pm_id\":0,\"monit\":{\"memory\":53981184,\"cpu\":15.2}}]",
	  "[\n  {\n    pid: 12,\n    name: 'echo',\n    pm2_env: {\n      name: 'echo',\n      namespace: 'default',\n      status: 'online',\n      restart_time: 0,\n      pm_exec_path: '/a/echo.js',\n      watch: false,\n      exit_code: null,\n      NODE_APP_INSTANCE: 0\n    },\n    pm_id: 0,\n    monit: { memory: 53981184, cpu: 15.2 }\n  }\n]" },
	{ "{\"k1\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"k2\":\"bbbbbbbbbbbbbbbbbbbbbb\"}",
	  "{ k1: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', k2: 'bbbbbbbbbbbbbbbbbbbbbb' }" },
	{ "{\"k1\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"k2\":\"bbbbbbbbbbbbbbbbbbbbbbb\"}",
	  "{\n  k1: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',\n  k2: 'bbbbbbbbbbbbbbbbbbbbbbb'\n}" },
	{ "[[\"é\",\"é\",\"é\"],{\"deep\":{\"deeper\":{\"deepest\":{}}}}]",
	  "[\n  [ 'é', 'é', 'é' ],\n  { deep: { deeper: { deepest: {} } } }\n]" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *v = cJSON_Parse(cases[i].json);
		struct buf b = { 0 };
		cli_inspect(v, &b);
		is_str(b.p, cases[i].want, "%s", cases[i].json);
		buf_free(&b);
		cJSON_Delete(v);
	}
	return done_testing();
}
