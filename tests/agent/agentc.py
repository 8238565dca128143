"""agentc.py - helpers for the agent tests: Python's standard xmlrpc.client (a real
client, not ours) with Basic auth, optionally bound to a source address (the lab's
peer has a manager address and another one), over HTTP or HTTPS.

    proxy(src=None, pw=None, user="oracle")   ServerProxy for $AG_URL
    ovm(p, "OvmNetwork.getAllBridges", *args) OvmDispatch as CloudStack calls it
    fault(fn, *args) -> (code, message)        the fault a call raises (or fails)
    sh(cmd) / dom0(cmd)                        run a command (in dom0's namespace)
"""
import http.client
import os
import ssl
import subprocess
import sys
import urllib.parse
import xmlrpc.client

URL = os.environ["AG_URL"]
PW = os.environ["AG_PW"]
DOM0 = os.environ.get("AG_DOM0", "")
CAFILE = os.environ.get("AG_CAFILE") or None
MANAGER = "10.0.0.3"
OTHER = "10.0.0.1"


def context():
    ctx = ssl.create_default_context(cafile=CAFILE)
    return ctx


class _Transport(xmlrpc.client.Transport):
    def __init__(self, src, timeout):
        super().__init__()
        self.src, self.timeout = src, timeout

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, x509 = self.get_host_info(host)
        self._connection = host, http.client.HTTPConnection(
            chost, timeout=self.timeout,
            source_address=(self.src, 0) if self.src else None)
        return self._connection[1]


class _SafeTransport(xmlrpc.client.SafeTransport):
    def __init__(self, src, timeout):
        super().__init__(context=context())
        self.src, self.timeout = src, timeout

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, x509 = self.get_host_info(host)
        self._connection = host, http.client.HTTPSConnection(
            chost, timeout=self.timeout, context=self.context,
            source_address=(self.src, 0) if self.src else None)
        return self._connection[1]


def proxy(src=MANAGER, pw=None, user="oracle", timeout=30, auth=True):
    u = urllib.parse.urlsplit(URL)
    netloc = u.netloc
    if auth:
        netloc = "%s:%s@%s" % (urllib.parse.quote(user, safe=""),
                               urllib.parse.quote(PW if pw is None else pw, safe=""),
                               u.netloc)
    url = urllib.parse.urlunsplit((u.scheme, netloc, u.path, "", ""))
    t = (_SafeTransport if u.scheme == "https" else _Transport)(src, timeout)
    return xmlrpc.client.ServerProxy(url, transport=t, allow_none=True)


def ovm(p, method, *args):
    return p.OvmDispatch(method, *args)


def fault(fn, *args):
    try:
        r = fn(*args)
    except xmlrpc.client.Fault as f:
        return f.faultCode, f.faultString
    raise AssertionError("expected a fault, got %r" % (r,))


def sh(cmd):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True,
                          text=True).stdout


def dom0(cmd):
    return sh("ip netns exec %s %s" % (DOM0, cmd))


def check(cond, what):
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        sys.exit(1)
    print("ok: " + what)
