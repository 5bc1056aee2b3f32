#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Lanyard benchmark driver (Python 3 standard library only).

Starts bench/server.mjs (official TypeScript SDK server) once and runs every scenario against it with
three clients, interleaved (lanyard, ts, curl, lanyard, ts, curl, ...):
  lanyard  lanyard-cli
  ts       bench/ts-client.mjs (official TypeScript SDK Client + StreamableHTTPClientTransport)
  curl     one curl process per step with keep-alive, the raw HTTP floor
Wall time is measured around each child process; peak memory is the child's ru_maxrss from os.wait4().
Prints a table and writes docs/performance.md. See bench/README.md.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTOCOL_VERSION = "2025-11-25"
CLIENTS = ("lanyard", "ts", "curl")
MB = 1024 * 1024


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

        return {"lanyard": lanyard, "ts": ts, "curl": curl}

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

        return {"lanyard": lanyard, "ts": ts, "curl": curl}

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
# Running, summarising, reporting


def measure(title, runners, reps, warmup, log):
    """Interleaved: lanyard, ts, curl, lanyard, ts, curl, ... after one untimed warm-up round."""
    runs = {c: [] for c in CLIENTS}
    for _ in range(warmup):
        for c in CLIENTS:
            runners[c]()
    for rep in range(reps):
        for c in CLIENTS:
            r = runners[c]()
            runs[c].append(r)
            extra = f" {r.extra['rate']:.0f} calls/s" if "rate" in r.extra else ""
            log(f"  {title} #{rep + 1} {c:8} {r.wall * 1000:9.1f} ms {r.rss_kib / 1024:8.1f} MiB{extra}")
    return runs


class Stat:
    def __init__(self, values):
        self.values = values
        self.median = statistics.median(values)
        self.lo = min(values)
        self.hi = max(values)


def stat(runs, key):
    return Stat([key(r) for r in runs])


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

    def text(self, ratios):
        ratio = ratios[self.peer]
        mark = "✅" if self.met(ratio) else "❌"
        who = "TS" if self.peer == "ts" else "curl"
        sign = "≤" if self.kind == "<=" else "≥"
        return f"{sign} {self.bound:g}× {who} {mark}"


def row(scenario, metric, stats, fmt, issue2, issue7):
    ratios = {p: stats["lanyard"].median / stats[p].median for p in ("ts", "curl")}
    return {
        "scenario": scenario, "metric": metric,
        "cells": [fmt(stats[c]) for c in CLIENTS],
        "ratios": ratios,
        "issue2": [t.text(ratios) for t in issue2],
        "issue7": [t.text(ratios) for t in issue7],
        "missed": [t.text(ratios) for t in issue2 + issue7 if not t.met(ratios[t.peer])],
    }


def table(rows):
    lines = ["| scenario | metric | lanyard-cli | TS SDK client | curl floor | **lanyard / TS** | lanyard / curl "
             "| issue 2 target | issue 7 target |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['scenario']} | {r['metric']} | " + " | ".join(r["cells"])
                     + f" | **{r['ratios']['ts']:.2f}×** | {r['ratios']['curl']:.2f}× | "
                     + ("<br>".join(r["issue2"]) or "—") + " | " + ("<br>".join(r["issue7"]) or "—") + " |")
    return "\n".join(lines)


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
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "qt": qt,
        "node": command_output([args.node, "--version"]),
        "curl": command_output([args.curl, "--version"]).split("\n")[0].split(" (")[0],
        "python": platform.python_version(), "sdk": sdk,
        "lanyard": command_output([args.cli, "--version"]), "build_type": build_type,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def gui_filter(args, url, log):
    """Scenario 5: per-keystroke time of the tool filter in the real main window, 10,000 tools (no peer:
    the Inspector web UI is not part of this run). Three processes, 90 keystrokes each."""
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


