/* Shared by the stand-ins: one line per call, appended to $STUB_LOG (a file) and, with STUB_TRACE=1, to stderr. */
#ifndef FLEET_STUBLOG_H
#define FLEET_STUBLOG_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((unused)) static void stub_log(const char *lib, const char *fmt, ...) {
  const char *path = getenv("STUB_LOG");
  int trace = getenv("STUB_TRACE") != NULL;
  if (!path && !trace) return;
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (path) { FILE *f = fopen(path, "a"); if (f) { fprintf(f, "[%s] %s\n", lib, line); fclose(f); } }
  if (trace) fprintf(stderr, "[%s] %s\n", lib, line);
}
/* "name=code,name=code": the code the named call returns instead of succeeding ($STUB_<LIB>_FAIL or set at run time). */
__attribute__((unused)) static int stub_fail_code(const char *spec, const char *call) {
  if (!spec) return 0;
  size_t n = strlen(call);
  for (const char *p = spec; (p = strstr(p, call)) != NULL; p += n)
    if ((p == spec || p[-1] == ',') && p[n] == '=') return atoi(p + n + 1);
  return 0;
}
#endif
