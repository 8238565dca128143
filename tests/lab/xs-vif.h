/* xs-vif: write/remove VIF xenstore entries the way libxl 4.17 or xend do. */
#ifndef DOM0NET_LAB_XS_VIF_H
#define DOM0NET_LAB_XS_VIF_H

#include <stdbool.h>
#include <xenstore.h>

enum vif_style { VIF_LIBXL, VIF_XEND };

struct vif_req {
	enum vif_style style;
	unsigned int domid, devid;
	char **kv;		/* "key=value" overrides; "key" alone omits it */
	int nkv;
	const char *name;	/* xend: backend "domain" key */
	bool no_initwait;	/* add: don't play netback's state=2 */
	int wait_hotplug_ms;	/* add: >0 waits for hotplug-status */
	bool wait_closed;	/* remove (libxl): wait for state=6 */
	int timeout_ms;		/* remove: wait limit */
};

/* 0, or -1 with errno: EEXIST (device exists), ETIMEDOUT, EIO (hotplug
 * reported error; message on stderr), EINVAL (bad key=value).
 * *elapsed_us: commit -> hotplug-status (when waited for). */
int vif_add(struct xs_handle *h, const struct vif_req *r,
	    long long *elapsed_us);

/* 0, or -1 with errno (ETIMEDOUT: waited in vain, entries removed anyway). */
int vif_remove(struct xs_handle *h, const struct vif_req *r);

/* Write backend state. */
int vif_state(struct xs_handle *h, unsigned int domid, unsigned int devid,
	      const char *state);

#endif
