"""moto's standalone server (`moto_server`), plain or with SigV4 enforced.

Plain moto accepts any key and any signature. With `launch: {server: moto, auth: true}`
the launcher sets INITIAL_NO_AUTH_ACTION_COUNT so that only the first few requests
go unauthenticated: the readiness ListBuckets and the IAM calls that create a user,
an allow-all policy and its access key. From then on moto checks keys and
signatures, and the harness uses the key moto issued.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gauntlet.fleet.launch.base import LOOPBACK, ServerLauncher
from gauntlet.s3.credentials import Credentials

_ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
#: readiness ListBuckets + CreateUser + PutUserPolicy + CreateAccessKey
_NO_AUTH_ACTIONS = 4


class MotoLauncher(ServerLauncher):
    server = "moto"
    binary = "moto_server"
    install_hint = "pip install 'moto[server]'"
    default_credentials = Credentials("gauntlet-main", "gauntlet-main-secret-0001")

    def start_processes(self, port: int) -> None:
        moto = self.find_binary()
        env = {"MOTO_ALLOW_NONEXISTENT_REGION": "false"}
        if self.config.auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_NO_AUTH_ACTIONS)
        self._endpoint = f"http://{LOOPBACK}:{port}"
        self.spawn([moto, "-H", LOOPBACK, "-p", str(port)], "moto", env=env)

    def after_ready(self) -> None:
        if not self.config.auth:
            return
        from gauntlet import masking
        from gauntlet.s3.clients import make_client

        iam = make_client(self._endpoint, self.credentials, region=self.region, service="iam")
        iam.create_user(UserName="gauntlet-main")
        iam.put_user_policy(UserName="gauntlet-main", PolicyName="allow-all", PolicyDocument=_ALLOW_ALL)
        key = iam.create_access_key(UserName="gauntlet-main")["AccessKey"]
        self.credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        masking.register(self.credentials.secret_key, self.credentials.access_key)
        # From here on moto enforces SigV4: prove the issued key works.
        self.wait_ready(self._endpoint)

    def read_version(self) -> str:
        script = Path(self.find_binary())
        python = script.read_text(encoding="utf-8", errors="replace").splitlines()[0].removeprefix("#!").strip()
        try:
            out = subprocess.run(
                [python, "-c", "import importlib.metadata as m; print(m.version('moto'))"],
                capture_output=True, text=True, timeout=30, check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"
        return out or "unknown"
