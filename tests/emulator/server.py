#!/usr/bin/env python3
"""The project's local AWS: moto server, in-process, with the project's extensions.

    python server.py [--port N] [--host 127.0.0.1] [--exit-on-stdin-eof]

Port 0 (the default) picks a free port. When the server accepts connections it
prints exactly one line, ``READY http://127.0.0.1:<port>``, to stdout; everything
else goes to stderr. See README.md beside this file for the control endpoints.
Requests addressed to an execute-api URL (by Host header, or by the path
``/_execute-api/{api_id}/{stage}/...``) are answered by the API Gateway front
door (cdkx_apigw, called from cdkx_http's middleware) instead of moto.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _log(message: str) -> None:
    print(f"cdkx-emulator: {message}", file=sys.stderr, flush=True)


def build_app():
    """moto's WSGI app with the project's patches, wrapped in the project's middleware."""
    # Patch before the first request: moto creates its per-service Flask apps
    # lazily and resolves handler methods at dispatch time.
    import cdkx_athena
    import cdkx_cloudtrail
    import cdkx_furl
    import cdkx_http
    import cdkx_iam
    import cdkx_lake
    import cdkx_lambda
    import cdkx_logs
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    cdkx_lambda.install()
    cdkx_cloudtrail.install()
    cdkx_lake.install()
    cdkx_athena.install()
    cdkx_iam.install()
    cdkx_logs.install()
    cdkx_furl.install()
    # The API Gateway front door (cdkx_apigw) needs no patch: the middleware hands
    # it execute-api requests before moto dispatches.
    # The CloudFormation fixes (cdkx_cfn) import moto's whole model map (~0.7 s);
    # the middleware installs them just before the first CloudFormation request.
    return cdkx_http.CdkxMiddleware(DomainDispatcherApplication(create_backend_app))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (keep it on loopback)")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin reaches EOF, so a dying parent takes the server down")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    started = time.monotonic()
    # Dummy credentials for anything inside moto that builds a boto3 client.
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)

    from werkzeug.serving import make_server

    if not args.verbose:
        # werkzeug logs one line per request; the Rust tests make thousands.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = build_app()
    server = make_server(args.host, args.port, app, threaded=True)
    # Request threads must not keep the process alive (a "hang" fault sleeps in one).
    server.daemon_threads = True
    port = server.server_port
    # moto builds self-referencing URLs (e.g. presigned S3 URLs) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    stop = threading.Event()

    def on_signal(signum, _frame):
        _log(f"signal {signum}: stopping")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.exit_on_stdin_eof:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(65536):
                    pass
            except Exception:  # noqa: BLE001 - a closed or broken stdin means the same
                pass
            _log("stdin closed: stopping")
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()

    # A short poll interval lets shutdown() return quickly.
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                               name="serve", daemon=True)
    serving.start()
    host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    _log(f"listening on {host}:{port} (moto ready in {time.monotonic() - started:.2f}s)")
    print(f"READY http://{host}:{port}", flush=True)

    # Wait with a timeout so signal handlers run promptly in the main thread.
    while not stop.wait(0.1):
        if not serving.is_alive():
            _log("server thread died")
            return 1
    server.shutdown()
    server.server_close()
    return 0


def _exit_now(code: int) -> None:
    """Exit without the interpreter's slow teardown of moto's hundreds of modules.

    All state is in memory, so there is nothing to save; only the streams are flushed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
