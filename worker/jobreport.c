/* Per-job report files (see jobreport.h). */
#include "jobreport.h"

#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "sharedlimit.h"
#include "xalloc.h"

const char *jobreport_hash(const char *job_key)
{
	const char *colon = strchr(job_key, ':');
	return colon ? colon + 1 : job_key;
}

char *jobreport_path(const char *job_key, const char *suffix, char **cause)
{
	char *dir = sharedlimit_dir(cause);
	if (!dir)
		return NULL;
	char *path = xasprintf("%s/job-%s%s", dir, jobreport_hash(job_key), suffix);
	free(dir);
	return path;
}

int jobreport_write_json(const char *path, cJSON *o, char **cause)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	int rc = atomicfile_write(path, text, strlen(text), 0600, 0, cause);
	free(text);
	return rc;
}
