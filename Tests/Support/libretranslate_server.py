#!/usr/bin/env python3
"""A server speaking the LibreTranslate API on 127.0.0.1, translating with Apertium on this machine.

    libretranslate_server.py [--key-file FILE] [--log FILE] [--delay SECONDS]

Prints its port on the first line. `GET /languages` lists the pairs Apertium has installed (as LibreTranslate's
two-letter codes); `POST /translate` takes LibreTranslate's JSON or form body (q, source, target, format, api_key)
and answers {"translatedText": ...}; a pair it lacks is 400 "... is not supported", as LibreTranslate answers; with
--key-file, a missing or wrong api_key is 403. Every request is logged as a JSON line (path, body fields except q's
text, which is logged by length) so a test can see what the client sent. --delay holds every translation that long
(a hung service, for the client's time limit).
"""
import argparse
import json
import os
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

parser = argparse.ArgumentParser()
parser.add_argument("--key-file")
parser.add_argument("--log")
parser.add_argument("--delay", type=float, default=0)
args = parser.parse_args()

ALPHA3 = {"eng": "en", "spa": "es", "cat": "ca", "fra": "fr", "por": "pt", "ita": "it", "deu": "de", "eus": "eu", "glg": "gl"}
MODES = "/usr/share/apertium/modes"
pairs = {}
for name in sorted(os.listdir(MODES)) if os.path.isdir(MODES) else []:
    parts = name[:-5].split("-") if name.endswith(".mode") else []
    if len(parts) == 2 and parts[0] in ALPHA3 and parts[1] in ALPHA3:
        pairs[(ALPHA3[parts[0]], ALPHA3[parts[1]])] = name[:-5]
key = open(args.key_file, encoding="utf-8").read().strip() if args.key_file else None
lock = threading.Lock()


def log(entry):
    if args.log:
        with lock, open(args.log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/languages":
            return self.answer(404, {"error": "Not Found"})
        codes = sorted({source for source, _ in pairs} | {target for _, target in pairs})
        self.answer(200, [{"code": code, "name": code, "targets": sorted(t for s, t in pairs if s == code)} for code in codes])

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        if self.headers.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                return self.answer(400, {"error": "Invalid request: the body is not JSON"})
        else:
            body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        log({"path": self.path, "content_type": self.headers.get("Content-Type"),
             "fields": sorted(body), "source": body.get("source"), "target": body.get("target"),
             "format": body.get("format"), "api_key": body.get("api_key"), "q_length": len(body.get("q") or "")})
        if self.path != "/translate":
            return self.answer(404, {"error": "Not Found"})
        if key is not None and body.get("api_key") != key:
            return self.answer(403, {"error": "Invalid API key"})
        for field in ("q", "source", "target"):
            if not body.get(field):
                return self.answer(400, {"error": f"Invalid request: missing {field} parameter"})
        if args.delay:
            time.sleep(args.delay)
        mode = pairs.get((body["source"], body["target"]))
        if mode is None:
            return self.answer(400, {"error": f"{body['source']} to {body['target']} is not supported"})
        run = subprocess.run(["apertium", "-u", mode], input=body["q"], capture_output=True, text=True, timeout=30)
        if run.returncode != 0:
            return self.answer(500, {"error": "Cannot translate text: " + run.stderr[-200:]})
        self.answer(200, {"translatedText": run.stdout.strip()})


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()
