/* netctl agent-password [-f FILE] [--print]: sets the agent's password. It is read
 * from the terminal (twice, not echoed) or as one line of stdin, never from the
 * command line; hashed with crypt(3) (yescrypt, else SHA-512, with a fresh salt from
 * crypt_gensalt); written as `password-hash` into the [agent] section of the
 * configuration file in place (a checked copy renamed over it); then netd reloads.
 * --print only prints the line to add. */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <dom0net/config.h>
#include <dom0net/ctl.h>

#include "netctl.h"

#define PW_MAX 256
#define KEY "password-hash"

/* One line into buf without its newline; -1 at EOF or when it does not fit. */
static int line_in(FILE *f, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int)size, f))
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
	struct termios saved, quiet;
	int rc;

	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &saved) < 0)
		return -1;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	rc = line_in(tty, buf, size);
	tcsetattr(fileno(tty), TCSAFLUSH, &saved);
	return rc;
}

static int read_password(char *pw, size_t size)
{
	char again[PW_MAX];
	FILE *tty;
	int rc = -1;

	if (!isatty(0))
		return line_in(stdin, pw, size);
	tty = fopen("/dev/tty", "r+e");
	if (!tty)
		return -1;
	if (ask(tty, "New agent password: ", pw, size) == 0 &&
	    ask(tty, "Again: ", again, sizeof(again)) == 0) {
		rc = strcmp(pw, again) == 0 ? 0 : -2;
		explicit_bzero(again, sizeof(again));
	}
	fclose(tty);
	return rc;
}

static char *hash_password(const char *pw)
{
	static const char *const methods[] = { "$y$", "$6$" };
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *res = NULL;

	for (size_t i = 0; cd && i < 2 && !res; i++) {
		char *salt = crypt_gensalt_ra(methods[i], 0, NULL, 0);
		const char *out = salt ? crypt_rn(pw, salt, cd, sizeof(*cd)) : NULL;

		if (out && out[0] == '$' && strlen(out) < sizeof(((struct d0_config *)0)->agent_password_hash))
			res = strdup(out);
		free(salt);
	}
	if (cd)
		explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return res;
}

/* Is line `key = ...` for key (spaces around allowed)? */
static int is_key(const char *line, const char *key)
{
	size_t k = strlen(key);

	line += strspn(line, " \t");
	if (strncmp(line, key, k) != 0)
		return 0;
	line += k;
	line += strspn(line, " \t");
	return *line == '=';
}

/* "[name]" with spaces allowed: 1 if it is the header of section name, 0 if another
 * section, -1 if not a header. */
static int section_is(const char *line, const char *name)
{
	size_t n = strlen(name);

	line += strspn(line, " \t");
	if (*line != '[')
		return -1;
	line++;
	line += strspn(line, " \t");
	return strncmp(line, name, n) == 0 && line[n + strspn(line + n, " \t")] == ']';
}

/* Writes in to out with the password-hash of [agent] set to hash. */
static int rewrite(FILE *in, FILE *out, const char *hash)
{
	char *line = NULL;
	size_t cap = 0;
	int in_agent = 0, done = 0;

	while (getline(&line, &cap, in) > 0) {
		int s = section_is(line, "agent");

		if (s >= 0) {
			if (in_agent && !done) {
				fprintf(out, "%s = %s\n", KEY, hash);
				done = 1;
			}
			in_agent = s == 1;
			fputs(line, out);
			continue;
		}
		if (in_agent && is_key(line, KEY)) {
			if (!done)
				fprintf(out, "%s = %s\n", KEY, hash);
			done = 1;	/* a second one would be a duplicate: dropped */
			continue;
		}
		fputs(line, out);
		if (line[strlen(line) - 1] != '\n')
			fputc('\n', out);
	}
	free(line);
	if (!done)
		fprintf(out, "%s%s = %s\n", in_agent ? "" : "\n[agent]\n", KEY, hash);
	return ferror(in) ? -1 : 0;
}

/* The file rewritten through a checked copy beside it, renamed over it. */
static int update_file(const char *path, const char *hash)
{
	char tmp[4096], err[512];
	struct stat st;
	struct d0_config *check = NULL;
	FILE *in = fopen(path, "re"), *out = NULL;
	int fd = -1, rc = -1;

	if (!in || fstat(fileno(in), &st) < 0) {
		fprintf(stderr, "netctl: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp) ||
	    (fd = mkostemp(tmp, O_CLOEXEC)) < 0 || !(out = fdopen(fd, "w"))) {
		fprintf(stderr, "netctl: cannot create a file beside %s: %s\n", path,
			strerror(errno));
		goto out;
	}
	fd = -1;
	if (fchmod(fileno(out), st.st_mode & 07777) < 0 ||
	    (fchown(fileno(out), st.st_uid, st.st_gid) < 0 && errno != EPERM) ||
	    rewrite(in, out, hash) < 0 || fflush(out) != 0 || fsync(fileno(out)) < 0) {
		fprintf(stderr, "netctl: writing %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	check = malloc(sizeof(*check));
	if (!check || config_load(check, tmp, err, sizeof(err)) < 0) {
		fprintf(stderr, "netctl: the updated configuration does not load (%s); %s is "
			"unchanged\n", check ? err : "out of memory", path);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "netctl: rename %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	rc = 0;
out:
	free(check);
	if (out)
		fclose(out);
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp[0] && out)
		unlink(tmp);
	if (in)
		fclose(in);
	return rc;
}

static int agent_password_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = D0_DEFAULT_CONFIG;
	char pw[PW_MAX], *hash;
	int c, print_only = 0, rc;

	while ((c = getopt_long(argc, argv, "pf:", opts, NULL)) != -1) {
		if (c == 'p')
			print_only = 1;
		else if (c == 'f')
			path = optarg;
		else
			return netctl_usage(&cmd_agent_password);
	}
	if (optind != argc)
		return netctl_usage(&cmd_agent_password);
	rc = read_password(pw, sizeof(pw));
	if (rc < 0 || !pw[0]) {
		fprintf(stderr, "netctl: %s\n", rc == -2 ? "the passwords differ" :
			rc < 0 ? "cannot read the password (one line on stdin, or a terminal)" :
			"empty password");
		explicit_bzero(pw, sizeof(pw));
		return NETCTL_EXIT_FAIL;
	}
	hash = hash_password(pw);
	explicit_bzero(pw, sizeof(pw));
	if (!hash) {
		fprintf(stderr, "netctl: crypt(3) offers neither yescrypt nor SHA-512\n");
		return NETCTL_EXIT_FAIL;
	}
	if (print_only) {
		printf("[agent]\n%s = %s\n", KEY, hash);
		free(hash);
		return NETCTL_EXIT_OK;
	}
	rc = update_file(path, hash);
	free(hash);
	if (rc < 0)
		return NETCTL_EXIT_FAIL;
	printf("%s: [agent] %s updated\n", path, KEY);
	rc = netctl_call_netd(CTL_REQ_RELOAD, 0, 0, NULL);
	if (rc == NETCTL_EXIT_NODAEMON) {
		printf("netd is not running: the password applies when it starts\n");
		return NETCTL_EXIT_OK;
	}
	return rc;
}

const struct netctl_cmd cmd_agent_password = {
	.name = "agent-password",
	.usage = "[-f FILE] [--print]   (the password is read from the terminal or stdin)",
	.summary = "set the agent API password: hash it into the configuration, reload (root)",
	.exec = agent_password_exec,
};
