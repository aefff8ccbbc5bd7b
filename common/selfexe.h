/* Where the running program's companions are: psup finds psup-keeper,
 * psup-web and psup-worker beside its own executable, so an unpacked or
 * uninstalled tree works without PATH. */
#ifndef PSUP_SELFEXE_H
#define PSUP_SELFEXE_H
/* The path of program name in the directory of /proc/self/exe; the bare
 * name when that link cannot be read. malloc'd: the caller frees it. */
char *selfexe_sibling(const char *name);
#endif
