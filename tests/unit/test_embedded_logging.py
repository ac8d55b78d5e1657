"""The embedded interpreter's root logger: PemJA's DEBUG raised to INFO, a stricter level kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from jobs.embedded_logging import drop_debug_records


@pytest.fixture
def root_level() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    before = root.level
    yield root
    root.setLevel(before)


def test_a_debug_root_logger_builds_no_debug_record(root_level: logging.Logger) -> None:
    root_level.setLevel(logging.DEBUG)  # as PemJA leaves it
    drop_debug_records()
    assert not logging.getLogger("botocore.auth").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("botocore.auth").isEnabledFor(logging.INFO)


def test_a_stricter_level_an_operator_chose_is_kept(root_level: logging.Logger) -> None:
    root_level.setLevel(logging.WARNING)
    drop_debug_records()
    assert root_level.level == logging.WARNING
