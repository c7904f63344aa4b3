from __future__ import annotations

import os
import subprocess
import sys

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "cunwu.settings.prod",
    "SECRET_KEY": "k" * 20 + "Zq8!xW2@pL5#vN7$rT1%yU4^aB6&cD9*eF3",
    "CUNWU_FIELD_KEY": "f" * 40,
    "DATABASE_URL": "postgres://cunwu@127.0.0.1:5432/cunwu",
    "ALLOWED_HOSTS": "cunwu.example.cn",
}


def _cunwu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-m", "cunwu", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    result = _cunwu("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_secrets() -> None:
    result = _cunwu("check", env={**PROD_ENV, "CUNWU_FIELD_KEY": ""})
    assert result.returncode != 0
    assert "CUNWU_FIELD_KEY" in result.stderr
