#!/usr/bin/env python3
"""One-at-a-time streams through a proxy, step by step, from `perf trace` output.

Used by bench/proxy_vs_nginx.sh with STEPS=N (docs/PERFORMANCE.md, "Where the one-stream first
byte's time goes"). Reads the system calls `perf trace -p PID` printed for a proxy's threads and,
for each stream, finds:

  t0  the request read off the client's socket (thread T's first read of a socket X it accepted),
  t1  the end of the upstream request's send (T's next sendto/writev/sendmsg on another fd U),
  t2  the proxy's next read of U (the upstream's answer),
  t3  the end of the next send to X by the thread that read U (the first bytes to the client).

Prints, over the streams that overlap no other (so one-at-a-time streams only), the median and
p90 of t1 - t0 (the request path), t2 - t1 (the upstream, and the wake-up of the thread that
reads it) and t3 - t2 (the answer's relay). Hand-written: perf's own scripting needs a perf built
with Python support, and `perf trace`'s text is all this needs.

  trace_steps.py NAME=FILE [NAME=FILE ...]
"""
import itertools
import re
import statistics
import sys

LINE = re.compile(r"\s*([\d.]+) \(\s*([\d.]*) ms\): (\S+)/(\d+) (\w+)\(fd: (\d+)[^)]*\)\s+= (-?\d+)")
# An accept4 that returned, as one line or as the "[continued]" end of a call that blocked.
ACCEPTED = re.compile(r".*?\S+/(\d+) .*accept4\(.*\)\s+= (\d+)\s*$")
READS = {"recvfrom", "read", "readv", "recvmsg"}
SENDS = {"sendto", "writev", "sendmsg"}


def load(path):
    """(start, end, thread, call, fd, is the request's read), in time order. perf trace prints
    each thread's calls in order, so a thread's first read of a socket after accepting it (a
    blocked accept4 ends on a "[continued]" line without a time) is found in the file's order."""
    calls = []
    accepted = {}  # thread -> sockets it accepted and has not read yet
    with open(path, errors="replace") as f:
        for line in f:
            a = ACCEPTED.match(line)
            if a:
                accepted.setdefault(int(a[1]), set()).add(int(a[2]))
                continue
            m = LINE.match(line)
            if m and int(m[7]) > 0:
                start, dur, tid, name, fd = float(m[1]), float(m[2] or 0), int(m[4]), m[5], int(m[6])
                request = name in READS and fd in accepted.get(tid, ())
                if request:
                    accepted[tid].discard(fd)
                calls.append((start, start + dur, tid, name, fd, request))
    calls.sort()
    return calls


def streams(calls):
    found = []
    last_read = {}  # thread -> (start, fd) of its last request read not yet sent upstream
    for i, (start, end, tid, name, fd, request) in enumerate(calls):
        if request:
            last_read[tid] = (start, fd)
            continue
        if name not in SENDS or tid not in last_read or last_read[tid][1] == fd:
            continue
        t0, client = last_read.pop(tid)
        answer = relay = None
        for later in itertools.islice(calls, i + 1, None):  # no copy of the rest per send
            if answer is None:
                if later[3] in READS and later[4] == fd:
                    answer = later
            elif later[2] == answer[2] and later[3] in SENDS and later[4] == client:
                relay = later
                break
        if answer and relay:
            found.append((t0, end, answer[0], relay[1]))
    # One-at-a-time streams only: none of whose steps overlaps another stream's.
    alone = []
    for k, s in enumerate(found):
        if all(o[3] < s[0] or o[0] > s[3] for j, o in enumerate(found) if j != k):
            alone.append(s)
    return alone


def p90(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def main(args):
    if not args or any("=" not in a for a in args):
        sys.exit("usage: trace_steps.py NAME=FILE [NAME=FILE ...]")
    print("%-10s %7s  %-22s %-22s %-22s" % ("proxy", "streams", "request read -> sent up",
                                             "sent up -> answer read", "answer read -> relayed"))
    for arg in args:
        name, path = arg.split("=", 1)
        found = streams(load(path))
        if not found:
            print("%-10s %7d  (no one-at-a-time stream in %s)" % (name, 0, path))
            continue
        cells = []
        for a, b in ((0, 1), (1, 2), (2, 3)):
            us = [1000 * (s[b] - s[a]) for s in found]
            cells.append("%4.0f us (p90 %4.0f)" % (statistics.median(us), p90(us)))
        print("%-10s %7d  %-22s %-22s %-22s" % (name, len(found), *cells))


if __name__ == "__main__":
    main(sys.argv[1:])
