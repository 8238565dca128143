"""Hostile and broken clients against the agent (test_agent_abuse.sh): each gets the
right error, nothing runs, and the manager (10.0.0.3) is served throughout. The
other clients use 10.0.0.1."""
import http.client
import resource
import socket
import ssl
import time
import urllib.parse
import xmlrpc.client

from agentc import CAFILE, MANAGER, OTHER, URL, check, fault, ovm, proxy

U = urllib.parse.urlsplit(URL)
HOST, PORT = U.hostname, U.port


def served(what):
    """A call of the manager on a new connection (it needs accepting, TLS included)."""
    t = time.monotonic()
    r = ovm(proxy(MANAGER), "OvmNetwork.getAllBridges")
    dt = time.monotonic() - t
    check(r == "[]" and dt < 2.0, "the manager is served %s (%.0f ms)" % (what, dt * 1000))


def protocol_error(fn, *args):
    try:
        fn(*args)
    except xmlrpc.client.ProtocolError as e:
        return e.errcode, e.headers
    raise AssertionError("expected an HTTP error")


def sock(src=OTHER):
    s = socket.create_connection((HOST, PORT), timeout=10, source_address=(src, 0))
    if U.scheme == "https":
        s = ssl.create_default_context(cafile=CAFILE).wrap_socket(s, server_hostname=HOST)
    return s


def raw(body, headers=None, src=OTHER, auth=True):
    """POST body (bytes) with http.client; returns (status, body)."""
    cls = http.client.HTTPSConnection if U.scheme == "https" else http.client.HTTPConnection
    kw = {"context": ssl.create_default_context(cafile=CAFILE)} if U.scheme == "https" else {}
    c = cls(HOST, PORT, timeout=20, source_address=(src, 0), **kw)
    h = {"Content-Type": "text/xml"}
    if auth:
        import base64
        from agentc import PW
        h["Authorization"] = "Basic " + base64.b64encode(("oracle:" + PW).encode()).decode()
    h.update(headers or {})
    c.request("POST", "/RPC2", body, h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


served("at first")

# ---- credentials ------------------------------------------------------------------------
code, hdrs = protocol_error(proxy(OTHER, auth=False).dom0net.status)
check(code == 401 and "Basic" in hdrs.get("WWW-Authenticate", ""), "no credentials: 401 + challenge")
code, _ = protocol_error(ovm, proxy(OTHER, pw="wrong"), "OvmNetwork.createBridge",
                         '{"name":"xenbr1","attach":"eth1"}')
check(code == 401, "wrong password: 401")
code, hdrs = protocol_error(ovm, proxy(OTHER), "OvmNetwork.getAllBridges")
check(code == 429 and int(hdrs.get("Retry-After", "0")) >= 1,
      "right password during the back-off after a failure: 429 + Retry-After")
served("while 10.0.0.1 is in back-off")
code, _ = protocol_error(ovm, proxy(OTHER, pw="wrong again"), "OvmNetwork.getAllBridges")
check(code == 429, "guessing during the back-off does not even get checked: 429")
time.sleep(1.2)
code, _ = protocol_error(ovm, proxy(OTHER, pw="wrong"), "OvmNetwork.getAllBridges")
check(code == 401, "after the back-off, a wrong password again: 401")
time.sleep(2.2)
check(ovm(proxy(OTHER), "OvmNetwork.getAllBridges") == "[]",
      "after the (doubled) back-off the right password works")
st, _ = raw(b"<x/>", {"Authorization": "Basic !!!notbase64"}, auth=False)
check(st == 401, "malformed Basic credentials: 401")
time.sleep(1.2)

# ---- broken requests ----------------------------------------------------------------------
st, body = raw(b"<?xml version='1.0'?><methodCall><methodName>x</methodName><params><par")
check(st == 200 and b"<i4>-32700</i4>" in body, "malformed XML: fault -32700")
st, body = raw(b"\x00\xff garbage \x01" * 100)
check(st == 200 and b"-32700" in body, "binary garbage: fault -32700")
bomb = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<methodCall><methodName>&b;</methodName></methodCall>")
st, body = raw(bomb)
check(st == 200 and b"-32600" in body, "entity expansion: fault -32600 (no DTDs)")
deep = b"<methodCall><methodName>dom0net.status</methodName><params><param><value>" + \
    b"<array><data><value>" * 5000
st, body = raw(deep)
check(st == 200 and b"faultCode" in body, "5000 levels of nesting: a fault")
p = proxy(OTHER)
code, msg = fault(p.no.such.method)
check(code == -32601, "unknown method: fault -32601")
code, msg = fault(ovm, p, "OvmNetwork.noSuchFunction")
check(code == 3 and "has no function" in msg, "unknown function: fault 3")
code, msg = fault(ovm, p, "NoSuchClass.f")
check(code == 2 and "not exposed" in msg, "unknown class: fault 2")
code, msg = fault(ovm, p, "OvmVm.create", "{}")
check(code == -32000, "a class dom0net does not serve: fault -32000")
code, msg = fault(ovm, p, "nodot")
check(code == 1, "not Class.function: fault 1")
code, msg = fault(ovm, p, "OvmNetwork.createBridge", 42)
check(code == -32602, "wrong argument type: fault -32602")
code, msg = fault(ovm, p, "OvmNetwork.createBridge", "{}", "{}")
check(code == 4001 and "takes 1 argument" in msg, "wrong argument count: the method's fault")
code, msg = fault(ovm, p, "OvmNetwork.createBridge", '{"name":"xenbr1;reboot","attach":"eth1"}')
check(code == 4001 and "Invalid bridge name" in msg, "a shell metacharacter in a name: refused")
code, msg = fault(ovm, p, "OvmNetwork.createBridge", "[" * 100000)
check(code == 4001, "100000 brackets of JSON: a fault")
served("after the broken requests")

# ---- sizes --------------------------------------------------------------------------------
t = time.monotonic()
s = sock()
s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
          b"Content-Length: 104857600\r\n\r\n")
