"""The real S3-compatible object store of the tests (moto's standalone server, scripts/s3_test_server.sh).

`make test` starts one server for both runs and sets ``TEST_S3_URL``; a test run without it starts its own
for the session (and stops it at the end). Every test gets a bucket of its own, removed afterwards, so
xdist workers and runs sharing one server never see each other's objects.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "s3_test_server.sh"
# moto accepts any credentials; the app reads them from the standard AWS_* variables
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "assess-test", "AWS_SECRET_ACCESS_KEY": "assess-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


def _exports(text: str) -> dict[str, str]:
    env = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return env


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The object store's URL: ``TEST_S3_URL``, or a server started for this session."""
    url = os.environ.get("TEST_S3_URL")
    if url:
        yield url
        return
    if not (ROOT / ".venv" / "bin" / "moto_server").exists() and shutil.which("moto_server") is None:
        pytest.skip("no object store: TEST_S3_URL is unset and moto_server (test extra: moto[server]) is missing")
    out = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=60, check=True)
    env = _exports(out.stdout)
    try:
        yield env["TEST_S3_URL"]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", env["S3_TEST_DIR"]], capture_output=True, timeout=60)


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


def new_bucket(client) -> str:
    name = f"assess-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:12]}".lower()
    client.create_bucket(Bucket=name)
    return name


def drop_bucket(client, name: str) -> None:
    """Every object, then the bucket (moto keeps objects in memory: large test files must go)."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=obj["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture()
def s3_bucket(s3_endpoint) -> Iterator[tuple[object, str]]:
    """(client, bucket): an empty bucket of this test's own."""
    client = s3_client(s3_endpoint)
    name = new_bucket(client)
    try:
        yield client, name
    finally:
        drop_bucket(client, name)
