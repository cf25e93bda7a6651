#!/usr/bin/env python3
"""The API behind the gateway in this example: not Node.js, nothing but Python 3's standard library.

It knows nothing of MFA. It trusts the identity headers the gateway (or the proxy asking the
gateway) puts on every request it lets through: X-MFA-User, X-MFA-AMR, X-MFA-Auth-Time. So it must
be reachable only through them: it listens on 127.0.0.1.

    python3 examples/gateway/upstream.py          # 127.0.0.1:9000; PORT=9001 to move it
"""
import json
import os
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Api(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def greeting(self):
        user = self.headers.get("X-MFA-User") or "anonymous"
        amr = self.headers.get("X-MFA-AMR") or "nothing"
        auth_time = self.headers.get("X-MFA-Auth-Time")
        when = datetime.fromtimestamp(int(auth_time), timezone.utc).isoformat() if auth_time else "no time"
        return {"message": f"hello {user}, you proved {amr} at {when}", "user": user, "amr": amr, "auth_time": auth_time}

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self.answer(200, {"status": "ok"})
        elif path.startswith("/public/"):
            self.answer(200, {"file": path, **self.greeting()})
        elif path == "/api/orders":
            self.answer(200, {"orders": [{"id": 7, "total": 42}], **self.greeting()})
        elif path.startswith("/api/catalog/"):
            self.answer(200, {"catalog": path[len("/api/catalog/"):], **self.greeting()})
        else:
            self.answer(404, {"error": "not found", "path": path})

    do_HEAD = do_GET

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        if path == "/api/transfers":
            self.answer(201, {"transfer": json.loads(body or b"{}"), **self.greeting()})
        elif path == "/api/payees":
            self.answer(201, {"payee": json.loads(body or b"{}"), **self.greeting()})
        else:
            self.answer(404, {"error": "not found", "path": self.path})


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "9000"))
    print(f"upstream API on http://127.0.0.1:{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Api).serve_forever()
