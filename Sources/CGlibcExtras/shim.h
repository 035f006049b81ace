// glibc functions that Swift's Glibc module does not expose because glibc
// declares them only under feature macros. No library to link: they are in libc.
#ifndef VIGIL_CGLIBCEXTRAS_SHIM_H
#define VIGIL_CGLIBCEXTRAS_SHIM_H
#include <stddef.h>

#if defined(__linux__)
// strfromd(3) (glibc >= 2.25, ISO/IEC TS 18661-1): printf of one double
// ("%[.precision]{a,e,f,g}") without a variadic call, whose Swift bridging
// costs a protocol-conformance search on first use (~300k instructions).
extern int strfromd(char *restrict str, size_t n, const char *restrict format, double fp);
// renameat2(2) (glibc >= 2.28, declared under _GNU_SOURCE): RENAME_EXCHANGE
// swaps two paths atomically.
extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);
#endif
#endif
