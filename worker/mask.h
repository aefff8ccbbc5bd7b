/* Secrets shown without giving them away (`psup-worker run --dry-run`): a
 * prefix and "****". Pure. */
#ifndef PSUP_MASK_H
#define PSUP_MASK_H

/* 1 when a header of this name carries a secret: Authorization,
 * Proxy-Authorization, Cookie, or a name holding "key", "token" or
 * "secret" (x-api-key, api-key, X-Auth-Token), in any case. */
int mask_header_name(const char *name);

/* value as "sk-t****": at most a quarter of it (and at most 4 bytes) kept,
 * nothing of a short one. A leading scheme word ("Bearer ", "Basic ") is
 * kept whole. Malloc'd. */
char *mask_value(const char *value);

/* raw with each ${VAR} expanded from the environment (as template.h's
 * template_expand_env does) and masked (mask_value); an unset one is
 * left as written. Malloc'd. */
char *mask_vars(const char *raw);

#endif
