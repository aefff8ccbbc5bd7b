/* The running program's companions (see selfexe.h). */
#include "selfexe.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

char *selfexe_sibling(const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return xstrdup(name);
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	return xasprintf("%s/%s", self, name);
}
