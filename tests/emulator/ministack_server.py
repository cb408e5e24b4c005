"""Starts ministack (PyPI, MIT; pinned in requirements-ministack.txt) the way cdkx's tests and
demo need it, and prints `READY http://127.0.0.1:<port>` on stdout once it answers.

ministack is a second AWS emulator, written by others, beside the project's moto-based one
(server.py): it runs the Node.js Lambda handlers of a deployed CDK app with the machine's `node`
and, with AUTH=true, checks SigV4 and IAM policies on its execute-api data plane. This launcher
only configures it; nothing of ministack is patched.

- Loopback only (BIND_HOST=127.0.0.1, IOT_MTLS_ENABLED=0: its IoT mTLS listener would bind
  another port on every interface).
- AUTH=true: SigV4 and IAM policies are enforced, except for "root" keys (`test`, a 12-digit
  key, the server's own key), which ministack never checks.
- MINISTACK_HOST=<region>.amazonaws.com: execute-api is routed by the Host header
  `<api id>.execute-api.<MINISTACK_HOST>`, so the API's real AWS host name reaches it.
- NODE_OPTIONS=--require ministack_fetch_shim.js for the Lambda workers (they inherit this
  process's environment): their global fetch to *.amazonaws.com goes to this server with the
  original Host header, since no DNS resolves those names here.
- MINISTACK_ACCOUNT_ID=<account> (default 123456789012, the example apps' account): an unsigned
  execute-api request is looked up in this account only (an API of another account answers 404
  Not Found), so it must be the deployed API's.
- Its temporary files (each function's unpacked code) go to a private directory, removed on exit.
- The port is bound here (127.0.0.1, port 0 = a free one) before ministack starts and handed to
  its server (hypercorn) as a file descriptor, so two launchers never race for a port.

`ministack_server.py [--port N] [--region R] [--account A] [--exit-on-stdin-eof]`

--exit-on-stdin-eof: exit when stdin closes (a test harness keeps the write end; when the
harness dies the server and its Lambda workers go too). SIGTERM/SIGINT stop it, workers
included. Diagnostics (ministack's log) go to stderr.
"""

import argparse
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, "ministack_fetch_shim.js")
# ministack unpacks every function's code under the temporary directory: a private one, removed
# on exit, so that nothing of a run is left in /tmp.
SCRATCH = tempfile.mkdtemp(prefix="cdkx-ministack-")


_stopping = threading.Lock()
_stopper = None


def stop(*_):
    """Ends ministack's Lambda workers (our process group), removes the scratch directory and
    ends this process. Called from any thread or as the SIGTERM/SIGINT handler (main thread).
    The SIGTERM it sends its own group comes back to it as a second call: in the stopping
    thread it returns at once; in any other thread it waits for the stopping thread to end the
    process (returning would let the main thread finish and the interpreter exit mid-cleanup)."""
    global _stopper
    if not _stopping.acquire(blocking=False):
        if _stopper != threading.get_ident():
            while True:
                time.sleep(1)
        return
    _stopper = threading.get_ident()
    try:
        sys.stdout.flush()
    except Exception:
        pass
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(os.getpgrp(), signal.SIGTERM)
    except OSError:
        pass
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account", default="123456789012")
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args()

    # Own process group: stop() ends the Lambda workers ministack spawns, and only them.
    if os.getpgrp() != os.getpid():
        os.setpgrp()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(128)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"

    # ministack reads its settings from the environment when it is imported.
    os.environ.update({
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        "AUTH": "true",
        "MINISTACK_HOST": f"{args.region}.amazonaws.com",
        "MINISTACK_REGION": args.region,
        "MINISTACK_ACCOUNT_ID": args.account,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # Where the Lambda workers' fetch shim sends *.amazonaws.com requests.
        "CDKX_MINISTACK_ENDPOINT": url,
        "TMPDIR": SCRATCH,
    })
    tempfile.tempdir = SCRATCH
    node_options = os.environ.get("NODE_OPTIONS", "")
    os.environ["NODE_OPTIONS"] = f'{node_options} --require "{SHIM}"'.strip()

    if args.exit_on_stdin_eof:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(65536):
                    pass
            finally:
                stop()
        threading.Thread(target=watch_stdin, daemon=True).start()

    def announce():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/_ministack/health", timeout=2) as r:
                    if r.status == 200:
                        print(f"READY {url}", flush=True)
                        return
            except Exception:
                time.sleep(0.05)
        print("ministack_server: ministack did not answer its health check in 60 s", file=sys.stderr)
        stop()
    threading.Thread(target=announce, daemon=True).start()

    import asyncio

    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    from ministack.app import app

    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.keep_alive_timeout = 75
    config.loglevel = os.environ["LOG_LEVEL"]
    async def never():
        await asyncio.Event().wait()

    # With a shutdown trigger of its own, hypercorn leaves SIGTERM and SIGINT to stop() (without
    # one it takes them over, and the process would die of the SIGTERM stop() sends its group).
    try:
        asyncio.run(serve(app, config, shutdown_trigger=never))
    finally:
        stop()


if __name__ == "__main__":
    main()
