/* The gateway's lock-down, in order: the configured unprivileged user (groups, gid,
 * uid, checked to be irrevocable), no capabilities in any set (bounding and ambient
 * included), no new privileges, not dumpable, no forks or core dumps (rlimits), and a
 * system call allow-list in the manner of openssh's sandbox-seccomp-filter.c: what
 * the relay needs (read/write/accept/recvmsg/epoll...), EACCES for opening files or
 * sockets (so a library that tries fails cleanly), death for anything else. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gw.h"

#if defined(__SANITIZE_ADDRESS__)
#define GW_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GW_SANITIZED 1
#endif
#endif

#if defined(__x86_64__)
#define GW_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define GW_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define DENY(nr, err) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA))

#if defined(GW_AUDIT_ARCH) && !defined(GW_SANITIZED)
static const struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GW_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
	/* x32 system calls share the arch value: refuse the whole range. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
	/* the relay and the channel to netd */
	ALLOW(__NR_read), ALLOW(__NR_readv), ALLOW(__NR_write), ALLOW(__NR_writev),
	ALLOW(__NR_recvmsg), ALLOW(__NR_sendmsg), ALLOW(__NR_sendto), ALLOW(__NR_recvfrom),
	ALLOW(__NR_accept4), ALLOW(__NR_accept), ALLOW(__NR_close), ALLOW(__NR_shutdown),
	ALLOW(__NR_setsockopt), ALLOW(__NR_getsockopt), ALLOW(__NR_getsockname),
	ALLOW(__NR_getpeername), ALLOW(__NR_fcntl), ALLOW(__NR_splice), ALLOW(__NR_pipe2),
	/* the event loop, time, randomness */
	ALLOW(__NR_epoll_ctl), ALLOW(__NR_epoll_pwait),
#ifdef __NR_epoll_wait
	ALLOW(__NR_epoll_wait),
#endif
	ALLOW(__NR_clock_gettime), ALLOW(__NR_gettimeofday), ALLOW(__NR_getrandom),
	/* memory, threads' leftovers in libc, signals, exit */
	ALLOW(__NR_brk), ALLOW(__NR_mmap), ALLOW(__NR_munmap), ALLOW(__NR_mremap),
	ALLOW(__NR_madvise), ALLOW(__NR_futex), ALLOW(__NR_rt_sigreturn),
	ALLOW(__NR_rt_sigprocmask), ALLOW(__NR_restart_syscall), ALLOW(__NR_getpid),
	ALLOW(__NR_gettid), ALLOW(__NR_tgkill), ALLOW(__NR_getuid), ALLOW(__NR_geteuid),
	ALLOW(__NR_getgid), ALLOW(__NR_getegid), ALLOW(__NR_fstat), ALLOW(__NR_newfstatat),
	ALLOW(__NR_exit), ALLOW(__NR_exit_group),
	/* ioctl: FIONREAD only (libevent sizes its reads with it) */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FIONREAD, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	/* fail cleanly: syslog reconnecting, a library opening a file */
	DENY(__NR_openat, EACCES), DENY(__NR_socket, EACCES), DENY(__NR_connect, EACCES),
#ifdef __NR_open
	DENY(__NR_open, EACCES),
#endif
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};
#endif

static int drop_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	/* Verify: nothing left in any set. */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable) {
			errno = EPERM;
			return -1;
		}
	return 0;
}

static void drop_bounding_set(void)
{
	/* Needs CAP_SETPCAP, so before the uid change; EINVAL past the last one. */
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
			break;
}

static int switch_user(const struct vg_hello *h, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t gid = (gid_t)h->gid;

	if (h->uid == 0) {
		snprintf(err, errlen, "refusing to run the gateway as root");
		errno = EPERM;
		return -1;
	}
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid((uid_t)h->uid, (uid_t)h->uid, (uid_t)h->uid) < 0) {
		snprintf(err, errlen, "cannot switch to uid %u gid %u: %s", h->uid, h->gid,
			 strerror(errno));
		return -1;
	}
	if (setresuid(0, 0, 0) == 0 || getresuid(&r, &e, &s) < 0 || r != h->uid ||
	    e != h->uid || s != h->uid) {
		snprintf(err, errlen, "uid change is not irrevocable");
		errno = EPERM;
		return -1;
	}
	return 0;
}

int gw_sandbox(const struct vg_hello *h, char *err, size_t errlen)
{
	struct rlimit zero = { 0, 0 };
	int flags = 0;

	err[0] = '\0';
	if (geteuid() == 0) {
		drop_bounding_set();
		if (switch_user(h, err, errlen) < 0)
			return -1;
		flags |= VG_SANDBOX_SETUID;
	} else {
		snprintf(err, errlen, "netd is not root: the gateway stays uid %u",
			 (unsigned)geteuid());
	}
	if (drop_caps() < 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	flags |= VG_SANDBOX_NOCAPS;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl: %s", strerror(errno));
		return -1;
	}
	setrlimit(RLIMIT_NPROC, &zero);
	setrlimit(RLIMIT_CORE, &zero);
	/* netd's death ends us (the channel EOF does too; this covers a stuck loop). */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() == 1) {
		snprintf(err, errlen, "netd is gone");
		return -1;
	}
#if defined(GW_AUDIT_ARCH) && !defined(GW_SANITIZED)
	{
		struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]),
					   (struct sock_filter *)filter };

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
			snprintf(err, errlen, "seccomp: %s", strerror(errno));
			return -1;
		}
		flags |= VG_SANDBOX_SECCOMP;
	}
#else
	if (!err[0])
		snprintf(err, errlen, "no seccomp filter in this build (sanitizer or architecture)");
#endif
	return flags;
}
