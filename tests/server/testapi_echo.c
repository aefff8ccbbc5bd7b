/* The test API's successful answers: an "echo: <user content>" completion in
 * OpenAI chat or Anthropic messages form (a chat body with "stream": true
 * gets it as OpenAI streams it: server-sent events of chunks, then
 * "data: [DONE]"), and for a chat body whose max_tokens is no integer
 * OpenAI's 400. Everything is derived from the
 * request body alone, so the same request always gets the same answer. */
#include "testapi.h"
#include "buf.h"
#include "hash.h"
#include "xalloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *p, size_t n)
{
	return hash_fnv1a(HASH_FNV1A_INIT, p, n);
}

void echo_log_key(const char *body, size_t len, char *out, size_t n)
{
	snprintf(out, n, "%016llx", (unsigned long long)fnv1a(body, len));
}

char *echo_message_text(const cJSON *content)
{
	const cJSON *part, *text;
	size_t len = 0, n;
	char *out;

	if (cJSON_IsString(content))
		return xstrdup(content->valuestring);
	if (!cJSON_IsArray(content))
		return NULL;
	out = xstrdup("");
	cJSON_ArrayForEach(part, content) {
		text = cJSON_GetObjectItemCaseSensitive(part, "text");
		if (!cJSON_IsString(text))
			continue;
		n = strlen(text->valuestring);
		out = xrealloc(out, len + n + 1);
		memcpy(out + len, text->valuestring, n + 1);
		len += n;
	}
	return out;
}

/* Parses body and finds the last user message. On success returns the parsed
 * root and *text (malloc'd); otherwise NULL with *why. */
static cJSON *parse_request(const char *body, size_t len, char **text, const char **why)
{
	cJSON *root, *msgs, *m, *role;
	const cJSON *user = NULL;

	*text = NULL;
	root = cJSON_ParseWithLength(body, len);
	if (!root || !cJSON_IsObject(root)) {
		*why = "request body is not a JSON object";
		cJSON_Delete(root);
		return NULL;
	}
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!cJSON_IsArray(msgs)) {
		*why = "messages: expected an array";
		cJSON_Delete(root);
		return NULL;
	}
	cJSON_ArrayForEach(m, msgs) {
		role = cJSON_GetObjectItemCaseSensitive(m, "role");
		if (cJSON_IsString(role) && !strcmp(role->valuestring, "user"))
			user = m;
	}
	if (!user || !(*text = echo_message_text(cJSON_GetObjectItemCaseSensitive(user, "content")))) {
		*why = "messages: no user message with text content";
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static const char *model_of(const cJSON *root)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "model");

	return cJSON_IsString(m) ? m->valuestring : "psup-test";
}

/* Rough token counts, as a real API would bill: about 4 bytes a token. */
static double tokens(size_t bytes)
{
	return (double)((bytes + 3) / 4);
}

/* OpenAI's refusal of a max_tokens that is not an integer (a string, as
 * a spreadsheet's cell is): its words, or NULL when it is one or absent. */
static const char *max_tokens_refused(const cJSON *root)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "max_tokens");
	if (!m || (cJSON_IsNumber(m) && m->valuedouble == (double)(long long)m->valuedouble))
		return NULL;
	if (cJSON_IsString(m))
		return "Invalid type for 'max_tokens': expected an integer, but got a string instead.";
	if (cJSON_IsNumber(m))
		return "Invalid type for 'max_tokens': expected an integer, but got a decimal number instead.";
	return "Invalid type for 'max_tokens': expected an integer, but got another type instead.";
}

/* One "data: {chunk}" event of a streamed chat answer: the delta's role
 * and content when given, and the finish reason on the last. */
static void stream_event(struct buf *b, const char *id, const char *model, const char *role,
    const char *content, const char *finish)
{
	cJSON *o = cJSON_CreateObject(), *choices, *choice, *delta;
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", "chat.completion.chunk");
	cJSON_AddNumberToObject(o, "created", 1700000000);
	cJSON_AddStringToObject(o, "model", model);
	choices = cJSON_AddArrayToObject(o, "choices");
	choice = cJSON_CreateObject();
	cJSON_AddItemToArray(choices, choice);
	cJSON_AddNumberToObject(choice, "index", 0);
	delta = cJSON_AddObjectToObject(choice, "delta");
	if (role)
		cJSON_AddStringToObject(delta, "role", role);
	if (content)
		cJSON_AddStringToObject(delta, "content", content);
	cJSON_AddNullToObject(choice, "logprobs");
	if (finish)
		cJSON_AddStringToObject(choice, "finish_reason", finish);
	else
		cJSON_AddNullToObject(choice, "finish_reason");
	char *s = cJSON_PrintUnformatted(o);
	buf_printf(b, "data: %s\n\n", s);
	free(s);
	cJSON_Delete(o);
}

