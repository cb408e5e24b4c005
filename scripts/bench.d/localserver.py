#!/usr/bin/env python3
"""A minimal local HTTP server for the probe-overhead measurement.

    localserver.py  -> stdout: READY http://127.0.0.1:<port>

`cdkx probe URL` against it is compared with a plain `curl URL`: the difference is what
cdkx adds (process start, credentials, SigV4 signing, two concurrent requests and the
caller-identity lookup), not the server's time. So the server does as little as it can:
any GET/POST/... answers 200 `{"ok":true}`, except an STS GetCallerIdentity (cdkx asks
who signed, at the same endpoint when AWS_ENDPOINT_URL points here), which gets STS's
XML answer. Threaded, HTTP/1.1 keep-alive, loopback only; exits on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b'{"ok":true}'
STS = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn>
<UserId>AIDABENCH</UserId><Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if b"Action=GetCallerIdentity" in body:
            payload, ctype = STS, "text/xml"
        else:
            payload, ctype = BODY, "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", "bench-0000")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

    def log_message(self, *args) -> None:  # quiet
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
