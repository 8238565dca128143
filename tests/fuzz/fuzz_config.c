/* libFuzzer: the configuration parser and the control-socket argument splitter. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <dom0net/config.h>
#include <dom0net/ctl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct d0_config cfg;
	char err[256];
	const char *argv[16];

	if (config_parse_buf(&cfg, "fuzz", (const char *)data, size, err, sizeof(err)) < 0 &&
	    memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap(); /* the message must always be terminated */
	ctl_split_args((const char *)data, size, argv, 16);
	return 0;
}
