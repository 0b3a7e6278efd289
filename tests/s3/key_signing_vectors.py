#!/usr/bin/env python3
# Prints the expected values of tests/s3/key_signing_test.cc, computed by botocore (the aws
# cli's own request serializer and S3 signer) for every hostile key and operation, path style
# and virtual-hosted, at the fixed time 2013-05-24T00:00:00Z with AWS's example credentials.
# usage: python3 tests/s3/key_signing_vectors.py > vectors.txt   (then paste into kVectors)
import datetime
import unittest.mock

import botocore.auth
import botocore.serialize
import botocore.session
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.credentials import Credentials

# Keep in step with kVectors (same order) and with the operations of kOperations.
KEYS = [
    "orders/../x/part.csv", "./part.csv", "a/./b/../c.csv", "..", "a//b//c.csv", "/lead.csv",
    "100%2F200.csv", "50%.csv", "q?a=1&b=2#frag.csv", "plus+and space .csv",
    "tilde~equals=amp&.csv", "caf\u00e9.csv", "cafe\u0301.csv",
    "\u65e5\u672c/\u30c7\u30fc\u30bf.csv", "emoji-\U0001F600.csv", "xml<>&'\".csv",
    "back\\slash.csv", "*:@!$(),;[]{}|^`.csv",
]
BUCKET = "hostile-keys"
BODY = b"hostile body\n"
UPLOAD_ID = "2~up/load+id="
OPERATIONS = [
    ("PutObject", {"Key": None, "Body": BODY}),
    ("CreateMultipartUpload", {"Key": None}),
    ("UploadPart", {"Key": None, "PartNumber": 1, "UploadId": UPLOAD_ID, "Body": BODY}),
    ("CompleteMultipartUpload", {"Key": None, "UploadId": UPLOAD_ID}),
    ("AbortMultipartUpload", {"Key": None, "UploadId": UPLOAD_ID}),
    ("HeadObject", {"Key": None}),
    ("DeleteObject", {"Key": None}),
    ("ListObjectsV2", {"Prefix": None}),
]
STYLES = [("path", "http://127.0.0.1:9000"),
          ("virtual", "https://%s.s3.us-east-1.amazonaws.com" % BUCKET)]
CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
MODEL = botocore.session.get_session().get_service_model("s3")
SERIALIZER = botocore.serialize.create_serializer("rest-xml", include_validation=False)
NOW = datetime.datetime(2013, 5, 24, 0, 0, 0)


def sign(operation, params, style, endpoint):
    r = SERIALIZER.serialize_to_request(dict(params, Bucket=BUCKET),
                                        MODEL.operation_model(operation))
    if operation == "CompleteMultipartUpload":
        r["body"] = b"<CompleteMultipartUpload/>"
    r["headers"] = {}  # only what SigV4 adds: Host, X-Amz-Date, X-Amz-Content-SHA256
    if style == "virtual":  # as botocore's endpoint rules do: the bucket moves into the host
        r["url_path"] = r["url_path"][len(BUCKET) + 1:]
        if not r["url_path"].startswith("/"):
            r["url_path"] = "/" + r["url_path"]
    prepare_request_dict(r, endpoint_url=endpoint)
    request = create_request_object(r)
    with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        botocore.auth.S3SigV4Auth(CREDENTIALS, "s3", "us-east-1").add_auth(request)
    return request.url, request.headers["Authorization"].split("Signature=")[1]


def cxx(text):
    out, escaped = "", False
    for b in text.encode():
        c = chr(b)
        if escaped and c in "0123456789abcdefABCDEF":
            out += '""'  # ends the hex escape before a hex digit
        escaped = False
        if c in '"\\':
            out += "\\" + c
        elif 0x20 <= b < 0x7F:
            out += c
        else:
            out += "\\x%02x" % b
            escaped = True
    return '"' + out + '"'


for key in KEYS:
    print("    {%s," % cxx(key))
    for style, endpoint in STYLES:
        urls, signatures = [], []
        for operation, params in OPERATIONS:
            url, signature = sign(operation, {k: key if v is None else v
                                              for k, v in params.items()}, style, endpoint)
            urls.append(url)
            signatures.append(signature)
        print("     {%s," % cxx(urls[0]))
        print("     {" + ",\n      ".join('"%s"' % s for s in signatures) + "}},")
    print("    },")
