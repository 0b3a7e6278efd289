#!/usr/bin/python3
"""Test stand-ins for the receivers of the service's notifications: a real SMTP server
(Debian's python3-aiosmtpd) and a minimal webhook receiver (http.server), on free 127.0.0.1
ports. Every message and webhook body received is saved to OUT_DIR as <n>.eml / <n>.json
(n counts from 1 per kind), written under a temporary name and renamed, so a reader never
sees half a file. A message is also saved as Python's email package reads it (an independent
MIME decoder: RFC 2047 words, quoted-printable), as <n>.txt: "Subject: <decoded>", a blank
line, the decoded text (lines ending in "\n"); it is written before the .eml, so a reader
that sees <n>.eml finds it. Prints "smtp=PORT http=PORT" once both listen, then serves until
killed.

--fail-first N: the webhook answers the first N requests 503 (to exercise retries).
RCPT to an address starting "nobody@" is refused with 550 (a permanent SMTP refusal).
"""
import argparse
import email
import email.policy
import http.server
import os
import socket
import threading

from aiosmtpd.controller import Controller


def save(out_dir, kind, counter, data, decoded=None):
    with counter["lock"]:
        counter[kind] = counter.get(kind, 0) + 1
        n = counter[kind]
    files = ([("txt", decoded)] if decoded is not None else []) + [(kind, data)]
    for extension, content in files:
        path = os.path.join(out_dir, f"{n}.{extension}")
        with open(path + ".tmp", "wb") as f:
            f.write(content)
        os.rename(path + ".tmp", path)


class SaveMail:
    def __init__(self, out_dir, counter):
        self.out_dir, self.counter = out_dir, counter

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        header = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        # The decoded text keeps the message's CRLF line ends; "\n" as the sender wrote them.
        text = message.get_content().replace("\r\n", "\n")
        decoded = f"Subject: {message['subject']}\n\n{text}"
        save(self.out_dir, "eml", self.counter, header.encode() + envelope.original_content,
             decoded.encode())
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    counter = {"lock": threading.Lock()}
    failures = {"left": args.fail_first}

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with counter["lock"]:
                fail = failures["left"] > 0
                failures["left"] -= 1 if fail else 0
            if fail:
                self.send_response(503)
            else:
                save(args.out_dir, "json", counter, body)
                self.send_response(204)
            self.end_headers()

        def log_message(self, *unused):
            pass

    hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    # Port 0 would make aiosmtpd's readiness check connect to port 0; take a free one first.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    smtp_port = probe.getsockname()[1]
    probe.close()
    mail = Controller(SaveMail(args.out_dir, counter), hostname="127.0.0.1", port=smtp_port)
    mail.start()
    print(f"smtp={smtp_port} http={hooks.server_address[1]}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