def start_server(args, log_path):
    log = open(log_path, "ab")
    proc = subprocess.Popen([args.node, os.path.join(HERE, "server.mjs"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    line = proc.stdout.readline()
    if not line:
        raise BenchError(f"the benchmark server did not start: {tail(log_path)}")
    return proc, json.loads(line)["url"]


def main():
    p = argparse.ArgumentParser(description="Lanyard vs the TypeScript SDK client vs curl (see bench/README.md)")
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "cli", "lanyard-cli"))
    p.add_argument("--node", default=shutil.which("node") or "node")
    p.add_argument("--curl", default=shutil.which("curl") or "curl")
    p.add_argument("--cold-reps", type=int, default=7)
    p.add_argument("--reps", type=int, default=5, help="repetitions of scenarios 2-4")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds before each scenario")
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--tools", type=int, default=10000)
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--big-mb", default="20,100", help="sizes of the large result in MiB, comma-separated")
    p.add_argument("--only", default="cold,calls,list,big,gui", help="scenarios to run, comma-separated")
    p.add_argument("--gui", default=os.path.join(ROOT, "build", "bench", "lanyard-bench-gui-filter"),
                   help="the GUI filter benchmark (built with the project; skipped when missing)")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 repetition, small sizes, no document")
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "performance.md"), help="'' to skip writing it")
    p.add_argument("--raw", default="", help="also write every measurement as JSON to this file")
    args = p.parse_args()
    if args.quick:
        args.cold_reps, args.reps, args.warmup, args.calls, args.tools, args.big_mb, args.doc = 1, 1, 0, 100, 1000, "1", ""
    if not os.access(args.cli, os.X_OK):
        sys.exit(f"lanyard-cli not found at {args.cli} (build it, or pass --cli)")

    def log(text):
        print(text, flush=True)

    info = machine_info(args)
    with tempfile.TemporaryDirectory(prefix="lanyard-bench-") as work:
        info["floor_kib"] = run_child(["/bin/true"], os.path.join(work, "out"), os.path.join(work, "err"))[1]
    log(f"lanyard-cli {info['lanyard']} ({info['build_type']}), node {info['node']}, SDK {info['sdk']}, {info['curl']}")
    log(f"{info['nproc']} × {info['cpu']}; load average {os.getloadavg()[0]:.2f}")
    only = set(args.only.split(","))
    sizes = [int(float(s) * MB) for s in args.big_mb.split(",") if s]
    rows, raw = [], {}
    gui_text = ""
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
                raw[key] = {c: [vars(r) for r in runs[c]] for c in CLIENTS}
                wall = {c: stat(runs[c], lambda r: r.wall) for c in CLIENTS}
                rss = {c: stat(runs[c], lambda r: r.rss_kib) for c in CLIENTS}
                mem2 = [Target("<=", 0.5)]
                if key == "cold":
                    rows.append(row(title, "wall time", wall, fmt_ms, [], [Target("<=", 0.1), Target("<=", 2.0, "curl")]))
                    rows.append(row(title, "peak RSS", rss, fmt_mib, mem2, [Target("<=", 0.2)]))
                elif key == "calls":
                    rate = {c: stat(runs[c], lambda r: r.extra["rate"]) for c in CLIENTS}
                    rows.append(row(title, "calls per second", rate, fmt_rate, [Target(">=", 2.0)],
                                    [Target(">=", 3.0), Target(">=", 0.8, "curl")]))
                    rows.append(row(title, "peak RSS", rss, fmt_mib, mem2, []))
                elif key.startswith("list"):
                    rows.append(row(title, "wall time", wall, fmt_ms, [], [Target("<=", 0.5)]))
                    rows.append(row(title, "peak RSS", rss, fmt_mib, mem2, [Target("<=", 0.5)]))
                else:
                    rows.append(row(title, "wall time", wall, fmt_ms, [], [Target("<=", 1.0)]))
                    rows.append(row(title, "peak RSS", rss, fmt_mib, mem2, [Target("<=", 0.5)]))
            if "gui" in only:
                gui_text = gui_filter(args, bench.url(args.tools, args.page_size), log)
        finally:
            server.terminate()
            server.wait(timeout=10)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    text = table(rows) + (("\n\n" + gui_text) if gui_text else "")
    log("")
    log(text)
    log(f"\n({elapsed:.0f} s; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({"info": info, "runs": raw, "rows": rows}, f, indent=1)
    if args.doc:
        write_doc(args, info, text, rows, elapsed, load_before, load_after)
        log(f"wrote {os.path.relpath(args.doc, os.getcwd())}")
    return 0


def write_doc(args, info, text, rows, elapsed, load_before, load_after):
    missed = [f"- {r['scenario']}, {r['metric']}: lanyard/TS {r['ratios']['ts']:.2f}×, lanyard/curl "
              f"{r['ratios']['curl']:.2f}× — missed {', '.join(r['missed'])}" for r in rows if r["missed"]]
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
| floor | {info['curl']} |
| driver | Python {info['python']}, {elapsed / 60:.1f} minutes for the whole run |

## Method

- One benchmark server for everything: `bench/server.mjs`, the official TypeScript SDK's low-level `Server`
  with `StreamableHTTPServerTransport`, **stateful** (it issues `Mcp-Session-Id`), SSE answers (the SDK's
  default), on 127.0.0.1. The endpoint's query string picks the shape (`?tools=10000&pageSize=100`); tool
  lists and large texts are built once, so the server's own work is the same for every client.
- Three clients, each a fresh process per run, run **interleaved** (lanyard, TS, curl, lanyard, TS, curl, …)
  after {args.warmup} untimed warm-up round(s): `lanyard-cli --json …`; `bench/ts-client.mjs` (the SDK's
  `Client` + `StreamableHTTPClientTransport`, doing what lanyard-cli does for the same command, including
  ending the session with DELETE); and curl as the raw HTTP floor.
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
- Targets: issue 2 — at least 2× the TS client's calls per second and at most half its peak memory;
  issue 7 (stricter, later) — cold ≤ 0.1× TS wall time, ≤ 0.2× its memory, within 2× of curl; 1000 calls
  ≥ 3× TS and ≥ 0.8× curl; 10,000 tools ≤ 0.5× TS time and memory; large result memory ≤ 0.5× TS, time ≤ TS.

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
