"""Keep the local stack's object store across restarts (moto keeps its objects in memory only).

    python scripts/stack_objects.py save ENDPOINT BUCKET DIR   # every object → DIR/<key> (DIR replaced)
    python scripts/stack_objects.py load ENDPOINT BUCKET DIR   # create BUCKET if needed, DIR/<key> → objects

`make stack-stop` saves before it stops the object store and `make stack` loads after it starts it, so the
stack's PostgreSQL rows and its files stay together. Credentials come from the AWS_* variables. Files are
copied in chunks (boto3's managed transfer), whatever their size.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import boto3


def _client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint)


def save(endpoint: str, bucket: str, folder: Path) -> int:
    client = _client(endpoint)
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    n = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            target = tmp / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(target))
            n += 1
    shutil.rmtree(folder, ignore_errors=True)  # replaced only once the copy is complete
    tmp.rename(folder)
    return n


def load(endpoint: str, bucket: str, folder: Path) -> int:
    client = _client(endpoint)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
    n = 0
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            client.upload_file(str(path), bucket, path.relative_to(folder).as_posix())
            n += 1
    return n


def main(argv: list[str]) -> None:
    if len(argv) != 4 or argv[0] not in ("save", "load"):
        sys.exit(__doc__)
    action, endpoint, bucket, folder = argv
    n = (save if action == "save" else load)(endpoint, bucket, Path(folder))
    print(f"[stack] {action}: {n} objects ({bucket} {'→' if action == 'save' else '←'} {folder})", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
