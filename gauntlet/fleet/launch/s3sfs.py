"""s3s-fs, the reference file-system server of the s3s crate (the S3 protocol layer RustFS is
built on), from the Rust crate registry. It is not RustFS: it shows what the shared protocol
layer does, not what RustFS's storage does.

One user only (`--access-key/--secret-key`, s3s's SimpleAuth), plain HTTP only.
"""

from __future__ import annotations

from gauntlet.errors import LaunchFailed
from gauntlet.fleet.launch.base import LOOPBACK, VIRTUAL_HOST_DOMAIN, ServerLauncher
from gauntlet.fleet.launch.installs import S3S_FS
from gauntlet.s3.credentials import Credentials


class S3sFsLauncher(ServerLauncher):
    server = "s3s-fs"
    binary = "s3s-fs"
    install_hint = S3S_FS.hint
    binary_dirs = (S3S_FS.bin_dir,)
    default_credentials = Credentials("gauntlet-main", "gauntlet-main-secret-0001")

    def start_processes(self, port: int) -> None:
        if self.config.tls:
            raise LaunchFailed(f"target '{self.name}': s3s-fs serves plain HTTP only; drop `tls` from its launch")
        s3sfs = self.find_binary()
        root = self.data_dir / "data"
        root.mkdir()
        argv = [s3sfs, "--host", LOOPBACK, "--port", str(port),
                "--access-key", self.credentials.access_key, "--secret-key", self.credentials.secret_key,
                # virtual-host style: s3s compares the whole Host header, port included, with the domain
                "--domain", f"{VIRTUAL_HOST_DOMAIN}:{port}", str(root)]
        # RUST_LOG keeps the log to warnings: at info it logs every request.
        self.spawn(argv, "s3s-fs", env={"RUST_LOG": "s3s_fs=warn,s3s=warn"})

    def read_version(self) -> str:
        out = self.run_tool([self.find_binary(), "--version"], "version").strip()
        return out.split()[-1] if out else "unknown"
