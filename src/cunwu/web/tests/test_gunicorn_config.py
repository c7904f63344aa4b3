"""gunicorn's production settings (cunwu/gunicorn_config.py): what gunicorn reads from them, and
that the deployment guide and the portal benchmark both serve with them."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from gunicorn.config import Config

from cunwu import gunicorn_config

ROOT = Path(__file__).resolve().parents[4]


def loaded(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    """The settings as gunicorn takes them from ``-c python:cunwu.gunicorn_config``."""
    for name in ("WEB_CONCURRENCY", "CUNWU_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    module: ModuleType = importlib.reload(gunicorn_config)
    config = Config()
    for name in ("bind", "worker_class", "workers", "timeout"):
        config.set(name, getattr(module, name))
    return config


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    importlib.reload(gunicorn_config)


def test_sync_workers_two_per_core_on_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    config = loaded(monkeypatch)
    assert config.worker_class_str == "sync"
    assert config.workers == 2 * len(os.sched_getaffinity(0))
    assert config.bind == ["127.0.0.1:8000"]
    assert config.timeout == 60


def test_environment_sets_the_number_of_workers_and_the_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = loaded(monkeypatch, WEB_CONCURRENCY="3", CUNWU_BIND="unix:/run/cunwu.sock")
    assert config.workers == 3
    assert config.bind == ["unix:/run/cunwu.sock"]


def test_deploy_guide_and_portal_benchmark_serve_with_these_settings() -> None:
    flag = "-c python:cunwu.gunicorn_config"
    assert flag in (ROOT / "docs/deploy.md").read_text(encoding="utf-8")
    bench = (ROOT / "bench/public_portal.py").read_text(encoding="utf-8")
    assert '"-c", "python:cunwu.gunicorn_config"' in bench
    assert "default=gunicorn_config.workers" in bench
    assert "default=gunicorn_config.worker_class" in bench
