#!/usr/bin/env python3
"""boto3's transfer manager as a user would call it: upload_file for a file, upload_fileobj
for standard input ('-'). Default TransferConfig unless --part-size / --concurrency are given
(then multipart_chunksize and max_concurrency, the same knobs as s3unload's).

usage: boto3_upload.py SOURCE|- BUCKET KEY --endpoint-url URL [--part-size BYTES] [--concurrency N]
Credentials and region come from the environment (AWS_ACCESS_KEY_ID, ...), as for any boto3 use.
"""
import argparse
import sys

import boto3
from boto3.s3.transfer import TransferConfig


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("bucket")
    ap.add_argument("key")
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--part-size", type=int)
    ap.add_argument("--concurrency", type=int)
    a = ap.parse_args()
    settings = {}
    if a.part_size:
        settings["multipart_chunksize"] = a.part_size
    if a.concurrency:
        settings["max_concurrency"] = a.concurrency
    config = TransferConfig(**settings)
    s3 = boto3.client("s3", endpoint_url=a.endpoint_url)
    if a.source == "-":
        s3.upload_fileobj(sys.stdin.buffer, a.bucket, a.key, Config=config)
    else:
        s3.upload_file(a.source, a.bucket, a.key, Config=config)


if __name__ == "__main__":
    main()
