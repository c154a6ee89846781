// busybox httpd serving a static CGI binary: how the native variant is served both in
// its container image (runtimes/container/images.ts) and as a host process
// (runtimes/process/adapter.ts), so the two differ only by the container.

/** Where busybox-static is looked for (Debian's busybox-static package puts it in /bin). */
export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];
/** busybox httpd runs CGI programs only under /cgi-bin/: requests are routed to this prefix. */
export const NATIVE_CGI_PREFIX = '/cgi-bin/fn';
