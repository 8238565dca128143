/* The xtables lock: the flock(2) that iptables, ip6tables and ebtables take around
 * their table updates (/run/xtables.lock, or $XTABLES_LOCKFILE as iptables honours it).
 * Holding it while we read, change and commit the filter table means cooperative
 * writers (iptables -w, the stock vif scripts) wait their turn instead of racing us;
 * fw_transact still retries against writers that ignore the lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fw_int.h"

#define XT_LOCK_DEFAULT "/run/xtables.lock"

int fw_xtlock_take(unsigned timeout_ms)
{
	const char *path = getenv("XTABLES_LOCKFILE");
	struct timespec step = { 0, 1000 * 1000 };
	int fd;

	if (!path || !*path)
		path = XT_LOCK_DEFAULT;
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (unsigned waited = 0;; waited++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK || waited >= timeout_ms)
			break;
		nanosleep(&step, NULL);
	}
	{
		int e = errno == EWOULDBLOCK ? ETIMEDOUT : errno;

		close(fd);
		errno = e;
	}
	return -1;
}

void fw_xtlock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing drops the flock */
}
