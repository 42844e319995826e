#!/usr/bin/env python3
"""A local SMTP server (aiosmtpd) for Liaison's tests: prints its port, stores what it accepts.

Options: --tls-cert/--tls-key offer (and require) STARTTLS; --auth user:password requires AUTH; --pipelining
advertises PIPELINING (RFC 2920; aiosmtpd reads commands in order however they arrive); --per-session N answers
421 and closes the connection at the MAIL after N accepted messages, as relays that limit sessions do;
--max-sessions N greets connections beyond N open ones with 421 and closes them (the log's "refused" lines count them).
--wire FILE appends every byte a client sends before any TLS (on a session without STARTTLS: all of it), to show
what crossed the network in clear. --auth without --tls-cert offers AUTH on plain TCP, as a careless relay does.
Recipients decide the reply: an address starting with `reject` gets 550 at RCPT; `tempfail` gets 451 the first
time and 250 after; `throttle` gets 452 4.5.3 the first time. Accepted messages are written to --maildir
(tmp/new/cur) as files, and one JSON line per message goes to --log (envelope, the message's Message-ID, and whether
its RCPT had arrived before MAIL was answered: "pipelined").
"""
import argparse
import asyncio
import json
import mailbox
import os
import signal

import ssl

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, maildir, log, delay=0.0, pipelining=False, per_session=0):
        self.delay = delay
        self.pipelining = pipelining
        self.per_session = per_session
        self.maildir = maildir
        self.log = log
        self.seen = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        accepted = getattr(session, "liaison_accepted", 0)
        if self.per_session and accepted >= self.per_session:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
            return "421 4.7.0 Too many messages in this session, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        # Pipelined (RFC 2920): the client sent RCPT without waiting for this reply, so it is already buffered.
        envelope.liaison_pipelined = b"RCPT" in bytes(server._reader._buffer)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        count = self.seen.get(address, 0) + 1
        self.seen[address] = count
        local = address.split("@")[0]
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("tempfail") and count == 1:
            return "451 4.7.1 <%s>: Try again later" % address
        if local.startswith("throttle") and count == 1:
            return "452 4.5.3 Too many recipients, slow down"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow relay: each message takes this long to accept
        data = envelope.original_content or envelope.content
        session.liaison_accepted = getattr(session, "liaison_accepted", 0) + 1
        if self.maildir:
            box = mailbox.Maildir(self.maildir, create=True)
            box.add(data)
        if self.log:
            message_id = ""
            for line in data.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    message_id = line.split(b":", 1)[1].strip().decode()
                    break
                if not line:
                    break
            with open(self.log, "a", encoding="utf-8") as log:
                log.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "message_id": message_id,
                                      "size": len(data),
                                      "pipelined": getattr(envelope, "liaison_pipelined", False)}) + "\n")
        return "250 2.0.0 Message accepted for delivery"


class LimitedSMTP(SMTP):
    """Refuses connections beyond `limit` open ones with 421 at the greeting, as busy relays do."""
    limit = 0
    active = 0
    refused_log = None
    wire_log = None

    def connection_made(self, transport):
        if LimitedSMTP.limit and LimitedSMTP.active >= LimitedSMTP.limit:
            transport.write(b"421 4.7.0 Too many concurrent connections\r\n")
            transport.close()
            self.liaison_refused = True
            if LimitedSMTP.refused_log:
                with open(LimitedSMTP.refused_log, "a", encoding="utf-8") as log:
                    log.write(json.dumps({"refused": True}) + "\n")
            return
        self.liaison_refused = False
        LimitedSMTP.active += 1
        super().connection_made(transport)

    def data_received(self, data):
        # Before STARTTLS this is what the socket carried; after it, asyncio's TLS layer no longer calls this.
        if LimitedSMTP.wire_log and getattr(self, "_original_transport", None) is None:
            with open(LimitedSMTP.wire_log, "ab") as wire:
                wire.write(data)
        super().data_received(data)

    def connection_lost(self, error):
        if getattr(self, "liaison_refused", False):
            return
        LimitedSMTP.active -= 1
        super().connection_lost(error)


async def serve(args):
    if args.maildir:
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(args.maildir, sub), exist_ok=True)
    handler = Handler(args.maildir, args.log, args.delay, args.pipelining, args.per_session)
    options = {"hostname": "liaison-test", "decode_data": False}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = data is not None and data.login == user.encode() and data.password == password.encode()
            return AuthResult(success=ok, handled=False)

        options.update(authenticator=check, auth_required=True, auth_require_tls=bool(args.tls_cert))
    loop = asyncio.get_running_loop()
    LimitedSMTP.limit = args.max_sessions
    LimitedSMTP.refused_log = args.refused_log
    LimitedSMTP.wire_log = args.wire
    server = await loop.create_server(lambda: LimitedSMTP(handler, **options), "127.0.0.1", args.port, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="listen on this port (default: any free one)")
    parser.add_argument("--maildir")
    parser.add_argument("--log")
    parser.add_argument("--tls-cert", help="offer STARTTLS with this certificate (and require it)")
    parser.add_argument("--tls-key")
    parser.add_argument("--auth", help="require AUTH with user:password")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before accepting each message")
    parser.add_argument("--pipelining", action="store_true", help="advertise PIPELINING")
    parser.add_argument("--per-session", type=int, default=0, help="messages per session before 421")
    parser.add_argument("--max-sessions", type=int, default=0, help="open sessions beyond which connections get 421")
    parser.add_argument("--refused-log", help="a JSON line per connection refused by --max-sessions")
    parser.add_argument("--wire", help="append the bytes clients send in clear to this file")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    # A child of a Swift process may inherit a signal mask that blocks SIGTERM; stopping by PID needs it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
