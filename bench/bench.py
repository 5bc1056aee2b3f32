#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Lanyard benchmark driver (Python 3 standard library only).

Starts bench/server.mjs (official TypeScript SDK server) once and runs every scenario against it with
up to four clients, interleaved (lanyard, ts, curl, inspector, lanyard, ts, curl, inspector, ...):
  lanyard    lanyard-cli
  ts         bench/ts-client.mjs (official TypeScript SDK Client + StreamableHTTPClientTransport)
  curl       one curl process per step with keep-alive, the raw HTTP floor
  inspector  the MCP Inspector's CLI (bench/package.json; scenarios 1 and 3 only)
Wall time is measured around each child process; peak memory is the child's ru_maxrss from os.wait4().
Scenario "desktop" compares the desktop app (start to first paint, idle memory) with the Inspector's web
UI (launch to serving, idle memory of its server process); both keep running, so they are timed here.
Prints a table and writes docs/performance.md. See bench/README.md.
"""
import argparse
import datetime
import http.client
import json
import math
import os
import platform
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTOCOL_VERSION = "2025-11-25"
CLIENTS = ("lanyard", "ts", "curl", "inspector")
PEER_NAMES = {"ts": "TS", "curl": "curl", "inspector": "Inspector"}
MB = 1024 * 1024
INSPECTOR_DIR = os.path.join(HERE, "node_modules", "@modelcontextprotocol", "inspector")
INSPECTOR_LAUNCHER = os.path.join(INSPECTOR_DIR, "clients", "launcher", "build", "index.js")


class BenchError(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# Child processes


class Run:
    """One measured run of one client: wall seconds, peak RSS (KiB), and the client's own numbers."""

    def __init__(self, wall, rss_kib, extra=None):
        self.wall = wall
        self.rss_kib = rss_kib
        self.extra = extra or {}


# A forked child inherits its parent's resident set, and Linux keeps that high-water mark in the child's
# ru_maxrss across exec. The driver grows (it parses 100 MB answers), so children are started by a tiny
# separate launcher process (python3 -S, a few MiB), whose size is the floor of every measurement; the
# floor is measured with /bin/true and reported.
LAUNCHER = r"""
import json, os, signal, sys, time
child = 0
def expire(signum, frame):
    if child:
        os.kill(child, signal.SIGKILL)
signal.signal(signal.SIGALRM, expire)
for line in sys.stdin:
    req = json.loads(line)
    started = time.perf_counter()
    child = os.fork()
    if child == 0:
        try:
            fd = os.open(os.devnull, os.O_RDONLY); os.dup2(fd, 0)
            fd = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600); os.dup2(fd, 1)
            fd = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600); os.dup2(fd, 2)
            os.execve(req["argv"][0], req["argv"], req["env"])
        finally:
            os._exit(127)
    signal.alarm(req["timeout"])
    _, status, usage = os.wait4(child, 0)
    wall = time.perf_counter() - started
    signal.alarm(0)
    child = 0
    print(json.dumps({"wall": wall, "maxrss": usage.ru_maxrss, "status": status}), flush=True)
"""


