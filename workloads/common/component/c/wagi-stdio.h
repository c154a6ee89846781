// Force-included (clang -include) into a workload's C source when it is built as the
// `component-c` variant: its unchanged WAGI/CGI code then reads stdin from the
// request body and writes stdout into a buffer that bridge.c turns into the
// wasi:http response. The workload's main() is renamed (-Dmain=wagi_workload_main)
// and called by the bridge once per request.
//
// Why macros: wasi-libc's stdin/stdout are `FILE *const` bound to fds 0/1, which in a
// component reach wasi:cli/stdin/stdout, not the HTTP request. Redirecting at the
// source keeps the workload's code, and its bytes on every other variant, untouched.
// What the workloads use of stdio is covered: the named streams and the calls that
// imply them (printf, puts, putchar, getchar, vprintf). Anything writing to fd 1
// directly (write(1, …)) would bypass this; no workload does.
#ifndef FAASBENCH_WAGI_STDIO_H
#define FAASBENCH_WAGI_STDIO_H

#include <stdarg.h>
#include <stdio.h>

// The request body (read side) and the CGI output (write side) of the current request,
// opened by bridge.c before the workload runs and closed after.
extern FILE *wagi_stdin;
extern FILE *wagi_stdout;

#undef stdin
#undef stdout
#define stdin wagi_stdin
#define stdout wagi_stdout

#define printf(...) fprintf(wagi_stdout, __VA_ARGS__)
#define vprintf(fmt, ap) vfprintf(wagi_stdout, (fmt), (ap))
#define puts(s) (fputs((s), wagi_stdout) < 0 ? EOF : fputc('\n', wagi_stdout))
#define putchar(c) fputc((c), wagi_stdout)
#define getchar() fgetc(wagi_stdin)

#endif
