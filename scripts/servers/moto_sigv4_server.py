#!/usr/bin/env python3
"""moto's server with SigV4 checked against what the client really signed.

Stock moto rebuilds the canonical request from the *decoded* URL, so keys or query values
that need percent-encoding fail with SignatureDoesNotMatch, and botocore's verifier drops
headers such as user-agent from the signed set. This wrapper verifies against the raw request
line and the exact SignedHeaders. STS's AssumeRoleWithWebIdentity and AssumeRoleWithSAML are
served unsigned, as AWS serves them (the token is the credential; stock moto with IAM auth on
answers them 500 for lacking an Authorization header). Arguments are moto_server's (-H HOST -p PORT).
"""
import botocore.auth
import moto.core.authorization as authorization
from moto.server import main

_original = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action
_UNSIGNED_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}


def _authenticate_raw(self, iam_request_cls, resource="*"):
    if "Authorization" not in self.headers and self._get_action() in _UNSIGNED_ACTIONS:
        return None
    environ = getattr(getattr(self, "request", None), "environ", None) or {}
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return _original(self, iam_request_cls, resource)
    saved = self.uri
    self.uri = "http://raw" + raw  # only the path and query take part in the signature
    try:
        return _original(self, iam_request_cls, resource)
    finally:
        self.uri = saved


authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_raw
botocore.auth.SIGNED_HEADERS_BLACKLIST.clear()

if __name__ == "__main__":
    main()