class Launcher:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-S", "-I", "-c", LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, argv, stdout_path, stderr_path, env, timeout):
        argv = list(argv)
        if os.sep not in argv[0]:
            argv[0] = shutil.which(argv[0]) or argv[0]
        request = {"argv": argv, "stdout": stdout_path, "stderr": stderr_path, "env": env or dict(os.environ),
                   "timeout": int(timeout)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError("the process launcher died")
        answer = json.loads(line)
        return answer["wall"], answer["maxrss"], os.waitstatus_to_exitcode(answer["status"])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


LAUNCH = None


def run_child(argv, stdout_path, stderr_path, env=None, timeout=900):
    """Runs argv with stdout/stderr to files; returns (wall seconds, ru_maxrss KiB, exit code)."""
    global LAUNCH
    if LAUNCH is None:
        LAUNCH = Launcher()
    wall, rss, code = LAUNCH.run(argv, stdout_path, stderr_path, env, timeout)
    if code == -9:
        raise BenchError(f"timed out after {timeout} s: {' '.join(argv[:4])} ...")
    return wall, rss, code


def tail(path, n=600):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data[-n:].decode("utf-8", "replace")
    except OSError:
        return ""


def masked(text):
    """The Inspector web UI prints its API token in the URL it serves: never pass it on."""
    return re.sub(r"(MCP_INSPECTOR_API_TOKEN=)[^\s&]+", r"\1…", text)


def inspector_error(path):
    """The message of the Inspector CLI's error object ({"error": {"code", "message"}}, last line of
    stderr), or None when it did not print one (a crash, not an answer)."""
    lines = [line for line in tail(path, 4000).splitlines() if line.strip()]
    try:
        error = json.loads(lines[-1])["error"]
        return str(error["message"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


# ----------------------------------------------------------------------------------------------
# A tiny MCP client for setup only (learning the cursors the curl floor replays); never timed.


def sse_messages(body):
    text = body.decode("utf-8")
    if text.lstrip().startswith("{"):
        return [json.loads(text)]
    messages = []
    data = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
        elif line == "" and data:
            messages.append(json.loads("\n".join(data)))
            data = []
    if data:
        messages.append(json.loads("\n".join(data)))
    return messages


def learn_cursors(url):
    """Walks tools/list once and returns the cursors of pages 2..n (as the server issued them)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    target = parts.path + ("?" + parts.query if parts.query else "")
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

    def post(message, extra):
        conn.request("POST", target, body=json.dumps(message), headers={**headers, **extra})
        response = conn.getresponse()
        body = response.read()
        return response, body

    response, _ = post(initialize_message(0), {})
    sid = response.getheader("mcp-session-id")
    session = {"Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL_VERSION}
    post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    cursors = []
    cursor = None
    for i in range(1, 100000):
        params = {} if cursor is None else {"cursor": cursor}
        _, body = post({"jsonrpc": "2.0", "id": i, "method": "tools/list", "params": params}, session)
        result = [m for m in sse_messages(body) if m.get("id") == i][0]["result"]
        cursor = result.get("nextCursor")
        if cursor is None:
            break
        cursors.append(cursor)
    conn.request("DELETE", target, headers=session)
    conn.getresponse().read()
    conn.close()
    return cursors


def initialize_message(request_id):
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize",
            "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                       "clientInfo": {"name": "curl-bench", "version": "1"}}}


# ----------------------------------------------------------------------------------------------
# The curl floor


def curl_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def curl_entry(url, sid=None, body=None, method=None):
    lines = [f"url = {curl_quote(url)}"]
    if method:
        lines.append(f"request = {curl_quote(method)}")
    if body is not None:
        lines.append('header = "Content-Type: application/json"')
        lines.append('header = "Accept: application/json, text/event-stream"')
    if sid:
        lines.append(f'header = "Mcp-Session-Id: {sid}"')
        lines.append(f'header = "MCP-Protocol-Version: {PROTOCOL_VERSION}"')
    if body is not None:
        lines.append(f"data-binary = {curl_quote(json.dumps(body, separators=(',', ':')))}")
    return "\n".join(lines) + "\n"


class Curl:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work

    def initialize(self, url):
        """One curl process: POST initialize; returns (wall, rss, session id)."""
        headers = os.path.join(self.work, "curl-init.headers")
        cfg = os.path.join(self.work, "curl-init.cfg")
        with open(cfg, "w") as f:
            f.write(curl_entry(url, body=initialize_message(0)))
        argv = [self.binary, "-sS", "-K", cfg, "-D", headers]
        wall, rss, code = run_child(argv, os.path.join(self.work, "curl-init.out"), os.path.join(self.work, "curl.err"))
        if code != 0:
            raise BenchError(f"curl initialize failed ({code}): {tail(os.path.join(self.work, 'curl.err'))}")
        sid = None
        with open(headers) as f:
            for line in f:
                if line.lower().startswith("mcp-session-id:"):
                    sid = line.split(":", 1)[1].strip()
        if not sid:
            raise BenchError("the server issued no Mcp-Session-Id to curl")
        return wall, rss, sid

    def session(self, url, sid, bodies, name):
        """One curl process: notifications/initialized, the given requests, DELETE; all on one connection."""
        cfg = os.path.join(self.work, f"curl-{name}.cfg")
        out = os.path.join(self.work, f"curl-{name}.out")
        entries = [curl_entry(url, sid, {"jsonrpc": "2.0", "method": "notifications/initialized"})]
        entries += [curl_entry(url, sid, b) for b in bodies]
        entries.append(curl_entry(url, sid, method="DELETE"))
        with open(cfg, "w") as f:
            f.write("next\n".join(entries))
        wall, rss, code = run_child([self.binary, "-sS", "-K", cfg], out, os.path.join(self.work, "curl.err"))
        if code != 0:
            raise BenchError(f"curl failed ({code}): {tail(os.path.join(self.work, 'curl.err'))}")
        return wall, rss, out

    def run(self, url, bodies, name):
        """initialize (one process) + the rest (a second process); wall = both, peak = the larger."""
        wall1, rss1, sid = self.initialize(url)
        wall2, rss2, out = self.session(url, sid, bodies, name)
        return wall1 + wall2, max(rss1, rss2), out


def responses(path):
    with open(path, "rb") as f:
        return [m for m in sse_messages(f.read()) if "id" in m]


# ----------------------------------------------------------------------------------------------
# Scenarios: each returns {client: callable() -> Run}; every callable checks its client's answer.


class Bench:
    def __init__(self, args, server_url, work):
        self.args = args
        self.base = server_url
        self.work = work
        self.curl = Curl(args.curl, work)
        self.env = dict(os.environ)
        # No user configuration leaks into lanyard-cli: it gets an empty config home.
        self.env["XDG_CONFIG_HOME"] = os.path.join(work, "config-home")
        os.makedirs(self.env["XDG_CONFIG_HOME"], exist_ok=True)
        self.lanyard_config = os.path.join(work, "lanyard-bench.json")
        # The Inspector keeps a catalog in ~/.mcp-inspector: it gets a scratch home, not the user's.
        self.inspector_env = dict(os.environ, HOME=os.path.join(work, "inspector-home"))
        os.makedirs(self.inspector_env["HOME"], exist_ok=True)

    def url(self, tools, page_size):
        return f"{self.base}?tools={tools}&pageSize={page_size}"

    def out(self, client, name):
        return os.path.join(self.work, f"{client}-{name}.out"), os.path.join(self.work, f"{client}.err")

    def child(self, client, name, argv, env=None):
        out, err = self.out(client, name)
        wall, rss, code = run_child(argv, out, err, env=env)
        if code != 0:
            raise BenchError(f"{client} {name} exited with {code}: {tail(err)}")
        return wall, rss, out

    def lanyard(self, name, *args):
        return self.child("lanyard", name, [self.args.cli, "--json", *args], env=self.env)

    def ts(self, name, *args):
        return self.child("ts", name, [self.args.node, os.path.join(HERE, "ts-client.mjs"), *args])

    def inspector(self, name, url):
        """The Inspector CLI's tools/list (it reads every page): (wall, rss, stdout path, None), or
        (wall, rss, None, message) when it exits with its own error object, e.g. when it gives up paging."""
        out = os.path.join(self.work, f"inspector-{name}.out")
        err = os.path.join(self.work, f"inspector-{name}.err")
        open(err, "w").close()
        argv = [self.args.node, INSPECTOR_LAUNCHER, "--cli", url, "--transport", "http", "--method", "tools/list"]
        wall, rss, code = run_child(argv, out, err, env=self.inspector_env)
        if code == 0:
            return wall, rss, out, None
        message = inspector_error(err)
        if message is None:
            raise BenchError(f"inspector {name} exited with {code}: {tail(err)}")
        return wall, rss, None, message

    # -- checks ---------------------------------------------------------------------------------
    @staticmethod
    def load(path):
        with open(path, "rb") as f:
            return json.loads(f.read())

    def check_tools(self, client, tools, expected):
        if len(tools) != expected:
            raise BenchError(f"{client} listed {len(tools)} tools, expected {expected}")
        if tools[0].get("name") != "echo" or tools[-1].get("name") != ("big" if expected == 2 else f"tool-{expected - 1:05d}"):
            raise BenchError(f"{client} listed the wrong tools")

    @staticmethod
    def check_text(client, result, size):
        text = result["content"][0]["text"]
        if len(text) != size:
            raise BenchError(f"{client} got a text of {len(text)} characters, expected {size}")

    # -- scenario 1: cold process ---------------------------------------------------------------
    def cold(self, tools=10):
        url = self.url(tools, 100)

        def lanyard():
            wall, rss, out = self.lanyard("cold", "tools", url)
            self.check_tools("lanyard", self.load(out)["tools"], tools)
            return Run(wall, rss)

        def ts():
            wall, rss, out = self.ts("cold", "cold", url)
            self.check_tools("ts", self.load(out)["tools"], tools)
            return Run(wall, rss)

        def curl():
            wall, rss, out = self.curl.run(url, [{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}], "cold")
            self.check_tools("curl", responses(out)[0]["result"]["tools"], tools)
            return Run(wall, rss)

        def inspector():
            wall, rss, out, failed = self.inspector("cold", url)
            if failed:
                return Run(wall, rss, {"failed": failed})
            self.check_tools("inspector", self.load(out)["tools"], tools)
            return Run(wall, rss)

        return self.with_inspector({"lanyard": lanyard, "ts": ts, "curl": curl}, inspector)

    def with_inspector(self, runners, inspector):
        if self.args.inspector:
            runners["inspector"] = inspector
        return runners

    # -- scenario 2: N sequential calls ---------------------------------------------------------
    def calls(self, n):
        url = self.url(10, 100)

        def client_rate(client, wall, rss, out):
            r = self.load(out)
            if r["calls"] != n or r["last"]["content"][0]["text"] != "hello":
                raise BenchError(f"{client} did not make {n} good calls: {str(r)[:200]}")
            return Run(wall, rss, {"rate": r["callsPerSecond"]})

        def lanyard():
            return client_rate("lanyard", *self.lanyard("calls", "call", url, "echo", "--args", '{"text":"hello"}',
                                                        "--repeat", str(n)))

        def ts():
            return client_rate("ts", *self.ts("calls", "calls", url, str(n)))

        def call(i):
            return {"jsonrpc": "2.0", "id": i, "method": "tools/call",
                    "params": {"name": "echo", "arguments": {"text": "hello"}}}

        def curl():
            # Rate = (n - 1) calls / (time of a process making n calls - time of one making 1 call):
            # process start, connect, the notification and DELETE cancel out.
            _, _, sid = self.curl.initialize(url)
            wall_n, rss, out = self.curl.session(url, sid, [call(i) for i in range(1, n + 1)], "calls")
            got = responses(out)
            if len(got) != n or any(m["result"]["content"][0]["text"] != "hello" for m in got):
                raise BenchError(f"curl got {len(got)} good answers, expected {n}")
            _, _, sid1 = self.curl.initialize(url)
            wall_1, _, _ = self.curl.session(url, sid1, [call(1)], "call1")
            return Run(wall_n, rss, {"rate": (n - 1) / max(1e-6, wall_n - wall_1)})

        return {"lanyard": lanyard, "ts": ts, "curl": curl}

    # -- scenario 3: list many tools ------------------------------------------------------------
    def listing(self, tools, page_size):
        url = self.url(tools, page_size)
        pages = 1 if page_size <= 0 else -(-tools // page_size)
        cursors = learn_cursors(url)
        if len(cursors) != pages - 1:
            raise BenchError(f"the server issued {len(cursors)} cursors, expected {pages - 1}")

        def lanyard():
            wall, rss, out = self.lanyard("list", "tools", url)
            r = self.load(out)
            self.check_tools("lanyard", r["tools"], tools)
            if r.get("pages", pages) != pages:
                raise BenchError(f"lanyard read {r.get('pages')} pages, expected {pages}")
            return Run(wall, rss)

        def ts():
            wall, rss, out = self.ts("list", "list", url)
            r = self.load(out)
            self.check_tools("ts", r["tools"], tools)
            if r["pages"] != pages:
                raise BenchError(f"ts read {r['pages']} pages, expected {pages}")
            return Run(wall, rss)

        def curl():
            bodies = [{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}]
            bodies += [{"jsonrpc": "2.0", "id": i + 2, "method": "tools/list", "params": {"cursor": c}}
                       for i, c in enumerate(cursors)]
            wall, rss, out = self.curl.run(url, bodies, "list")
            got = responses(out)
            self.check_tools("curl", [t for m in got for t in m["result"]["tools"]], tools)
            return Run(wall, rss)

        def inspector():
            wall, rss, out, failed = self.inspector("list", url)
            if failed:
                # 2.12.0 stops after listMaxPages (64) pages and prints no tools at all.
                m = re.search(r"listMaxPages \((\d+)\)", failed)
                why = f"cannot page past {int(m.group(1)) * page_size:,} tools" if m and page_size > 0 else ""
                return Run(wall, rss, {"failed": failed, "why": why})
            self.check_tools("inspector", self.load(out)["tools"], tools)
            return Run(wall, rss)

        return self.with_inspector({"lanyard": lanyard, "ts": ts, "curl": curl}, inspector)

    # -- scenario 4: one large result -----------------------------------------------------------
    def big(self, size):
        url = self.url(10, 100)
        with open(self.lanyard_config, "w") as f:
            # maxMessageMB: lanyard-cli refuses answers over 64 MB by default (docs/config.md).
            json.dump({"servers": [{"name": "bench", "url": url, "maxMessageMB": 1024, "timeoutSeconds": 600}]}, f)
        args = json.dumps({"bytes": size})

        def lanyard():
            wall, rss, out = self.child("lanyard", "big", [self.args.cli, "--json", "--config", self.lanyard_config,
                                                           "call", "bench", "big", "--args", args], env=self.env)
            self.check_text("lanyard", self.load(out)["result"], size)
            return Run(wall, rss)

        def ts():
            wall, rss, out = self.ts("big", "big", url, str(size))
            self.check_text("ts", self.load(out)["result"], size)
            return Run(wall, rss)

        def curl():
            bodies = [{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                      {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "big", "arguments": {"bytes": size}}}]
            wall, rss, out = self.curl.run(url, bodies, "big")
            self.check_text("curl", responses(out)[1]["result"], size)
            return Run(wall, rss)

        return {"lanyard": lanyard, "ts": ts, "curl": curl}


# ----------------------------------------------------------------------------------------------
# Scenario 6, desktop: the desktop app vs the Inspector's web UI. Both keep running, so they are started
# here (not by the launcher) and measured while alive: start time, then resident memory after idling.


class XDisplay:
    """One Xvfb for the scenario (Qt's xcb platform, as on a desktop), or Qt's offscreen platform when
    Xvfb is not installed. env: what the desktop app's environment gets; kind: what the document says."""

    def __init__(self, work):
        self.proc = None
        self.env = {"QT_QPA_PLATFORM": "offscreen"}
        self.kind = "Qt offscreen platform (no Xvfb)"
        xvfb = shutil.which("Xvfb")
        if not xvfb:
            return
        # -displayfd: Xvfb picks a free display number itself and writes it here once it accepts clients.
        read_fd, write_fd = os.pipe()
        log = open(os.path.join(work, "xvfb.log"), "ab")
        self.proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                     pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        os.close(write_fd)
        try:
            number = read_line(read_fd, time.monotonic() + 30)
        finally:
            os.close(read_fd)
        if not number.strip().isdigit():
            self.close()
            raise BenchError(f"Xvfb did not start: {tail(os.path.join(work, 'xvfb.log'))}")
        self.env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{number.strip()}"}
        self.kind = "Xvfb (1280×800×24) and Qt's xcb platform"

    def close(self):
        if self.proc:
            stop(self.proc)
            self.proc = None


def read_line(fd, deadline):
    """Reads one line from a pipe, byte by byte (nothing is read past it); '' at end of file or deadline."""
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return ""
        byte = os.read(fd, 1)
        if not byte:
            break
        data += byte
    return data.decode("utf-8", "replace")


def stop(proc, grace=5):
    """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def process_tree(pid):
    """pid and its descendants (from /proc/PID/task/*/children)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def tree_memory(pid):
    """(VmRSS, VmHWM) in KiB, summed over the process and its descendants, and how many processes."""
    rss = hwm = 0
    pids = process_tree(pid)
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        rss += int(fields.get("VmRSS", "0 kB").split()[0])
        hwm += int(fields.get("VmHWM", "0 kB").split()[0])
    return rss, hwm, len(pids)


def connected(pid, port):
    """Whether the process has an established TCP connection to port `port` (its sockets in /proc/PID/fd
    matched with /proc/net/tcp)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                    return True
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(port):
    """GET / on 127.0.0.1:port: the body when it answers 200, None when it does not (yet)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read()
        return body if response.status == 200 else None
    except OSError:
        return None
    finally:
        conn.close()


def gui_app_startup_option(app):
    """Whether this build of the desktop app has --report-startup (its --help lists it)."""
    with tempfile.TemporaryDirectory(prefix="lanyard-bench-help-") as home:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=home, XDG_CONFIG_HOME=home,
                   XDG_RUNTIME_DIR=home)
        try:
            out = subprocess.run([app, "--help"], capture_output=True, text=True, env=env, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return False
    return "--report-startup" in out


class Desktop:
    """Runners for scenario 6: lanyard = the desktop app, inspector = the Inspector's web UI. Run.wall is
    the start time, Run.rss_kib the resident set after idling, Run.extra["hwm"] the peak so far."""

    def __init__(self, args, server_url, work, display):
        self.args = args
        self.url = f"{server_url}?tools=10&pageSize=100"
        self.server_port = urllib.parse.urlsplit(server_url).port
        self.work = os.path.join(work, "desktop")
        self.display = display
        self.runs = 0
        os.makedirs(self.work, exist_ok=True)
        self.config = os.path.join(self.work, "lanyard.json")
        with open(self.config, "w") as f:
            json.dump({"servers": [{"name": "bench", "url": self.url}]}, f)
        # One cache (fonts) for the scenario, as on a desktop that has run the app before; a fresh
        # configuration and data directory per run.
        self.home = os.path.join(self.work, "home")
        self.runtime = os.path.join(self.work, "runtime")
        for d in (self.home, os.path.join(self.home, ".cache"), self.runtime):
            os.makedirs(d, mode=0o700, exist_ok=True)

    def idle(self, proc, who):
        time.sleep(self.args.idle)
        if proc.poll() is not None:
            raise BenchError(f"{who} exited with {proc.returncode} while idle")
        return tree_memory(proc.pid)

    def lanyard_env(self):
        self.runs += 1
        profile = os.path.join(self.work, f"profile-{self.runs}")
        config_home = os.path.join(profile, "config")
        os.makedirs(os.path.join(config_home, "Lanyard"))
        os.makedirs(os.path.join(profile, "data"))
        # ui/TourDialog.cpp: the first-run tour opens unless QSettings ("Lanyard", "lanyard") has tour/shown.
        with open(os.path.join(config_home, "Lanyard", "lanyard.conf"), "w") as f:
            f.write("[tour]\nshown=true\n")
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        env.update(self.display.env)
        env.update(HOME=self.home, XDG_CONFIG_HOME=config_home, XDG_DATA_HOME=os.path.join(profile, "data"),
                   XDG_CACHE_HOME=os.path.join(self.home, ".cache"), XDG_RUNTIME_DIR=self.runtime)
        return env

    def lanyard(self):
        err = os.path.join(self.work, "lanyard.err")
        env = self.lanyard_env()
        with open(err, "ab") as errors:
            started = time.perf_counter()
            proc = subprocess.Popen([self.args.gui_app, "--config", self.config, "--report-startup"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        try:
            deadline = time.monotonic() + 60
            while True:
                line = read_line(proc.stdout.fileno(), deadline)
                if line.strip() == "painted":
                    wall = time.perf_counter() - started
                    break
                if not line:
                    try:
                        code = f"it exited with {proc.wait(timeout=1)}"
                    except subprocess.TimeoutExpired:
                        code = "no 'painted' within 60 s"
                    raise BenchError(f"the desktop app did not report its first paint ({code}): {tail(err)}")
            rss, hwm, count = self.idle(proc, "the desktop app")
            # Its idle memory is that of a connected app: it keeps a connection to the server open.
            if not connected(proc.pid, self.server_port):
                raise BenchError(f"the desktop app has no connection to the bench server after {self.args.idle:g} s: "
                                 f"{tail(err)}")
        finally:
            stop(proc)
            proc.stdout.close()
        return Run(wall, rss, {"hwm": hwm, "processes": count})

    def inspector(self):
        out = os.path.join(self.work, "inspector.out")
        err = os.path.join(self.work, "inspector.err")
        port = free_port()
        # The web server needs a fixed CLIENT_PORT; its MCP Apps sandbox and app origin get OS-assigned
        # ports (0) instead of their defaults 6275 and 6276, so two runs never collide.
        env = dict(os.environ, HOME=os.path.join(self.work, "inspector-home"), MCP_AUTO_OPEN_ENABLED="false",
                   CLIENT_PORT=str(port), MCP_SANDBOX_PORT="0", MCP_APP_ORIGIN_PORT="0")
        os.makedirs(env["HOME"], exist_ok=True)
        argv = [self.args.node, INSPECTOR_LAUNCHER, "--web", "--server-url", self.url, "--transport", "http"]
        with open(out, "wb") as stdout, open(err, "ab") as stderr:
            started = time.perf_counter()
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        try:
            deadline = time.monotonic() + 60
            while True:
                body = http_ok(port)
                if body is not None:
                    wall = time.perf_counter() - started
                    break
                if proc.poll() is not None:
                    raise BenchError(f"the Inspector web UI exited with {proc.returncode}: {masked(tail(err))} {masked(tail(out))}")
                if time.monotonic() > deadline:
                    raise BenchError(f"the Inspector web UI did not serve http://127.0.0.1:{port}/ within 60 s: {masked(tail(out))}")
                time.sleep(0.01)
            if b"<html" not in body.lower():
                raise BenchError(f"the Inspector web UI answered GET / with something else: {body[:200]!r}")
            rss, hwm, count = self.idle(proc, "the Inspector web UI")
        finally:
            stop(proc)
        return Run(wall, rss, {"hwm": hwm, "processes": count})


# ----------------------------------------------------------------------------------------------
# Running, summarising, reporting


def measure(title, runners, reps, warmup, log):
    """Interleaved: lanyard, ts, curl, inspector, lanyard, ... after `warmup` untimed rounds; only the
    clients the scenario has. A run with extra["failed"] is a peer's failure, recorded, not raised."""
    clients = [c for c in CLIENTS if c in runners]
    runs = {c: [] for c in clients}
    for _ in range(warmup):
        for c in clients:
            runners[c]()
    for rep in range(reps):
        for c in clients:
            r = runners[c]()
            runs[c].append(r)
            extra = f" {r.extra['rate']:.0f} calls/s" if "rate" in r.extra else ""
            extra += f" (peak {r.extra['hwm'] / 1024:.1f} MiB)" if "hwm" in r.extra else ""
            extra += f" FAILED: {r.extra['failed']}" if "failed" in r.extra else ""
            log(f"  {title} #{rep + 1} {c:9} {r.wall * 1000:9.1f} ms {r.rss_kib / 1024:8.1f} MiB{extra}")
    return runs


class Stat:
    def __init__(self, values):
        self.values = values
        self.median = statistics.median(values)
        self.lo = min(values)
        self.hi = max(values)


def stat(runs, key):
    """Over the runs that did not fail; None when every run failed (or there was none)."""
    values = [key(r) for r in runs if "failed" not in r.extra]
    return Stat(values) if values else None


def wall(r):
    return r.wall


def rss(r):
    return r.rss_kib


def fmt_ms(s):
    return f"{s.median * 1000:.0f} ms ({s.lo * 1000:.0f}–{s.hi * 1000:.0f})" if s.median < 10 else \
        f"{s.median:.1f} s ({s.lo:.1f}–{s.hi:.1f})"


def fmt_mib(s):
    return f"{s.median / 1024:.1f} MiB ({s.lo / 1024:.1f}–{s.hi / 1024:.1f})"


def fmt_rate(s):
    return f"{s.median:.0f}/s ({s.lo:.0f}–{s.hi:.0f})"


class Target:
    """ratio lanyard/peer compared with a bound: kind '<=' (time, memory) or '>=' (rate)."""

    def __init__(self, kind, bound, peer="ts"):
        self.kind, self.bound, self.peer = kind, bound, peer

    def met(self, ratio):
        return ratio <= self.bound if self.kind == "<=" else ratio >= self.bound

    def missed(self, ratios):
        ratio = ratios.get(self.peer)
        return ratio is not None and not self.met(ratio)

    def text(self, ratios):
        ratio = ratios.get(self.peer)
        sign = "≤" if self.kind == "<=" else "≥"
        mark = "not measured" if ratio is None else "✅" if self.met(ratio) else "❌"
        return f"{sign} {self.bound:g}× {PEER_NAMES[self.peer]} {mark}"


def cell(runs, key, fmt):
    """median (min–max) of the runs that did not fail, and what failed."""
    if not runs:
        return "not measured"
    s = stat(runs, key)
    failed = [r.extra for r in runs if "failed" in r.extra]
    if not failed:
        return fmt(s)
    why = failed[0].get("why") or "see below"
    if s is None:
        return f"fails: {why}"
    return f"{fmt(s)}; fails {len(failed)} of {len(runs)}: {why}"


def row(scenario, metric, runs, key, fmt, issue2, issue7):
    """runs: {client: [Run]}; ratios lanyard/peer of the medians, None where either was not measured."""
    stats = {c: stat(runs[c], key) for c in runs}
    lanyard = stats.get("lanyard")
    ratios = {p: (lanyard.median / stats[p].median if lanyard and stats[p] else None) for p in runs if p != "lanyard"}
    failures = {}
    for c in runs:
        messages = [r.extra["failed"] for r in runs[c] if "failed" in r.extra]
        if messages:
            failures[c] = {"runs": len(runs[c]), "failed": len(messages), "messages": sorted(set(messages))}
    return {
        "scenario": scenario, "metric": metric,
        "cells": {c: cell(runs[c], key, fmt) for c in runs},
        "ratios": ratios,
        "failures": failures,
        "issue2": [t.text(ratios) for t in issue2],
        "issue7": [t.text(ratios) for t in issue7],
        "missed": [t.text(ratios) for t in issue2 + issue7 if t.missed(ratios)],
    }


CLI_HEADERS = {"lanyard": "lanyard-cli", "ts": "TS SDK client", "curl": "curl floor", "inspector": "Inspector CLI"}
DESKTOP_HEADERS = {"lanyard": "Lanyard desktop app", "inspector": "Inspector web UI"}


def table(rows, headers, main="ts"):
    """headers: {client: column title}, lanyard first. Columns for lanyard and every client with a cell in
    some row, one ratio column lanyard/peer each (the one to `main` in bold), then the targets; a note
    under the table for every peer that failed."""
    clients = [c for c in headers if c == "lanyard" or any(c in r["cells"] for r in rows)]
    peers = clients[1:]
    with_issue2 = any(r["issue2"] for r in rows)

    def bold(text, peer):
        return f"**{text}**" if peer == main else text

    def ratio(r, p):
        value = r["ratios"].get(p)
        return "—" if value is None else bold(f"{value:.2f}×", p)

    head = (["scenario", "metric"] + [headers[c] for c in clients] + [bold(f"lanyard / {PEER_NAMES[p]}", p) for p in peers]
            + (["issue 2 target"] if with_issue2 else []) + ["issue 7 target"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for r in rows:
        cells = ([r["scenario"], r["metric"]] + [r["cells"].get(c, "—") for c in clients] + [ratio(r, p) for p in peers]
                 + (["<br>".join(r["issue2"]) or "—"] if with_issue2 else []) + ["<br>".join(r["issue7"]) or "—"])
        lines.append("| " + " | ".join(cells) + " |")
        for c, f in r["failures"].items():
            for message in f["messages"]:
                note = f"- {r['scenario']}: the {headers[c]} failed in {f['failed']} of {f['runs']} runs: `{message}`"
                if note not in notes:
                    notes.append(note)
    return "\n".join(lines + ([""] + notes if notes else []))


def command_output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(args):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    qt = command_output(["dpkg-query", "-W", "-f", "${Version}", "libqt6core6"]) or \
        command_output(["pkg-config", "--modversion", "Qt6Core"]) or "unknown"
    build_type = "unknown"
    d = os.path.dirname(os.path.abspath(args.cli))
    while d != os.path.dirname(d):
        cache = os.path.join(d, "CMakeCache.txt")
        if os.path.exists(cache):
            with open(cache) as f:
                m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", f.read(), re.M)
            build_type = (m.group(1) if m else "") or "(none)"
            break
        d = os.path.dirname(d)
    sdk = "unknown"
    try:
        with open(os.path.join(ROOT, "tests", "interop", "node_modules", "@modelcontextprotocol", "sdk", "package.json")) as f:
            sdk = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    inspector = ""
    try:
        with open(os.path.join(INSPECTOR_DIR, "package.json")) as f:
            inspector = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    return {
        "inspector": inspector,
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "qt": qt,
        "node": command_output([args.node, "--version"]),
        "curl": command_output([args.curl, "--version"]).split("\n")[0].split(" (")[0],
        "python": platform.python_version(), "sdk": sdk,
        "lanyard": command_output([args.cli, "--version"]), "build_type": build_type,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def gui_filter(args, url, log):
    """Scenario 5: per-keystroke time of the tool filter in the real main window, 10,000 tools (no peer:
    scenario 6 starts the Inspector web UI, but no browser types into it). Three processes, 90 keystrokes each."""
    title = f"5. GUI: filtering {args.tools} tools, per keystroke"
    if not os.access(args.gui, os.X_OK):
        log(f"{title}: skipped ({args.gui} is not built)")
        return f"| {title} | not measured: `{os.path.relpath(args.gui, ROOT)}` was not built |\n|---|---|"
    log(title)
    runs = []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for i in range(1 if args.quick else 3):
        out = subprocess.run([args.gui, url, "--tools", str(args.tools), "--rounds", "1" if args.quick else "5"],
                             capture_output=True, text=True, env=env, timeout=300)
        if out.returncode != 0:
            raise BenchError(f"the GUI filter benchmark failed: {out.stderr.strip()[-300:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        log(f"  gui #{i + 1} median {r['median_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
            f"over {r['keystrokes']} keystrokes")
        runs.append(r)
    median = statistics.median(r["median_ms"] for r in runs)
    p90 = max(r["p90_ms"] for r in runs)
    worst = max(r["max_ms"] for r in runs)
    verdict = "✅" if worst < 16 else "❌"
    return ("| scenario | median | worst p90 | worst keystroke | issue 7 target |\n|---|---|---|---|---|\n"
            f"| {title} (key event to the window repainted; {sum(r['keystrokes'] for r in runs)} keystrokes in "
            f"{len(runs)} processes) | {median:.1f} ms | {p90:.1f} ms | {worst:.1f} ms | < 16 ms {verdict} |")


def desktop(args, url, work, log):
    """Scenario 6: the desktop app's start to first paint and idle memory vs the Inspector web UI's launch
    to serving and the idle memory of its server process. Either side alone when the other is missing.
    Returns (rows, a note for the document, raw runs)."""
    title = "6. desktop: start to first paint (Lanyard) vs launch to serving (Inspector web UI), 10 tools"
    app = os.path.relpath(args.gui_app, ROOT) if os.path.abspath(args.gui_app).startswith(ROOT + os.sep) else args.gui_app
    without_app = ""
    if not os.access(args.gui_app, os.X_OK):
        without_app = f"the desktop app was not measured: `{app}` was not built"
    elif not gui_app_startup_option(args.gui_app):
        without_app = f"the desktop app was not measured: this build of `{app}` has no `--report-startup`"
    without_inspector = "" if args.inspector else "the Inspector web UI was not measured (not installed, or `--no-inspector`)"
    missing = [m for m in (without_app, without_inspector) if m]
    if without_app and without_inspector:
        log(f"{title}: skipped ({'; '.join(missing)})")
        return [], f"Scenario 6 was skipped: {'; '.join(missing)}.", {}
    display = None if without_app else XDisplay(work)
    try:
        runner = Desktop(args, url, work, display)
        runners = {} if without_app else {"lanyard": runner.lanyard}
        if not without_inspector:
            runners["inspector"] = runner.inspector
        where = [display.kind] if display else []
        log(f"{title} ({'; '.join(where + missing + [f'idle {args.idle:g} s'])})")
        runs = measure("desktop", runners, args.reps, args.warmup, log)
    finally:
        if display:
            display.close()
    runs.setdefault("lanyard", [])
    rows = [row(title, "start: first paint / serving", runs, wall, fmt_ms, [], [Target("<=", 0.3, "inspector")]),
            row(title, f"idle RSS ({args.idle:g} s after first paint / serving)", runs, rss, fmt_mib, [],
                [Target("<=", 0.5, "inspector")]),
            row(title, "peak RSS so far (VmHWM)", runs, lambda r: r.extra["hwm"], fmt_mib, [], [])]
    note = "; ".join(([f"the desktop app ran on {display.kind}"] if display else []) + missing)
    return rows, note[:1].upper() + note[1:] + ".", {c: [vars(r) for r in v] for c, v in runs.items()}


class LabProcess:
    """lanyard-lab with the identity lab and hr-copies more servers like hr, on loopback; its config."""

    def __init__(self, args, work, copies, latency_ms):
        self.config = os.path.join(work, f"lab-{latency_ms}.json")
        self.log_path = os.path.join(work, f"lab-{latency_ms}.log")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([args.lab, "--hr-copies", str(copies), "--latency", str(latency_ms),
                                      "--tools", "10", "--config-out", self.config],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            line = read_line(self.proc.stdout.fileno(), deadline)
            if line.startswith("ready"):
                break
            if not line:
                self.close()
                raise BenchError(f"lanyard-lab did not start: {tail(self.log_path)}")
        with open(self.config) as f:
            self.lab_config = json.load(f)

    def config_with(self, names, path):
        """The lab's config with only these servers (hr, hr-2, ...); credentials in memory only."""
        cfg = dict(self.lab_config)
        cfg["servers"] = [s for s in self.lab_config["servers"] if s["name"] in names]
        if len(cfg["servers"]) != len(names):
            raise BenchError(f"lanyard-lab's config lacks some of {names}")
        cfg["identity"] = dict(cfg["identity"], store="memory")
        with open(path, "w") as f:
            json.dump(cfg, f)
        return path

    def close(self):
        stop(self.proc)
        self.proc.stdout.close()


def signin(args, work, log):
    """Scenario 7: sign-in + token for 20 servers at once vs for one, against lanyard-lab (its Entra-like
    identity provider, its RFC 8693 token service and 20 servers like hr), with lanyard-bench-signin: the
    app's SessionManager + identity code, the lab's sign-in robot as the browser, a fresh profile per run.
    Once on bare loopback and once with --latency (every answer of the lab later by that many ms)."""
    servers = 1 if args.quick else 20
    title = f"7. sign-in + token: {servers} servers at once vs 1 (lanyard-lab)"
    for tool, what in ((args.signin_bench, "lanyard-bench-signin"), (args.lab, "lanyard-lab")):
        if not os.access(tool, os.X_OK):
            log(f"{title}: skipped ({tool} is not built)")
            return f"{title}: not measured, `{os.path.relpath(tool, ROOT)}` ({what}) was not built.", {}, []
    log(title)
    robot = f"{args.lab} --sign-in-as ada@lanyardlab.onmicrosoft.com"
    lines = ["| network | servers | sign-in done | every token | every server connected | peak RSS | lab's main thread: CPU "
             "| floor: the exchanges alone |",
             "|---|---|---|---|---|---|---|---|"]
    summary = ["| network | 20 / 1: every token | 20 / 1: every server connected | floor: 20 / 1 | issue 7 target |",
               "|---|---|---|---|---|"]
    raw, missed = {}, []
    for latency in ([0] if args.quick else [0, args.signin_latency]):
        lab = LabProcess(args, work, servers - 1, latency)
        try:
            names = {1: ["hr"], servers: ["hr"] + [f"hr-{i}" for i in range(2, servers + 1)]}
            configs = {n: lab.config_with(names[n], os.path.join(work, f"signin-{latency}-{n}.json")) for n in names}
            runs = {n: [] for n in names}
            for rep in range(args.warmup + args.signin_reps):
                for n in names:
                    profile = tempfile.mkdtemp(prefix="profile-", dir=work)
                    env = dict(os.environ, HOME=profile, XDG_CONFIG_HOME=os.path.join(profile, "config"),
                               XDG_DATA_HOME=os.path.join(profile, "data"), XDG_CACHE_HOME=os.path.join(profile, "cache"))
                    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
                    out = os.path.join(work, f"signin-{latency}-{n}.out")
                    err = os.path.join(work, f"signin-{latency}-{n}.err")
                    wall, rss_kib, code = run_child([args.signin_bench, "--config", configs[n], "--open-with", robot,
                                                     "--floor", "3", "--lab-pid", str(lab.proc.pid)],
                                                    out, err, env=env, timeout=120)
                    try:
                        with open(out) as f:
                            r = json.loads(f.read().strip().splitlines()[-1])
                    except (OSError, ValueError, IndexError):
                        r = {}
                    if code != 0 or r.get("connected") != n or r.get("signIns") != 1 or r.get("exchanges") != n:
                        raise BenchError(f"lanyard-bench-signin with {n} server(s) failed (exit {code}): "
                                         f"{str(r)[:300]} {tail(err)}")
                    if rep >= args.warmup:
                        # The peak when the last server connected (before the floor), else the process's.
                        r["rss_kib"] = r["peakKiB"] if r.get("peakKiB", -1) > 0 else rss_kib
                        for k in ("labCpuMs", "floorAllMs"):
                            if r.get(k, -1) < 0:
                                r[k] = math.nan
                        if r.get("floorError"):
                            log(f"  signin: the floor was not measured: {r['floorError']}")
                        runs[n].append(r)
                        log(f"  signin latency {latency} ms #{rep - args.warmup + 1} {n:3} server(s): signed in "
                            f"{r['signedInMs']:6.1f} ms, tokens {r['tokensMs']:6.1f} ms, connected {r['ms']:6.1f} ms")
        finally:
            lab.close()
        raw[f"latency-{latency}"] = {str(n): v for n, v in runs.items()}
        network = "loopback" if latency == 0 else f"loopback + {latency} ms per answer"
        med = {n: {k: statistics.median(r[k] for r in runs[n])
                   for k in ("signedInMs", "tokensMs", "ms", "rss_kib", "labCpuMs", "floorAllMs")}
               for n in runs}

        def span(n, k):
            values = [r[k] for r in runs[n]]
            if any(math.isnan(v) for v in values):
                return "n/a"
            return f"{statistics.median(values):.1f} ms ({min(values):.1f}–{max(values):.1f})"

        for n in runs:
            lines.append(f"| {network} | {n} | {span(n, 'signedInMs')} | {span(n, 'tokensMs')} | {span(n, 'ms')} | "
                         f"{med[n]['rss_kib'] / 1024:.1f} MiB | {span(n, 'labCpuMs')} | {span(n, 'floorAllMs')} |")
        if servers > 1:
            tokens = med[servers]["tokensMs"] / med[1]["tokensMs"]
            connected_ratio = med[servers]["ms"] / med[1]["ms"]
            # The best any client could do: one server's sign-in, then nothing but the 20 exchanges.
            floor = (med[1]["signedInMs"] + med[servers]["floorAllMs"]) / med[1]["tokensMs"]
            floor_text = "n/a" if math.isnan(floor) else f"{floor:.2f}×"
            summary.append(f"| {network} | **{tokens:.2f}×** | {connected_ratio:.2f}× | {floor_text} | ≤ 1.5× "
                           f"{'✅' if tokens <= 1.5 else '❌'} |")
            if tokens > 1.5:
                missed.append(f"- {title}, {network}: every token after {med[servers]['tokensMs']:.0f} ms with "
                              f"{servers} servers, {med[1]['tokensMs']:.0f} ms with one: {tokens:.2f}× — missed ≤ 1.5× ❌. "
                              + ("" if math.isnan(floor) else
                                 f"The floor (one server's sign-in, then only the {servers} token-exchange POSTs at "
                                 f"once: {med[servers]['floorAllMs']:.1f} ms) is {floor:.2f}× one server. ")
                              + ("" if math.isnan(med[servers]["labCpuMs"] + med[1]["labCpuMs"]) else
                                 f"The lab's one event-loop thread (identity provider, token service and all MCP "
                                 f"servers) used {med[servers]['labCpuMs']:.1f} ms of CPU per run with {servers} "
                                 f"servers, {med[1]['labCpuMs']:.1f} ms with one; client, lab and sign-in robot share "
                                 f"2 cores."))
    text = f"**{title}** (median (min–max) of {args.signin_reps} runs; times from the start of connecting)\n\n" + "\n".join(lines)
    if servers > 1:
        text += "\n\n" + "\n".join(summary)
    return text, raw, missed


def start_server(args, log_path):
    log = open(log_path, "ab")
    proc = subprocess.Popen([args.node, os.path.join(HERE, "server.mjs"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    line = proc.stdout.readline()
    if not line:
        raise BenchError(f"the benchmark server did not start: {tail(log_path)}")
    return proc, json.loads(line)["url"]


def main():
    p = argparse.ArgumentParser(description="Lanyard vs the TypeScript SDK client vs curl vs the MCP Inspector "
                                "(see bench/README.md)")
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "cli", "lanyard-cli"))
    p.add_argument("--node", default=shutil.which("node") or "node")
    p.add_argument("--curl", default=shutil.which("curl") or "curl")
    p.add_argument("--cold-reps", type=int, default=7)
    p.add_argument("--reps", type=int, default=5, help="repetitions of scenarios 2-4 and 6")
    p.add_argument("--signin-reps", type=int, default=15,
                   help="repetitions of scenario 7 (its runs last 15-60 ms: a few more keep its median steady "
                        "when the machine's 2 cores are busy for a moment, e.g. with ksoftirqd)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds before each scenario")
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--tools", type=int, default=10000)
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--big-mb", default="20,100", help="sizes of the large result in MiB, comma-separated")
    p.add_argument("--only", default="cold,calls,list,big,gui,desktop,signin",
                   help="scenarios to run, comma-separated, of: %(default)s")
    p.add_argument("--gui", default=os.path.join(ROOT, "build", "bench", "lanyard-bench-gui-filter"),
                   help="the GUI filter benchmark (built with the project; skipped when missing)")
    p.add_argument("--gui-app", default="",
                   help="the desktop app for scenario 'desktop' (default: app/gui/lanyard in the build tree of --cli)")
    p.add_argument("--idle", type=float, default=3.0, help="seconds the desktop app and the Inspector web UI idle "
                   "before their memory is read")
    p.add_argument("--signin-bench", default="",
                   help="scenario 'signin': the sign-in benchmark (default: bench/lanyard-bench-signin in the build "
                   "tree of --cli; skipped when missing)")
    p.add_argument("--lab", default="", help="lanyard-lab for scenario 'signin' (default: lab/app/lanyard-lab in the "
                   "build tree of --cli)")
    p.add_argument("--signin-latency", type=int, default=20,
                   help="scenario 'signin' also runs with this many ms added to every answer of the lab")
    p.add_argument("--no-inspector", dest="inspector", action="store_false",
                   help="leave out the MCP Inspector (CLI and web UI; also left out when bench/node_modules lacks it)")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 repetition, small sizes, no document")
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "performance.md"), help="'' to skip writing it")
    p.add_argument("--raw", default="", help="also write every measurement as JSON to this file")
    args = p.parse_args()
    if args.signin_reps < 1:
        p.error("--signin-reps needs at least 1")
    if args.quick:
        args.cold_reps, args.reps, args.warmup, args.calls, args.tools, args.big_mb, args.doc = 1, 1, 0, 100, 1000, "1", ""
        args.signin_reps = 1
    if not os.access(args.cli, os.X_OK):
        sys.exit(f"lanyard-cli not found at {args.cli} (build it, or pass --cli)")
    if not args.gui_app:
        # ROOT/build/app/cli/lanyard-cli -> ROOT/build/app/gui/lanyard
        args.gui_app = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.cli))), "gui", "lanyard")
    build_tree = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.cli))))
    if not args.signin_bench:
        args.signin_bench = os.path.join(build_tree, "bench", "lanyard-bench-signin")
    if not args.lab:
        # ROOT/build/app/cli/lanyard-cli -> ROOT/build/lab/app/lanyard-lab
        args.lab = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(args.cli)))),
                                "lab", "app", "lanyard-lab")

    def log(text):
        print(text, flush=True)

    if args.inspector and not os.path.exists(INSPECTOR_LAUNCHER):
        log(f"note: the MCP Inspector is not installed ({os.path.relpath(INSPECTOR_LAUNCHER, ROOT)} is missing; "
            "run `npm ci` in bench/): it is left out")
        args.inspector = False

    info = machine_info(args)
    with tempfile.TemporaryDirectory(prefix="lanyard-bench-") as work:
        info["floor_kib"] = run_child(["/bin/true"], os.path.join(work, "out"), os.path.join(work, "err"))[1]
    log(f"lanyard-cli {info['lanyard']} ({info['build_type']}), node {info['node']}, SDK {info['sdk']}, {info['curl']}"
        + (f", Inspector {info['inspector']}" if args.inspector else ""))
    log(f"{info['nproc']} × {info['cpu']}; load average {os.getloadavg()[0]:.2f}")
    only = set(args.only.split(","))
    sizes = [int(float(s) * MB) for s in args.big_mb.split(",") if s]
    rows, raw = [], {}
    gui_text = ""
    desktop_rows, desktop_note = [], ""
    signin_text, signin_missed = "", []
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lanyard-bench-") as work:
        server, url = start_server(args, os.path.join(work, "server.log"))
        try:
            bench = Bench(args, url, work)
            plan = []
            if "cold" in only:
                plan.append(("cold", "1. cold: connect + initialize + tools/list (10 tools) + exit", bench.cold(), args.cold_reps))
            if "calls" in only:
                plan.append(("calls", f"2. {args.calls} sequential tools/call", bench.calls(args.calls), args.reps))
            if "list" in only:
                plan.append(("list-paged", f"3a. tools/list of {args.tools} tools, {args.page_size} per page",
                             bench.listing(args.tools, args.page_size), args.reps))
                plan.append(("list-one", f"3b. tools/list of {args.tools} tools, one page", bench.listing(args.tools, 0), args.reps))
            if "big" in only:
                for size in sizes:
                    plan.append((f"big-{size // MB}", f"4. one tool result of {size // MB} MiB", bench.big(size), args.reps))
            for key, title, runners, reps in plan:
                log(title)
                runs = measure(key, runners, reps, args.warmup, log)
                raw[key] = {c: [vars(r) for r in v] for c, v in runs.items()}
                mem2 = [Target("<=", 0.5)]
                if key == "cold":
                    rows.append(row(title, "wall time", runs, wall, fmt_ms, [], [Target("<=", 0.1), Target("<=", 2.0, "curl")]))
                    rows.append(row(title, "peak RSS", runs, rss, fmt_mib, mem2, [Target("<=", 0.2)]))
                elif key == "calls":
                    rows.append(row(title, "calls per second", runs, lambda r: r.extra["rate"], fmt_rate, [Target(">=", 2.0)],
                                    [Target(">=", 3.0), Target(">=", 0.8, "curl")]))
                    rows.append(row(title, "peak RSS", runs, rss, fmt_mib, mem2, []))
                elif key.startswith("list"):
                    rows.append(row(title, "wall time", runs, wall, fmt_ms, [], [Target("<=", 0.5)]))
                    rows.append(row(title, "peak RSS", runs, rss, fmt_mib, mem2, [Target("<=", 0.5)]))
                else:
                    rows.append(row(title, "wall time", runs, wall, fmt_ms, [], [Target("<=", 1.0)]))
                    rows.append(row(title, "peak RSS", runs, rss, fmt_mib, mem2, [Target("<=", 0.5)]))
            if "gui" in only:
                gui_text = gui_filter(args, bench.url(args.tools, args.page_size), log)
            if "desktop" in only:
                desktop_rows, desktop_note, raw["desktop"] = desktop(args, url, work, log)
            if "signin" in only:
                signin_text, raw["signin"], signin_missed = signin(args, work, log)
        finally:
            server.terminate()
            server.wait(timeout=10)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    parts = ([table(rows, CLI_HEADERS)] if rows else []) + ([gui_text] if gui_text else []) \
        + ([table(desktop_rows, DESKTOP_HEADERS, "inspector") + "\n\n" + desktop_note] if desktop_rows
           else [desktop_note] if desktop_note else []) + ([signin_text] if signin_text else [])
    text = "\n\n".join(parts)
    rows = rows + desktop_rows
    log("")
    log(text)
    log(f"\n({elapsed:.0f} s; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({"info": info, "runs": raw, "rows": rows}, f, indent=1)
    if args.doc:
        write_doc(args, info, text, rows, elapsed, load_before, load_after, signin_missed)
        log(f"wrote {os.path.relpath(args.doc, os.getcwd())}")
    return 0


def write_doc(args, info, text, rows, elapsed, load_before, load_after, extra_missed=()):
    def ratios(r):
        return ", ".join(f"lanyard/{PEER_NAMES[p]} {v:.2f}×" for p, v in r["ratios"].items() if v is not None)

    missed = [f"- {r['scenario']}, {r['metric']}: {ratios(r)} — missed {', '.join(r['missed'])}"
              for r in rows if r["missed"]]
    missed += list(extra_missed)
    inspector = (f"| Inspector peer | @modelcontextprotocol/inspector {info['inspector']} (`bench/package.json`) on Node "
                 f"{info['node']} |\n") if args.inspector else ""
    notes_path = os.path.join(HERE, "notes.md")
    notes = ""
    if os.path.exists(notes_path):
        with open(notes_path) as f:
            notes = f.read().strip() + "\n"
    doc = f"""# Performance

Generated by `bench/run.sh` (driver `bench/bench.py`) on {info['date']}. Do not edit by hand: edit
`bench/bench.py` or `bench/notes.md` and run it again.

**These numbers come from a noisy 2-core virtual machine on which other people were compiling at the same
time** (load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end). Read the ratios, not the
absolute times, and expect ±20 % between runs.

| | |
|---|---|
| machine | {info['nproc']} × {info['cpu']}, Linux {info['kernel']} |
| lanyard-cli | {info['lanyard']}, CMake build type {info['build_type']}, Qt {info['qt']} |
| TypeScript peer | @modelcontextprotocol/sdk {info['sdk']} on Node {info['node']} |
{inspector}| floor | {info['curl']} |
| driver | Python {info['python']}, {elapsed / 60:.1f} minutes for the whole run |

## Method

- One benchmark server for everything: `bench/server.mjs`, the official TypeScript SDK's low-level `Server`
  with `StreamableHTTPServerTransport`, **stateful** (it issues `Mcp-Session-Id`), SSE answers (the SDK's
  default), on 127.0.0.1. The endpoint's query string picks the shape (`?tools=10000&pageSize=100`); tool
  lists and large texts are built once, so the server's own work is the same for every client.
- Three clients, each a fresh process per run, run **interleaved** (lanyard, TS, curl, lanyard, TS, curl, …)
  after {args.warmup} untimed warm-up round(s): `lanyard-cli --json …`; `bench/ts-client.mjs` (the SDK's
  `Client` + `StreamableHTTPClientTransport`, doing what lanyard-cli does for the same command, including
  ending the session with DELETE); and curl as the raw HTTP floor. In scenarios 1 and 3 a fourth: the
  MCP Inspector's CLI (`inspector --cli URL --transport http --method tools/list`, with a scratch `HOME`),
  interleaved with the others. Where it fails (it stops paging after 64 pages) the failure and its message
  are recorded, and the failed runs are left out of the medians.
- curl speaks the same stateful protocol: one curl process POSTs `initialize` and keeps the
  `Mcp-Session-Id`, a second curl process sends `notifications/initialized`, the requests and DELETE over one
  keep-alive connection (a config file with one entry per request). curl does not parse anything, so for
  paging it replays cursors learned from the server beforehand (untimed); the bytes on the wire are the same.
- Wall time is measured around each client process (start to exit, so it includes start-up and connecting);
  curl's is the sum of its two processes. Peak memory is the child's `ru_maxrss` from `os.wait4()` (for curl
  the larger of its two processes). Linux carries a forked child's inherited resident set into `ru_maxrss`
  across `exec`, so the children are started by a tiny launcher process (`python3 -S`), not by the driver;
  its size is the floor of every memory figure: {info['floor_kib'] / 1024:.1f} MiB here (`/bin/true`).
- Calls per second: lanyard-cli's own `--repeat` rate and the TS client's loop rate (both time only the
  calls, after initialize and tools/list); for curl (n−1) / (time of a process making n calls − time of one
  making 1 call), so process start, connecting and DELETE cancel out.
- Each client's answer is checked (tool count and names, pages, every echo answer, the exact size of the
  large text). Cold runs: {args.cold_reps} repetitions; the rest: {args.reps}. Cells show the **median (min–max)**;
  ratios are of medians. The result is the ratio lanyard/TS (and lanyard/curl where a target names curl).
- Scenario 6 (desktop) compares two long-running processes, started by the driver one after the other
  ({args.reps} times each, interleaved, after the warm-up): the desktop app (`lanyard --config …
  --report-startup`, one server of 10 tools, a fresh profile per run with the first-run tour marked as
  seen) from start until it prints `painted` (its main window's first paint has been flushed); and the
  Inspector's web UI (`inspector --web --server-url … --transport http`, auto-open off, a free
  `CLIENT_PORT`, a scratch `HOME`) from start until `GET /` answers 200 (polled every 10 ms). After
  {args.idle:g} s of idling, the resident set (`VmRSS`, summed over the process and any children it started)
  is read from `/proc`, then the process gets SIGTERM. The desktop app must hold a connection to the server
  by then. The Inspector's server does not connect to the MCP server until a browser asks it to, and no
  browser is started: its figure is the server process alone. Under Xvfb the window's pixels live in the X
  server, not in the app's resident set.
- Scenario 7 (sign-in + token for 20 servers at once) runs `lanyard-lab --hr-copies 19` (its Entra-like
  identity provider, its RFC 8693 token service, and 20 servers like hr, each taking only tokens the token
  service issued for its URL) and `build/bench/lanyard-bench-signin`: the app's `SessionManager` and
  identity code connect every server of a config at once, with the lab's sign-in robot as the browser; a
  fresh profile per run, credentials in memory, so every run signs in once, discovers the token service,
  exchanges one token per server and connects. hr alone and all 20 are interleaved, {args.signin_reps} runs each
  after the warm-up; once on bare loopback and once with {args.signin_latency} ms added to every answer of the
  lab. The ratio is of the medians to "every token" (the issue's wording; "every server connected" adds
  each server's initialize); "peak RSS" is the benchmark process's VmHWM when the last server connected.
  "lab's main thread: CPU" is the CPU time the lab's one event-loop thread
  (identity provider, token service and every MCP server) spent from the start of connecting to the last
  server connected (`/proc/PID/task/PID/schedstat`, read by the benchmark at those moments). "floor: the
  exchanges alone" is measured by the same process afterwards (`--floor 3`): the token-exchange POSTs and
  nothing else (no sessions, discovery or lifecycle log), for every server of the row at once on fresh
  connections, median of 3. "floor: 20 / 1" is one server's sign-in plus that, over one server's every
  token: what a client that did nothing but the exchanges after the sign-in would get against this lab.
- Targets: issue 2 — at least 2× the TS client's calls per second and at most half its peak memory;
  issue 7 (stricter, later) — cold ≤ 0.1× TS wall time, ≤ 0.2× its memory, within 2× of curl; 1000 calls
  ≥ 3× TS and ≥ 0.8× curl; 10,000 tools ≤ 0.5× TS time and memory; large result memory ≤ 0.5× TS, time ≤ TS;
  the desktop app's start to first paint ≤ 0.3× the Inspector web UI's launch to serving, its idle memory
  ≤ 0.5× the Inspector's server process; sign-in + token for 20 servers ≤ 1.5× one server. The Inspector CLI is a peer without targets of its own in
  scenarios 1 and 3 (its ratios are shown).

## Results

{text}

## Missed targets

{chr(10).join(missed) if missed else "None."}

## Notes

- Run it: `bench/run.sh` (builds `lanyard-cli` with the default preset when it is missing; `LANYARD_CLI=path`
  picks another binary; extra arguments go to `bench/bench.py`, e.g. `--quick`, `--big-mb 20`, `--only calls`).
- The wall times of scenarios 3 and 4 include each client's start-up (compare with scenario 1: Node needs
  a few hundred milliseconds before its first request).
{notes}"""
    with open(args.doc, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        sys.exit(f"bench: {e}")