chunk, sent, refused = b"A" * 65536, 0, False
try:
    while sent < 100 << 20:
        s.sendall(chunk)
        sent += len(chunk)
except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
    refused = True
resp = b""
try:
    s.settimeout(5)
    resp = s.recv(4096)
except OSError:
    pass
s.close()
check((resp.startswith(b"HTTP/1.1 413") or refused) and sent < 100 << 20,
      "100 MB body (Content-Length): 413 and closed after %d KiB (%.1f s)" %
      (sent >> 10, time.monotonic() - t))
s = sock()
s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
sent, refused = 0, False
try:
    while sent < 100 << 20:
        s.sendall(b"10000\r\n" + chunk + b"\r\n")
        sent += len(chunk)
except OSError:
    refused = True
s.close()
check(refused and sent < 100 << 20, "100 MB body (chunked): cut off after %d KiB" % (sent >> 10))
s = sock()
try:
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"j" * 20000 + b"\r\n\r\n")
    s.settimeout(5)
    r = s.recv(4096)
except OSError:
    r = b""
s.close()
check(r == b"" or r.split(b" ")[1] in (b"400", b"413", b"431"), "20 KB of headers: refused")
served("after the oversized requests")

# ---- 1000 idle connections from one address -----------------------------------------------
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
idle = []
t = time.monotonic()
for i in range(1000):
    c = socket.socket()
    c.setblocking(False)
    c.bind((OTHER, 0))
    c.connect_ex((HOST, PORT))
    idle.append(c)
time.sleep(0.5)
served("with 1000 idle connections open")


def census():
    """(open, closed, connecting) among the idle sockets."""
    o = cl = pend = 0
    for c in idle:
        try:
            c.getpeername()
        except OSError:
            pend += 1	# SYN still being retransmitted (the accept queue overflowed)
            continue
        try:
            if c.recv(1) == b"":
                cl += 1
            else:
                o += 1
        except BlockingIOError:
            o += 1
        except OSError:
            cl += 1
    return o, cl, pend


for i in range(40):
    o, cl, pend = census()
    if pend == 0 and o <= 64:
        break
    time.sleep(0.5)
check(pend == 0 and o <= 64 and cl >= 1000 - 64,
      "of 1000 idle connections from one address the agent keeps %d, closed %d "
      "(at most 64 per address)" % (o, cl))
served("with the idle connections it kept")
for c in idle:
    c.close()
served("after the idle connections went")

# ---- a slow sender is cut off by the request deadline ----------------------------------------
s = sock()
s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n")
t = time.monotonic()
alive = True
while alive and time.monotonic() - t < 45:
    try:
        s.sendall(b"X-Slow: 1\r\n")
        s.settimeout(1)
        alive = s.recv(1) != b""
    except socket.timeout:
        pass
    except OSError:
        alive = False
s.close()
check(not alive and time.monotonic() - t < 40,
      "a slow sender is closed at the request deadline (%.0f s)" % (time.monotonic() - t))
served("at the end")
print("abuse: all passed")
