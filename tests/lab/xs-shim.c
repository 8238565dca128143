/* xs-shim: LD_PRELOAD library that lets the real C xenstored (Xen 4.17) run
 * without a hypervisor, for the lane-1 test lab (see docs in xenstored.sh).
 *
 * xenstored 4.17 imports from libxenctrl/libxenevtchn/libxengnttab exactly
 * the symbols defined below (checked with `nm -D --undefined-only`), and
 * opens /proc/xen/xsd_port and /proc/xen/xsd_kva in dom0_init().  `-D`
 * (--no-domain-init) would avoid all of that but crashes in 4.17 (the domain
 * hash table is created in domain_init()), so instead every call is faked:
 *
 *   xc_*        : no privcmd; every domid below DOMID_FIRST_RESERVED "exists"
 *                 and runs, so xenstored neither reaps dom0 nor drops guest
 *                 entries from node permissions (it checks owners exist).
 *   xenevtchn_* : an eventfd stands in for /dev/xen/evtchn: xenstored polls
 *                 it and nobody ever signals it, so no events arrive.
 *   xengnttab_* : "mapping" a guest's ring (XS_INTRODUCE) gives a private
 *                 zeroed page; nobody writes requests there.
 *   open/fopen  : /proc/xen/<name> -> $XS_SHIM_DIR/<name> (files created by
 *                 xenstored.sh: xsd_port holds a port, xsd_kva is a page).
 *   XS_SHIM_PDEATHSIG=<pid>: die with that parent (the test), so a test
 *                 killed by a timeout leaves no xenstored behind.
 *
 * Must not be built with sanitizers: it is preloaded into an uninstrumented
 * daemon.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define SHIM_PAGE 4096
#define PROC_XEN "/proc/xen/"

/* ---- process life ------------------------------------------------------ */

__attribute__((constructor)) static void shim_init(void)
{
	const char *ppid = getenv("XS_SHIM_PDEATHSIG");

	if (!ppid || !*ppid)
		return;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* The parent may have died before prctl() took effect. */
	if (getppid() != (pid_t)atoi(ppid))
		_exit(1);
}

/* ---- libxenctrl --------------------------------------------------------- */

struct xc_interface_core {
	int unused;
};

static struct xc_interface_core shim_xc;

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	return &shim_xc;
}

int xc_interface_close(xc_interface *xch)
{
	return 0;
}

/* Report domain first_domid as alive: dom0 must exist or check_domains()
 * reaps it; guests must exist or their node permissions are ignored. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
		      unsigned int max_doms, xc_dominfo_t *info)
{
	if (max_doms == 0 || first_domid >= DOMID_FIRST_RESERVED)
		return 0;
	memset(info, 0, sizeof(*info));
	info->domid = first_domid;
	info->running = 1;
	info->nr_online_vcpus = 1;
	return 1;
}

/* ---- libxenevtchn ------------------------------------------------------- */

struct xenevtchn_handle {
	int fd;			/* an eventfd: pollable, never signalled */
	evtchn_port_t next;	/* next local port to hand out */
};

static xenevtchn_handle *evtchn_new(int fd)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fd = fd;
	h->next = 1;
	return h;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int open_flags)
{
	int cloexec = (open_flags & XENEVTCHN_NO_CLOEXEC) ? 0 : EFD_CLOEXEC;
	int fd = eventfd(0, EFD_NONBLOCK | cloexec);
	xenevtchn_handle *h;

	if (fd < 0)
		return NULL;
	h = evtchn_new(fd);
	if (!h)
		close(fd);
	return h;
}

/* Used by live update only: adopt the inherited fd. */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger,
				   int fd, unsigned int open_flags)
{
	return evtchn_new(fd);
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	if (xce) {
		close(xce->fd);
		free(xce);
	}
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->fd;
}

/* Nobody listens on the other side of any channel. */
int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
						     uint32_t domid,
						     evtchn_port_t remote_port)
{
	return (xenevtchn_port_or_error_t)xce->next++;
}

/* VIRQ_DOM_EXC: the port check_domains() runs on. */
xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce,
					      unsigned int virq)
{
	return (xenevtchn_port_or_error_t)xce->next++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

/* Only called after poll() saw the fd readable, i.e. someone wrote to the
 * eventfd on purpose: drain it and report port 1 (the VIRQ port, bound
 * first), which makes xenstored rescan domains.  -1 would kill xenstored. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	uint64_t v;

	if (read(xce->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -1;
	return 1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

/* ---- libxengnttab ------------------------------------------------------- */

struct xengntdev_handle {
	int unused;
};

static struct xengntdev_handle shim_gnt;

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	return &shim_gnt;
}

int xengnttab_close(xengnttab_handle *xgt)
{
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0;
}

/* A guest's xenstore ring (XS_INTRODUCE): a private zeroed page. */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
			      uint32_t ref, int prot)
{
	void *p = mmap(NULL, SHIM_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address,
		    uint32_t count)
{
	return munmap(start_address, (size_t)count * SHIM_PAGE);
}

/* ---- /proc/xen redirection ---------------------------------------------- */

/* Returns path, or buf holding $XS_SHIM_DIR/<name> for /proc/xen/<name>. */
static const char *redirect(const char *path, char *buf, size_t len)
{
	const char *dir = getenv("XS_SHIM_DIR");
	int n;

	if (!path || !dir || strncmp(path, PROC_XEN, strlen(PROC_XEN)) != 0)
		return path;
	n = snprintf(buf, len, "%s/%s", dir, path + strlen(PROC_XEN));
	return (n < 0 || (size_t)n >= len) ? path : buf;
}

/* The raw syscall avoids recursing into our own interposed symbols. */
static int shim_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	char buf[4096];

	return (int)syscall(SYS_openat, dirfd, redirect(path, buf, sizeof(buf)),
			    flags, mode);
}

/* mode is only passed (and only read) with O_CREAT/O_TMPFILE. */
#define SHIM_MODE(flags, mode)                                               \
	do {                                                                 \
		va_list ap;                                                  \
		if ((flags) & (O_CREAT | O_TMPFILE)) {                       \
			va_start(ap, flags);                                 \
			mode = (mode_t)va_arg(ap, int);                      \
			va_end(ap);                                          \
		}                                                            \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat(AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	SHIM_MODE(flags, mode);
	return shim_openat(dirfd, path, flags, mode);
}

/* glibc's fopen() opens internally, past our open(). */
FILE *fopen(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	char buf[4096];

	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	return real(redirect(path, buf, sizeof(buf)), mode);
}
