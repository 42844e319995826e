#!/usr/bin/env python3
"""A local HTTP receiver for Liaison's tests: prints its port, then answers by path.

/ok -> 204; /status/N -> N; /retry-after/S -> 429 with Retry-After: S (/retry-after/S/N: status N); /hang/S -> sleeps S seconds, then 204;
/flaky/N -> 500 for the first N requests to that path, then 200; anything else -> 404.
Every request is appended as one JSON line to the file named by --log (method, path, headers, body).
--tls-cert/--tls-key: HTTPS with that certificate (a client that does not trust it never gets to send a request).
"""
import argparse
import json
import signal
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
            seen = counts[self.path]
            if self.server.log:
                with open(self.server.log, "a", encoding="utf-8") as log:
                    log.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                          "body": body.decode("utf-8", "replace")}) + "\n")
        parts = self.path.strip("/").split("/")
        status, headers = 404, {}
        if parts[0] == "ok":
            status = 204
        elif parts[0] == "status" and len(parts) > 1:
            status = int(parts[1])
        elif parts[0] == "retry-after" and len(parts) > 2:
            status, headers = int(parts[2]), {"Retry-After": parts[1]}
        elif parts[0] == "retry-after" and len(parts) > 1:
            status, headers = 429, {"Retry-After": parts[1]}
        elif parts[0] == "hang" and len(parts) > 1:
            time.sleep(float(parts[1]))
            status = 204
        elif parts[0] == "flaky" and len(parts) > 1:
            status = 500 if seen <= int(parts[1]) else 200
        elif parts[0] == "echo":
            status = 200
        reply = json.dumps({"path": self.path, "seen": seen, "body": body.decode("utf-8", "replace")}).encode() if status not in (204, 304) else b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        if reply:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = _answer


class Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    server.log = args.log
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in accept(): a client refusing the certificate is dropped there (an OSError the server ignores).
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    # A child of a Swift process may inherit a signal mask that blocks SIGTERM; stopping by PID needs it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
