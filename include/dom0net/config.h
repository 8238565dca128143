/* dom0net.conf: the daemon's configuration, parsed and validated before anything
 * is touched. Format: see README.md ("Configuration"). */
#ifndef DOM0NET_CONFIG_H
#define DOM0NET_CONFIG_H

#include <dom0net/names.h> /* IFNAMSIZ without <net/if.h>, which clashes with <linux/if.h> */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define D0_DEFAULT_CONFIG "/etc/dom0net/dom0net.conf"
#define D0_MAX_NICS 64
#define D0_MAX_NETS 32

enum br_style { BR_STYLE_NONE = 0, BR_STYLE_DIRECT, BR_STYLE_LEGACY };

/* [firewall] roles: which rows of the port table (spec/firewall.md) a host opens. */
#define D0_ROLE_VM_SERVER 0x1
#define D0_ROLE_POOL_MASTER 0x2
#define D0_ROLE_MANAGER 0x4	/* the manager is co-located on this host */

/* [firewall] input-default: what happens to INPUT traffic no rule accepted. */
enum d0_fw_default { D0_FW_DROP = 0, D0_FW_REJECT, D0_FW_RETURN };

/* An IPv4 network in CIDR form (address and prefix length, host byte order). */
struct d0_net4 {
	uint32_t addr;
	uint8_t plen;
};

struct d0_netlist {
	struct d0_net4 nets[D0_MAX_NETS];
	size_t n;
};

/* One [nic NAME] section: an uplink (ethN, bondN, ethN.V) and how to bridge it. */
struct d0_nic_cfg {
	char name[IFNAMSIZ];
	char bridge[IFNAMSIZ];	/* empty: derived (ethN -> xenbrN) */
	enum br_style style;
	bool force;		/* bridge even if NetworkManager-managed or root-fs carrying */
	int line;		/* where it was declared, for messages */
};

struct d0_config {
	char path[256];
	/* [global] */
	int log_level;			/* enum log_level */
	char pidfile[256];
	char ctl_socket[108];
	/* [bridges] */
	enum br_style default_style;	/* for NICs without a [nic] section */
	bool stp;
	unsigned forward_delay;		/* seconds */
	bool hotplug_nics;		/* bridge NICs that appear after start */
	struct d0_nic_cfg nics[D0_MAX_NICS];
	size_t n_nics;
	/* [vif] */
	unsigned vif_link_timeout_ms;	/* how long a VIF may wait for its link */
	/* [firewall] */
	bool fw_enable;
	bool fw_antispoof;
	struct d0_netlist fw_ssh_nets, fw_agent_nets, fw_cluster_nets, fw_console_nets,
		fw_migration_nets;
	char fw_cluster_conf[256];
	unsigned fw_roles;		/* D0_ROLE_* */
	struct d0_netlist fw_manager_nets;
	int fw_input_default;		/* enum d0_fw_default */
	bool fw_antispoof_mac;
	/* [console] */
	bool console_enable;
	char console_listen[64];
	unsigned console_port_min, console_port_max;
	char console_user[32];
	unsigned console_handshake_timeout, console_idle_timeout, console_max_sessions; /* s, s (0: off), n */
	/* [agent] */
	bool agent_enable;
	char agent_listen[64];
	unsigned agent_port;
	char agent_user[32];
	char agent_password_hash[160];
	char agent_tls_cert[256], agent_tls_key[256];
	bool agent_plain_http;
};

void config_defaults(struct d0_config *cfg);
/* Parse a file into cfg (defaults first). On error returns -1 and writes
 * "file:line: message" into err. */
int config_load(struct d0_config *cfg, const char *path, char *err, size_t errlen);
/* Parse from a string (tests, fuzzing); name is used in messages. */
int config_parse_buf(struct d0_config *cfg, const char *name, const char *buf, size_t len,
		     char *err, size_t errlen);
/* The configured style for an uplink name, with its [nic] section or NULL. */
enum br_style config_style_for(const struct d0_config *cfg, const char *ifname,
			       const struct d0_nic_cfg **nic);
const char *br_style_name(enum br_style s);
/* "a.b.c.d[/len]" with host bits zero. */
int config_parse_net4(const char *s, struct d0_net4 *out);

#endif