static char *chat_stream(const char *id, const char *model, const char *answer)
{
	struct buf b = { 0 };
	stream_event(&b, id, model, "assistant", "", NULL);
	stream_event(&b, id, model, NULL, answer, NULL);
	stream_event(&b, id, model, NULL, NULL, "stop");
	buf_puts(&b, "data: [DONE]\n\n");
	return buf_take(&b, NULL);
}

char *echo_chat(const char *body, size_t len, int *status, const char **why)
{
	cJSON *root, *o, *choices, *choice, *msg, *usage;
	char *text, *answer, *out, id[40];
	double pt, ct;

	if (!(root = parse_request(body, len, &text, why))) {
		*status = 400;
		return NULL;
	}
	const char *refused = max_tokens_refused(root);
	if (refused) {
		/* OpenAI's whole error, param and code included */
		cJSON *e = cJSON_CreateObject(), *err = cJSON_AddObjectToObject(e, "error");
		cJSON_AddStringToObject(err, "message", refused);
		cJSON_AddStringToObject(err, "type", "invalid_request_error");
		cJSON_AddStringToObject(err, "param", "max_tokens");
		cJSON_AddStringToObject(err, "code", "invalid_type");
		out = cJSON_PrintUnformatted(e);
		cJSON_Delete(e);
		cJSON_Delete(root);
		free(text);
		*status = 400;
		return out;
	}
	answer = xasprintf("echo: %s", text);
	snprintf(id, sizeof(id), "chatcmpl-%016llx", (unsigned long long)fnv1a(body, len));
	pt = tokens(len);
	ct = tokens(strlen(answer));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "stream"))) {
		out = chat_stream(id, model_of(root), answer);
		cJSON_Delete(root);
		free(answer);
		free(text);
		*status = 200;
		return out;
	}

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "object", "chat.completion");
	cJSON_AddNumberToObject(o, "created", 1700000000);
	cJSON_AddStringToObject(o, "model", model_of(root));
	choices = cJSON_AddArrayToObject(o, "choices");
	choice = cJSON_CreateObject();
	cJSON_AddItemToArray(choices, choice);
	cJSON_AddNumberToObject(choice, "index", 0);
	msg = cJSON_AddObjectToObject(choice, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	cJSON_AddStringToObject(msg, "content", answer);
	cJSON_AddStringToObject(choice, "finish_reason", "stop");
	usage = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(usage, "prompt_tokens", pt);
	cJSON_AddNumberToObject(usage, "completion_tokens", ct);
	cJSON_AddNumberToObject(usage, "total_tokens", pt + ct);

	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(root);
	free(answer);
	free(text);
	*status = 200;
	return out;
}

char *echo_messages(const char *body, size_t len, int *status, const char **why)
{
	cJSON *root, *o, *content, *block, *usage;
	char *text, *answer, *out, id[40];

	if (!(root = parse_request(body, len, &text, why))) {
		*status = 400;
		return NULL;
	}
	answer = xasprintf("echo: %s", text);
	snprintf(id, sizeof(id), "msg_%016llx", (unsigned long long)fnv1a(body, len));

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "type", "message");
	cJSON_AddStringToObject(o, "role", "assistant");
	cJSON_AddStringToObject(o, "model", model_of(root));
	content = cJSON_AddArrayToObject(o, "content");
	block = cJSON_CreateObject();
	cJSON_AddItemToArray(content, block);
	cJSON_AddStringToObject(block, "type", "text");
	cJSON_AddStringToObject(block, "text", answer);
	cJSON_AddStringToObject(o, "stop_reason", "end_turn");
	usage = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(usage, "input_tokens", tokens(len));
	cJSON_AddNumberToObject(usage, "output_tokens", tokens(strlen(answer)));

	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(root);
	free(answer);
	free(text);
	*status = 200;
	return out;
}

char *echo_error(const char *msg, const char *type, const char *code)
{
	cJSON *o = cJSON_CreateObject(), *e;
	char *out;

	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	if (code)
		cJSON_AddStringToObject(e, "code", code);
	else
		cJSON_AddNullToObject(e, "code");
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}
