#!/usr/bin/env python3
"""A local HTTP server for Liaison's calendar fetcher tests: prints its port, then serves one .ics file.

GET /etag.ics     -> the file with an ETag (its SHA-256); 304 when If-None-Match names it.
GET /modified.ics -> the file with Last-Modified (its mtime); 304 when If-Modified-Since is not older.
GET /html         -> 200 with an HTML page (not a calendar); anything else -> 404.
Every request is appended as one JSON line to --log (path and headers).
"""
import argparse
import email.utils
import hashlib
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with open(self.server.log, "a", encoding="utf-8") as log:
            log.write(json.dumps({"path": self.path, "headers": dict(self.headers.items())}) + "\n")
        with open(self.server.file, "rb") as handle:
            body = handle.read()
        if self.path == "/etag.ics":
            tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == tag:
                return self.send(304, headers={"ETag": tag})
            return self.send(200, body, {"ETag": tag, "Content-Type": "text/calendar; charset=utf-8"})
        if self.path == "/modified.ics":
            mtime = int(os.path.getmtime(self.server.file))
            since = self.headers.get("If-Modified-Since")
            if since and email.utils.parsedate_to_datetime(since).timestamp() >= mtime:
                return self.send(304)
            return self.send(200, body, {"Last-Modified": email.utils.formatdate(mtime, usegmt=True), "Content-Type": "text/calendar"})
        if self.path == "/html":
            return self.send(200, b"<html><body>Sign in</body></html>", {"Content-Type": "text/html"})
        return self.send(404)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.file, server.log = args.file, args.log
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
