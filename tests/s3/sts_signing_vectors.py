#!/usr/bin/env python3
# Prints the expected values of tests/s3/sts_test.cc (StsRequestTest), computed by botocore
# (the aws cli's STS query serializer and SigV4Auth) at the fixed time 2013-05-24T00:00:00Z with
# AWS's example credentials: for each call, the URL, the form body and the Authorization header.
# s3unload also sends x-amz-content-sha256 (its signer always does); botocore signs it too when
# the request carries it, so it is added here before signing.
# usage: python3 tests/s3/sts_signing_vectors.py
import datetime
import hashlib
import unittest.mock

import botocore.auth
import botocore.serialize
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "session/token+with=chars"
MODEL = botocore.session.get_session().get_service_model("sts")
NOW = datetime.datetime(2013, 5, 24, 0, 0, 0)
SERIALIZER = botocore.serialize.create_serializer("query", include_validation=False)
CALLS = [
    ("AssumeRole", "https://sts.eu-west-1.amazonaws.com", "eu-west-1", Credentials(KEY, SECRET),
     {"RoleArn": "arn:aws:iam::123456789012:role/path/to/s3unload-writer",
      "RoleSessionName": "s3unload@host.example", "DurationSeconds": 3600,
      "ExternalId": "ext:id/with=chars"}),
    ("GetCallerIdentity", "http://127.0.0.1:9000", "us-east-1",
     Credentials(KEY, SECRET, TOKEN), {}),
    ("AssumeRoleWithWebIdentity", "https://sts.us-east-1.amazonaws.com", "us-east-1", None,
     {"RoleArn": "arn:aws:iam::123456789012:role/web", "RoleSessionName": "pod-1",
      "WebIdentityToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "DurationSeconds": 900}),
]

for name, endpoint, region, creds, params in CALLS:
    serialized = SERIALIZER.serialize_to_request(params, MODEL.operation_model(name))
    request = AWSRequest(method="POST", url=endpoint + "/", data=serialized["body"],
                         headers=serialized["headers"])
    body = request.prepare().body
    authorization = "(unsigned)"
    if creds is not None:
        request.data = body
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body.encode()).hexdigest()
        with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
            botocore.auth.SigV4Auth(creds, "sts", region).add_auth(request)
        authorization = request.headers["Authorization"]
    print(name)
    print("  url:", endpoint + "/")
    print("  body:", body)
    print("  content-type:", serialized["headers"]["Content-Type"])
    print("  authorization:", authorization)
