/* netctl console-password DOMAIN: sets the password viewers type for a guest's
 * console on the gateway (instead of the guest-readable one in xenstore). The
 * password comes from the terminal (asked twice, not echoed) or one line of stdin;
 * never from the command line, where ps and shell histories would show it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <dom0net/ctl.h>

#include "netctl.h"

#define PW_BUF 128

static int read_line(FILE *in, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, in))
		return -1;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == size - 1)
		return -1;	/* too long */
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

static int prompt(const char *what, char *buf, size_t size)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+e");
	int rc;

	if (!tty)
		return -1;
	fprintf(tty, "%s", what);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	rc = read_line(tty, buf, size);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fclose(tty);
	return rc;
}

static int get_password(char *pw, size_t size)
{
	char again[PW_BUF];
	int rc;

	if (!isatty(0)) {
		if (read_line(stdin, pw, size) < 0) {
			fprintf(stderr, "netctl: no password on stdin (one line, at most %zu "
				"characters)\n", size - 2);
			return -1;
		}
		return 0;
	}
	if (prompt("New console password: ", pw, size) < 0 ||
	    prompt("Again: ", again, sizeof(again)) < 0) {
		fprintf(stderr, "netctl: cannot read the password\n");
		return -1;
	}
	rc = strcmp(pw, again) == 0 ? 0 : -1;
	explicit_bzero(again, sizeof(again));
	if (rc < 0)
		fprintf(stderr, "netctl: the passwords differ\n");
	return rc;
}

static int console_password_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clear", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	char pw[PW_BUF] = "";
	char *args[2];
	int c, clear = 0, rc;

	while ((c = getopt_long(argc, argv, "c", opts, NULL)) != -1) {
		if (c != 'c')
			return netctl_usage(&cmd_console_password);
		clear = 1;
	}
	if (optind != argc - 1)
		return netctl_usage(&cmd_console_password);
	if (!clear) {
		if (get_password(pw, sizeof(pw)) < 0)
			return NETCTL_EXIT_FAIL;
		if (!pw[0]) {
			fprintf(stderr, "netctl: empty password (use --clear to remove one)\n");
			return NETCTL_EXIT_USAGE;
		}
		if (strlen(pw) > 8)
			fprintf(stderr, "netctl: note: VNC authentication uses only the first 8 "
				"characters\n");
	}
	args[0] = argv[optind];
	args[1] = pw;
	rc = netctl_call_netd(CTL_REQ_CONSOLE_PASSWORD, 0, 2, args);
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

const struct netctl_cmd cmd_console_password = {
	.name = "console-password",
	.usage = "[--clear] DOMAIN   (the password is read from the terminal or stdin)",
	.summary = "set (or clear) the gateway password of a guest's console (root)",
	.exec = console_password_exec,
};
