#!/usr/bin/env python3
"""An HTTP fault proxy between s3unload and a real S3 server, for the faults a real server
cannot produce on demand: 503 SlowDown, 500, a connection reset in the middle of a part, a
stall past the client's timeout, and CompleteMultipartUpload answered with 200 + <Error>.

Everything else is forwarded untouched (Host header included, so SigV4 signatures still
verify upstream). Requests are classified into S3 operation names; rules match on them.

usage: fault_proxy.py --upstream 127.0.0.1:PORT   (prints "ready http://127.0.0.1:N")
control (paths under /__fault/, never a valid bucket name):
  POST /__fault/rules  [{"op": "UploadPart", "nth": 2, "times": 1, "action": "respond",
                         "status": 503, "body": "<Error>...", "headers": {"Retry-After": "1"}}]
       actions: respond (answer without forwarding), reset (read "after_bytes" of the body,
       then reset the connection), stall (read the request, then wait "seconds" silently)
       nth: the first matching request to fault (1-based); times: how many (0 = forever)
  GET  /__fault/log    [{"op": ..., "method": ..., "path": ..., "status": ..., "fault": ...}]
  POST /__fault/reset  clears rules and log
"""
import argparse
import http.client
import http.server
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
RULES = []  # each: dict + "seen" counter + "fired" counter
LOG = []


def classify(method, path, query):
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    parts = [p for p in path.split("/") if p]
    has_key = len(parts) > 1
    if method == "POST" and "uploads" in q:
        return "CreateMultipartUpload"
    if method == "PUT" and "partNumber" in q:
        return "UploadPart"
    if method == "POST" and "uploadId" in q:
        return "CompleteMultipartUpload"
    if method == "DELETE" and "uploadId" in q:
        return "AbortMultipartUpload"
    if method == "GET" and "uploadId" in q:
        return "ListParts"
    if method == "GET" and "uploads" in q:
        return "ListMultipartUploads"
    if method == "POST" and "delete" in q:
        return "DeleteObjects"
    if method == "PUT":
        return "PutObject" if has_key else "CreateBucket"
    if method == "HEAD":
        return "HeadObject" if has_key else "HeadBucket"
    if method == "GET":
        return "GetObject" if has_key else "ListObjectsV2"
    if method == "DELETE":
        return "DeleteObject" if has_key else "DeleteBucket"
    return method


def pick_rule(op):
    with LOCK:
        for rule in RULES:
            if rule.get("op") not in (op, "*"):
                continue
            rule["seen"] += 1
            if rule["seen"] < rule.get("nth", 1):
                continue
            times = rule.get("times", 1)
            if times and rule["fired"] >= times:
                continue
            rule["fired"] += 1
            return rule
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _control(self, path, body):
        global RULES, LOG
        if path == "/__fault/rules":
            rules = json.loads(body or b"[]")
            with LOCK:
                RULES = [dict(r, seen=0, fired=0) for r in rules]
            return self._send(200, b"{}")
        if path == "/__fault/log":
            with LOCK:
                data = json.dumps(LOG).encode()
            return self._send(200, data, {"Content-Type": "application/json"})
        if path == "/__fault/reset":
            with LOCK:
                RULES, LOG = [], []
            return self._send(200, b"{}")
        return self._send(404, b"unknown control path")

    def _handle(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if url.path.startswith("/__fault/"):
            return self._control(url.path, self.rfile.read(length))
        op = classify(self.command, url.path, url.query)
        rule = pick_rule(op)
        entry = {"op": op, "method": self.command, "path": url.path, "query": url.query,
                 "fault": rule["action"] if rule else None, "status": None}
        with LOCK:
            LOG.append(entry)
        if rule and rule["action"] == "reset":
            self.rfile.read(min(length, rule.get("after_bytes", 0)))
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        body = self.rfile.read(length) if length else b""
        if rule and rule["action"] == "stall":
            time.sleep(rule.get("seconds", 5))
            self.close_connection = True
            return
        if rule and rule["action"] == "respond":
            entry["status"] = rule["status"]
            return self._send(rule["status"], rule.get("body", "").encode(),
                              rule.get("headers"))
        conn = http.client.HTTPConnection(*self.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body if (body or length) else None,
                     headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        entry["status"] = resp.status
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", resp.getheader("Content-Length", str(len(data)))
                         if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    Handler.upstream = (host, int(port))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"ready http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
