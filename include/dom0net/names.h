/* Validation of names that come from configuration or xenstore. */
#ifndef DOM0NET_NAMES_H
#define DOM0NET_NAMES_H

#include <stdbool.h>

/* Public headers must not pick between <net/if.h> and <linux/if.h> (the two clash);
 * both define IFNAMSIZ as 16, the kernel's limit including the NUL. */
#ifndef IFNAMSIZ
#define IFNAMSIZ 16
#endif

/* A usable Linux interface name: 1..15 bytes, printable ASCII, no '/', ':' or
 * whitespace, not "." or "..". */
bool ifname_valid(const char *name);

#endif
