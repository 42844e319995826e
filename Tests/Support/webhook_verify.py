#!/usr/bin/env python3
"""Checks the webhook requests http_receiver.py logged, with the independent `standardwebhooks` library.

usage: webhook_verify.py LOG SECRET [SECRET ...]

Every request in LOG (JSON lines: method, path, headers, body) must verify with EVERY secret given (so two secrets
check a rotation), and must be rejected once tampered with (body, webhook-id or webhook-timestamp changed).
Prints each verified payload, as json.loads parsed it, as one JSON line {"path", "id", "payload"} on stdout.
Exit status: 0 all verified; 1 a request did not verify (reason on stderr); 2 a tampered request was accepted;
3 the log is empty or missing.
"""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def tampered(request):
    headers = request["headers"]
    body = request["body"]
    yield "body", body + " ", headers
    yield "body", body.replace('"', "'", 1) if '"' in body else body + "x", headers
    yield "webhook-id", body, {**headers, **{key: value + "x" for key, value in headers.items() if key.lower() == "webhook-id"}}
    yield "webhook-timestamp", body, {
        **headers, **{key: str(int(value) - 1) for key, value in headers.items() if key.lower() == "webhook-timestamp"}}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    log, secrets = sys.argv[1], sys.argv[2:]
    try:
        with open(log, encoding="utf-8") as handle:
            requests = [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        requests = []
    if not requests:
        print(f"no requests logged in {log}", file=sys.stderr)
        return 3
    hooks = [Webhook(secret) for secret in secrets]
    failures = 0
    for request in requests:
        payload = None
        for number, hook in enumerate(hooks, 1):
            try:
                payload = hook.verify(request["body"], request["headers"])
            except WebhookVerificationError as error:
                print(f"{request['path']}: secret {number} did not verify: {error}", file=sys.stderr)
                failures += 1
                continue
            for what, body, headers in tampered(request):
                try:
                    hook.verify(body, headers)
                except WebhookVerificationError:
                    continue
                print(f"{request['path']}: secret {number} accepted a request with a changed {what}", file=sys.stderr)
                return 2
        if payload is not None:
            ids = [value for key, value in request["headers"].items() if key.lower() == "webhook-id"]
            print(json.dumps({"path": request["path"], "id": ids[0], "payload": payload}))
    if failures:
        return 1
    print(f"{len(requests)} request(s) verified with {len(hooks)} secret(s); tampered copies rejected", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
