#!/usr/bin/env python3
"""Opens N connections to a running `soundalike serve` as fast as it can, keeps them open and idle, then
times one ordinary /api/health request beside them. Measures the listen backlog and the worker pool
(docs/benchmarks.md, "Connection bursts"). Usage: serve_connect_burst.py PORT [N]"""
import socket
import sys
import time

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
t0 = time.time()
held = []
for _ in range(n):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    held.append(s)
connect_s = time.time() - t0
t0 = time.time()
probe = socket.create_connection(("127.0.0.1", port), timeout=30)
probe.sendall(b"GET /api/health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
status = probe.recv(64).split(b"\r\n")[0].decode()
health_s = time.time() - t0
print(f"{n} connects: {connect_s:.3f} s; /api/health beside them: {health_s * 1000:.1f} ms ({status})")
