"""MinIO, built from source with `go install` (upstream publishes source only now).

AGPL-3.0: the harness only starts it as a separate process; nothing links or ships it.
The root user comes from MINIO_ROOT_USER/PASSWORD; the alt user is added through the
admin API (the `minio` Python client's MinioAdmin) with the built-in readwrite policy.
A static KMS key (MINIO_KMS_SECRET_KEY, name `gauntlet-key`) gives SSE-S3 and SSE-KMS.
"""

from __future__ import annotations

import base64
import hashlib
import re

import urllib3

from gauntlet.errors import BinaryMissing, LaunchFailed
from gauntlet.fleet.launch.base import LOOPBACK, VIRTUAL_HOST_DOMAIN, ServerLauncher, free_port
from gauntlet.fleet.launch.installs import MINIO
from gauntlet.s3.credentials import Credentials

#: The static KMS key's name; targets.yaml's minio entry names it as kms_key_id.
KMS_KEY_NAME = "gauntlet-key"


class MinIOLauncher(ServerLauncher):
    server = "minio"
    binary = "minio"
    install_hint = MINIO.hint
    binary_dirs = (MINIO.bin_dir,)
    default_credentials = Credentials("gauntlet-main", "gauntlet-main-secret-0001")
    default_alt_credentials = Credentials("gauntlet-alt", "gauntlet-alt-secret-0002")
    supports_alt_user = True

    def _kms_secret(self) -> str:
        # A fresh data dir each run, so any key works; derive it so the run stays reproducible.
        key = hashlib.sha256(f"s3gauntlet-kms-{self.data_dir}".encode()).digest()
        return f"{KMS_KEY_NAME}:{base64.b64encode(key).decode()}"

    def start_processes(self, port: int) -> None:
        minio = self.find_binary()
        env = {
            "MINIO_ROOT_USER": self.credentials.access_key,
            "MINIO_ROOT_PASSWORD": self.credentials.secret_key,
            "MINIO_KMS_SECRET_KEY": self._kms_secret(),
            "MINIO_REGION": self.region,
            "MINIO_UPDATE": "off",
            "MINIO_BROWSER": "off",
            "MINIO_CI_CD": "1",
            # virtual-host style: `bucket.localhost` is the bucket; any other Host (127.0.0.1) is path style
            "MINIO_DOMAIN": VIRTUAL_HOST_DOMAIN,
        }
        argv = [minio, "server", str(self.data_dir / "data"), "--address", f"{LOOPBACK}:{port}",
                "--console-address", f"{LOOPBACK}:{free_port()}", "--quiet"]
        if self.config.tls:
            cert, key = self.make_tls_files()
            certs = self.data_dir / "certs"
            certs.mkdir()
            (certs / "public.crt").write_bytes(cert.read_bytes())
            (certs / "private.key").write_bytes(key.read_bytes())
            argv += ["--certs-dir", str(certs)]
        self._port = port
        self.spawn(argv, "minio", env=env)

    def after_ready(self) -> None:
        if not self.alt_credentials:
            return
        try:
            from minio import MinioAdmin
            from minio.credentials import StaticProvider
        except ImportError:
            raise BinaryMissing(
                f"target '{self.name}': the minio launcher creates its second user with the MinIO Python "
                f"client; install it with: pip install 'minio>=7.2'"
            ) from None
        admin = MinioAdmin(
            endpoint=f"{LOOPBACK}:{self._port}",
            credentials=StaticProvider(self.credentials.access_key, self.credentials.secret_key),
            region=self.region, secure=self.scheme == "https",
            http_client=urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=self.ca_bundle) if self.ca_bundle
            else None,
        )
        alt = self.alt_credentials
        try:
            admin.user_add(alt.access_key, alt.secret_key)
            admin.attach_policy(["readwrite"], user=alt.access_key)
        except Exception as exc:  # the admin client raises several unrelated types
            raise LaunchFailed(f"target '{self.name}': cannot create the alt user on MinIO: "
                               f"{type(exc).__name__}: {exc}") from None

    def read_version(self) -> str:
        pinned = MINIO.version_of(self.find_binary())
        if pinned:
            return pinned
        out = self.run_tool([self.find_binary(), "--version"], "version")
        match = re.search(r"version\s+(\S+)", out)
        return match.group(1) if match else out.strip().splitlines()[0] if out.strip() else "unknown"
