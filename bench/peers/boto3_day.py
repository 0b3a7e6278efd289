#!/usr/bin/env python3
"""The script a user would write instead of s3unload: stream Domo's CSV export of a dataset,
keep the rows of one day (the same filter as s3unload's: the date column's day in UTC), gzip
them and upload the stream with boto3's transfer manager (upload_fileobj). Memory stays
bounded: the export is read, filtered and compressed in a thread that writes into a pipe the
transfer manager reads from.

usage: boto3_day.py --domo URL --client-id ID --dataset GUID --day YYYY-MM-DD --date-column C
                    --bucket B --key K --endpoint-url URL [--level 6]
The client secret is read from DOMO_CLIENT_SECRET; AWS credentials from the environment.
Prints one JSON line: {"rows": N, "raw_bytes": N}.
"""
import argparse
import base64
import csv
import gzip
import io
import json
import os
import threading
import urllib.request

import boto3


class Counter(io.RawIOBase):
    """A write-only file that counts what passes through to `out`."""

    def __init__(self, out):
        self.out, self.count = out, 0

    def writable(self):
        return True

    def write(self, b):
        self.count += len(b)
        return self.out.write(b)


def token(domo, client_id, secret):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    req = urllib.request.Request(f"{domo}/oauth/token?grant_type=client_credentials&scope=data",
                                 headers={"Authorization": "Basic " + basic})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["access_token"]


def main():
    ap = argparse.ArgumentParser()
    for name in ("--domo", "--client-id", "--dataset", "--day", "--date-column", "--bucket",
                 "--key", "--endpoint-url"):
        ap.add_argument(name, required=True)
    ap.add_argument("--level", type=int, default=6)
    a = ap.parse_args()
    access = token(a.domo, a.client_id, os.environ["DOMO_CLIENT_SECRET"])
    export = urllib.request.urlopen(urllib.request.Request(
        f"{a.domo}/v1/datasets/{a.dataset}/data?includeHeader=true",
        headers={"Authorization": "bearer " + access}))
    rfd, wfd = os.pipe()
    stats = {}
    failure = []

    def produce():
        try:
            with os.fdopen(wfd, "wb") as pipe:
                counted = Counter(pipe)
                with gzip.GzipFile(fileobj=counted, mode="wb", compresslevel=a.level) as gz:
                    text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
                    reader = csv.reader(io.TextIOWrapper(export, encoding="utf-8", newline=""))
                    writer = csv.writer(text, lineterminator="\n")
                    header = next(reader)
                    column = header.index(a.date_column)
                    writer.writerow(header)
                    rows = 0
                    for row in reader:
                        if row[column][:10] == a.day:
                            writer.writerow(row)
                            rows += 1
                    text.flush()
                    text.detach()
                stats.update(rows=rows, stored_bytes=counted.count)
        except Exception as e:  # reported by the main thread
            failure.append(e)

    worker = threading.Thread(target=produce)
    worker.start()
    s3 = boto3.client("s3", endpoint_url=a.endpoint_url)
    with os.fdopen(rfd, "rb") as source:
        s3.upload_fileobj(source, a.bucket, a.key)
    worker.join()
    if failure:
        raise failure[0]
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
