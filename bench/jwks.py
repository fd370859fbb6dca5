"""A stand-in for the city's identity provider: an RSA key, its JWKS over HTTP, and staff tokens signed by it.

Production refuses dev (HS256) tokens, so the benchmark signs its staff tokens the way the real identity
provider does and lets the service fetch the public key over HTTP (GENK3600_JWKS_URL).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "genk3600-bench-idp"
AUDIENCE = "genk3600"
KEY_ID = "bench-1"


class IdentityProvider:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self._jwks = json.dumps({"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}).encode()
        jwks = self._jwks

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(jwks)))
                self.end_headers()
                self.wfile.write(jwks)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def jwks_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/jwks.json"

    def token(self, email: str, hours: float = 4.0) -> str:
        now = datetime.now(UTC)
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": email, "email": email, "email_verified": True, "iat": now}
        claims["exp"] = now + timedelta(hours=hours)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
