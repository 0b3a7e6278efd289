#!/usr/bin/python3
"""aws-c-s3, the AWS Common Runtime's S3 client, through Debian's awscrt bindings
(python3-awscrt), as a user would call it: one S3Client PUT_OBJECT of a file
(send_filepath), which aws-c-s3 splits into parts and uploads over its own connection pool.
Default part size and throughput target unless --part-size is given (aws-c-s3 has no
concurrency knob: it sizes its connection pool from the throughput target).

usage: awscrt_upload.py FILE BUCKET KEY --endpoint-url http://HOST[:80] [--part-size BYTES]
Credentials come from the environment (AWS_ACCESS_KEY_ID, ...), as for any CRT use. Files
only: aws-c-s3 0.16 needs the Content-Length of what it uploads.
Debian's awscrt 0.16 connects to port 80 (443 with TLS) whatever the Host header says, so
the endpoint must listen on port 80 (bench/run gives radosgw a second endpoint there).
"""
import argparse
import os
import sys
import urllib.parse

from awscrt.auth import AwsCredentialsProvider
from awscrt.http import HttpHeaders, HttpRequest
from awscrt.io import ClientBootstrap, DefaultHostResolver, EventLoopGroup
from awscrt.s3 import S3Client, S3RequestTlsMode, S3RequestType


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("bucket")
    ap.add_argument("key")
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--part-size", type=int)
    a = ap.parse_args()
    url = urllib.parse.urlsplit(a.endpoint_url)
    if url.scheme != "http" or (url.port or 80) != 80:
        sys.exit(f"awscrt_upload: {a.endpoint_url}: awscrt 0.16 connects to port 80 whatever "
                 "the URL says; give an http endpoint on port 80")
    event_loops = EventLoopGroup()
    bootstrap = ClientBootstrap(event_loops, DefaultHostResolver(event_loops))
    client = S3Client(bootstrap=bootstrap, region=os.environ.get("AWS_REGION", "us-east-1"),
                      tls_mode=S3RequestTlsMode.DISABLED,
                      credential_provider=AwsCredentialsProvider.new_environment(),
                      part_size=a.part_size)
    path = "/" + urllib.parse.quote(f"{a.bucket}/{a.key}")
    headers = HttpHeaders([("Host", url.hostname),
                           ("Content-Length", str(os.path.getsize(a.source)))])
    failure = {}

    def on_done(error=None, error_body=None, **_):
        if error:
            failure["error"] = f"{error} {error_body.decode(errors='replace') if error_body else ''}"

    request = client.make_request(request=HttpRequest("PUT", path, headers),
                                  type=S3RequestType.PUT_OBJECT, send_filepath=a.source,
                                  on_done=on_done)
    request.finished_future.result()
    if failure:
        sys.exit(f"awscrt_upload: PUT s3://{a.bucket}/{a.key} failed: {failure['error']}")


if __name__ == "__main__":
    main()
