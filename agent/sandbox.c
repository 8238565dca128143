/* The agent's lock-down once it holds its listener, TLS context and channel:
 * the configured unprivileged user (supplementary groups, gid, uid; checked to be
 * irrevocable), an empty capability bounding set and no capabilities in any set,
 * no new privileges, not dumpable, no forks (rlimit), and a
 * system-call allow-list: what an evhttp server with OpenSSL and crypt(3) needs;
 * EACCES for opening files and sockets (so a library that tries fails cleanly);
 * the process is killed for anything else. Not under sanitizers (they need more). */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define AG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AG_SANITIZED 1
#endif
#endif

#if defined(__x86_64__)
#define AG_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AG_ARCH AUDIT_ARCH_AARCH64
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define OK(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), RET(SECCOMP_RET_ALLOW)
#define FAIL(nr, e) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	RET(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

#if defined(AG_ARCH) && !defined(AG_SANITIZED)
static const struct sock_filter allow_list[] = {
	LOAD(arch),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AG_ARCH, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LOAD(nr),
#if defined(__x86_64__)
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),	/* x32 numbers */
	RET(SECCOMP_RET_KILL_PROCESS),
#endif
	/* sockets we hold: clients, the listener, the channel to netd, syslog */
	OK(__NR_read), OK(__NR_readv), OK(__NR_write), OK(__NR_writev), OK(__NR_recvmsg),
	OK(__NR_sendmsg), OK(__NR_recvfrom), OK(__NR_sendto), OK(__NR_accept4), OK(__NR_accept),
	OK(__NR_close), OK(__NR_shutdown), OK(__NR_setsockopt), OK(__NR_getsockopt),
	OK(__NR_getsockname), OK(__NR_getpeername), OK(__NR_fcntl),
	/* the loop, time, randomness (TLS, the auth cache key) */
	OK(__NR_epoll_ctl), OK(__NR_epoll_pwait),
#ifdef __NR_epoll_wait
	OK(__NR_epoll_wait),
#endif
	OK(__NR_clock_gettime), OK(__NR_gettimeofday), OK(__NR_getrandom),
	/* memory (yescrypt maps its work area), signals, exit */
	OK(__NR_brk), OK(__NR_mmap), OK(__NR_munmap), OK(__NR_mremap), OK(__NR_madvise),
	OK(__NR_futex), OK(__NR_rt_sigreturn), OK(__NR_rt_sigprocmask), OK(__NR_restart_syscall),
	OK(__NR_getpid), OK(__NR_gettid), OK(__NR_tgkill), OK(__NR_getuid), OK(__NR_geteuid),
	OK(__NR_getgid), OK(__NR_getegid), OK(__NR_fstat), OK(__NR_newfstatat), OK(__NR_exit),
	OK(__NR_exit_group),
	/* mprotect without PROT_EXEC (malloc arenas) */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
	LOAD(args[2]),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0),
	RET(SECCOMP_RET_ALLOW),
	RET(SECCOMP_RET_ERRNO | EPERM),
	/* ioctl: FIONREAD only (libevent sizes its reads with it) */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
	LOAD(args[1]),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONREAD, 0, 1),
	RET(SECCOMP_RET_ALLOW),
	RET(SECCOMP_RET_ERRNO | EPERM),
	/* fail cleanly: syslog reconnecting, a library reading a file */
	FAIL(__NR_openat, EACCES), FAIL(__NR_socket, EACCES), FAIL(__NR_connect, EACCES),
#ifdef __NR_open
	FAIL(__NR_open, EACCES),
#endif
	RET(SECCOMP_RET_KILL_PROCESS),
};
#endif

static int caps_clear(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0 || syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (data[i].effective | data[i].permitted | data[i].inheritable) {
			errno = EPERM;
			return -1;
		}
	return 0;
}

static int become(const struct ag_hello *h, char *err, size_t errlen)
{
	gid_t gid = (gid_t)h->gid;
	uid_t r, e, s;

	if (h->uid == 0) {
		snprintf(err, errlen, "refusing to run the agent as root");
		return -1;
	}
	/* The bounding set needs CAP_SETPCAP: empty it while still root. */
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid((uid_t)h->uid, (uid_t)h->uid, (uid_t)h->uid) < 0) {
		snprintf(err, errlen, "cannot become uid %u gid %u: %s", h->uid, h->gid,
			 strerror(errno));
		return -1;
	}
	if (setresuid(0, 0, 0) == 0 || getresuid(&r, &e, &s) < 0 || r != h->uid || e != h->uid ||
	    s != h->uid) {
		snprintf(err, errlen, "the uid change is not irrevocable");
		return -1;
	}
	return 0;
}

int ag_sandbox(const struct ag_hello *h, char *err, size_t errlen)
{
	struct rlimit zero = { 0, 0 };
	int flags = 0;

	err[0] = '\0';
	if (geteuid() == 0) {
		if (become(h, err, errlen) < 0)
			return -1;
		flags |= AG_SANDBOX_SETUID;
	} else {
		snprintf(err, errlen, "netd is not root: the agent stays uid %u", (unsigned)geteuid());
	}
	if (caps_clear() < 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	flags |= AG_SANDBOX_NOCAPS;
#ifdef AG_SANITIZED
	/* LeakSanitizer inspects the process at exit from a thread: it must stay
	 * dumpable (the uid change made it not) and may clone. Test builds only. */
	const int dumpable = 1;
#else
	const int dumpable = 0;
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl: %s", strerror(errno));
		return -1;
	}
	/* No RLIMIT_FSIZE: stderr may be a log file (netd -d 2>>log). */
#ifndef AG_SANITIZED
	setrlimit(RLIMIT_NPROC, &zero);	/* LeakSanitizer needs a thread at exit */
#endif
	setrlimit(RLIMIT_CORE, &zero);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);	/* netd's death ends us */
	if (getppid() == 1) {
		snprintf(err, errlen, "netd is gone");
		return -1;
	}
#if defined(AG_ARCH) && !defined(AG_SANITIZED)
	{
		struct sock_fprog prog = { sizeof(allow_list) / sizeof(allow_list[0]),
					   (struct sock_filter *)allow_list };

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
			snprintf(err, errlen, "seccomp: %s", strerror(errno));
			return -1;
		}
		flags |= AG_SANDBOX_SECCOMP;
	}
#else
	if (!err[0])
		snprintf(err, errlen, "no seccomp filter in this build (sanitizer or architecture)");
#endif
	return flags;
}
