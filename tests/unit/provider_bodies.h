/* Providers' answers as recorded from the real APIs, shared by the unit
 * tests that read them (classify, outcome): one copy of each body. Where
 * each was captured is said beside it. */
#ifndef PSUP_TEST_PROVIDER_BODIES_H
#define PSUP_TEST_PROVIDER_BODIES_H

/* A test uses some of these, not all. */
#define BODY static const char __attribute__((unused))

/* A chat completion: a text with a newline, and its usage. */
BODY chat[] =
	"{\"choices\":[{\"message\":{\"content\":\"hello\\nworld\"}}],\"usage\":{\"total_tokens\":42}}";

BODY html[] = "<html><body>It works!</body></html>";

/* OpenAI: its quota 429 as in
 * github.com/langchain-ai/langchainjs/issues/1929; the codes under
 * insufficient_quota as listed by learn.microsoft.com's Dev Proxy page
 * "openai-insufficient-quota"; billing_hard_limit_reached with 400. */
BODY openai_quota[] =
	"{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and "
	"billing details. For more information on this error, read the docs: "
	"https://platform.openai.com/docs/guides/error-codes/api-errors.\",\"type\":"
	"\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";
BODY openai_project_cap[] =
	"{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and "
	"billing details.\",\"type\":\"insufficient_quota\",\"code\":\"project_spend_limit_exceeded\"}}";
BODY openai_hard_limit[] =
	"{\"error\":{\"code\":\"billing_hard_limit_reached\",\"message\":\"Billing hard limit has "
	"been reached\",\"param\":null,\"type\":\"invalid_request_error\"}}";
/* A free-tier daily rate limit: it names billing, yet it is a rate limit. */
BODY openai_rpd[] =
	"{\"error\":{\"message\":\"Rate limit reached for gpt-3.5-turbo in organization org-x on "
	"requests per day (RPD): Limit 200, Used 200, Requested 1. Please try again in 7m12s. You can "
	"increase your rate limit by adding a payment method to your account at "
	"https://platform.openai.com/account/billing.\",\"type\":\"requests\",\"param\":null,"
	"\"code\":\"rate_limit_exceeded\"}}";

/* OpenAI's per-minute rate limit, its delay in words. */
BODY openai_rate[] =
	"{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization org-x on "
	"requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 20s. "
	"Visit https://platform.openai.com/account/rate-limits to learn more.\","
	"\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}";

/* An OpenAI rate limit that asks for no time. */
BODY openai_rate_bare[] =
	"{\"error\":{\"message\":\"Rate limit reached for requests\",\"type\":\"requests\","
	"\"param\":null,\"code\":\"rate_limit_exceeded\"}}";

/* Anthropic: the spend cap as platform.claude.com/docs/en/api/rate-limits
 * shows it (no retry-after); the same in words only
 * (github.com/can1357/oh-my-pi/pull/5418); a rate limit
 * (github.com/anthropics/claude-code/issues/69703); the 400s of an empty
 * balance and of a workspace limit
 * (github.com/screenpipe/screenpipe/pull/5653). */
BODY anthropic_spend[] =
	"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"You have "
	"reached your API usage limits: your organization has crossed its monthly API usage "
	"threshold, set based on your organization's API tier. You will regain access on "
	"2026-09-01 at 00:00 UTC.\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}},"
	"\"request_id\":\"req_018EeWyXxfu5pfWkrYcMdjWG\"}";
BODY anthropic_spend_words[] =
	"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request "
	"would exceed your account's monthly spend limit. Please try again later.\"}}";
BODY anthropic_rate[] =
	"{\"type\":\"error\",\"error\":{\"details\":null,\"type\":\"rate_limit_error\","
	"\"message\":\"Rate limited\"},\"request_id\":\"req_011CcEKSiJyvQLd8zW1kBxWe\"}";
BODY anthropic_credit[] =
	"{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your "
	"credit balance is too low to access the Anthropic API. Please go to Plans & Billing to "
	"upgrade or purchase credits.\"}}";
BODY anthropic_workspace[] =
	"{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"You "
	"have reached your specified API usage limits. You will regain access on 2026-08-01 at "
	"00:00 UTC.\"}}";

BODY anthropic_overloaded[] =
	"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";

/* Google: RESOURCE_EXHAUSTED with per-minute violations (transient), with a
 * per-day one (github.com/google-gemini/gemini-cli/issues/8437), with a
 * quota of 0, and bare (github.com/googleapis/python-genai/issues/2065). */
#define GEMINI_HEAD "{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota, " \
	"please check your plan and billing details.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[" \
	"{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":["
#define GEMINI_MINUTE "{\"quotaMetric\":\"generativelanguage.googleapis.com/" \
	"generate_content_free_tier_requests\",\"quotaId\":" \
	"\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\"quotaValue\":\"10\"}"
#define GEMINI_TAIL "]},{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\"," \
	"\"retryDelay\":\"38s\"}]}}"
BODY gemini_minute[] = GEMINI_HEAD GEMINI_MINUTE GEMINI_TAIL;
BODY gemini_zero[] = GEMINI_HEAD "{\"quotaId\":"
	"\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\"quotaValue\":\"0\"}" GEMINI_TAIL;
BODY gemini_bare[] = "[{\"error\":{\"code\":429,\"message\":\"Resource has been "
	"exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}]";

/* Gemini with a per-day quota among the violations
 * (github.com/google-gemini/gemini-cli/issues/8437): waiting does not help. */
BODY gemini_daily[] =
	"{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota, please check "
	"your plan and billing details.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
	"{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":["
	"{\"quotaMetric\":\"generativelanguage.googleapis.com/generate_content_free_tier_requests\","
	"\"quotaId\":\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]},"
	"{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"2.463586755s\"}]}}";

/* Gemini's per-minute quota with a fractional retryDelay. */
BODY gemini_fraction[] =
	"{\"error\":{\"code\":429,\"message\":\"You exceeded your current quota.\",\"status\":"
	"\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\","
	"\"violations\":[{\"quotaId\":\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\","
	"\"quotaValue\":\"10\"}]},{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
	"\"retryDelay\":\"2.463586755s\"}]}}";
/* Azure OpenAI: the delay in words and in its headers. */
BODY azure_rate[] =
	"{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create "
	"Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your "
	"current OpenAI S0 pricing tier. Please retry after 5 seconds.\"}}";

/* Gemini's 429 with its delay in words only. */
BODY gemini_text_only[] =
	"[{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota). "
	"Please retry in 1.5s.\",\"status\":\"RESOURCE_EXHAUSTED\"}}]";

#endif
