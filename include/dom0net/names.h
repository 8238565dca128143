/* Validation of names that come from configuration or xenstore. */
#ifndef DOM0NET_NAMES_H
#define DOM0NET_NAMES_H

#include <stdbool.h>

/* A usable Linux interface name: 1..15 bytes, printable ASCII, no '/', ':' or
 * whitespace, not "." or "..". */
bool ifname_valid(const char *name);

#endif
