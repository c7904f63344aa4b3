from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: renders a real PDF or image (seconds each); part of the normal suite"
    )
