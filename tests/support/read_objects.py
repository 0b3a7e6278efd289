#!/usr/bin/env python3
"""Reads many objects back in one process with boto3 (botocore, the library the aws cli is
built on): the independent reader of the integration tests when they read many keys, where
one aws cli process per key costs about a second of Python start-up each.

usage: read_objects.py ENDPOINT BUCKET OUT_DIR < keys.json
  keys.json: a JSON array of keys, exactly as stored (UTF-8).
  Writes object i's body to OUT_DIR/i; no file when GetObject answers NoSuchKey.
  Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN).
  Exits non-zero on any other error.
"""
import json
import os
import sys

import boto3


def main():
    endpoint, bucket, out_dir = sys.argv[1:4]
    keys = json.loads(sys.stdin.buffer.read())
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    for i, key in enumerate(keys):
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            continue
        with open(os.path.join(out_dir, str(i)), "wb") as out:
            out.write(body)


if __name__ == "__main__":
    main()
