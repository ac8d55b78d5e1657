"""ops.tariffs: an operator's check and quote of a tariff folder, read from disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.tariffs import main
from stream_io.tariff_folder import read_folder
from tests.unit.test_tariff_plans import FILES, PLANS


def _folder(root: Path, **changes: str) -> Path:
    for name, text in {"plans.yaml": PLANS.format(rounding="half_up"), **FILES, **changes}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_read_folder_takes_every_file_but_hidden_ones(tmp_path: Path) -> None:
    _folder(tmp_path)
    (tmp_path / ".plans.yaml.swp").write_text("editor's", encoding="utf-8")
    files = read_folder(tmp_path)
    assert sorted(files) == sorted(["plans.yaml", *FILES])
    assert files["assignments.csv"] == FILES["assignments.csv"]


def test_check_prints_what_the_folder_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(_folder(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "plan business from 2026-01-01 (Europe/London): deck business, GBP, tax 0, up to 2 places, " \
           "bands holiday, peak, off_peak" in out
    assert "deck basic from 2026-02-01: 1 prefixes" in out and "3 subscriber(s) assigned a plan" in out


def test_check_refuses_a_broken_folder_naming_file_and_line(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, **{"assignments.csv": "subscriber_id,plan,valid_from\nacme,gold,2026-01-01\n"})
    assert main(["check", str(folder)]) == 1
    assert capsys.readouterr().err.strip() == \
        "refused: assignments.csv, line 2: plan 'gold' is no plan of plans.yaml"


def test_quote_prices_a_call_crossing_bands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    assert main(["quote", str(folder), "--subscriber", "acme", "--number", "+447700900123",
                 "--at", "2026-03-04T18:58:00+00:00", "--talk", "300"]) == 0
    out = capsys.readouterr().out
    # 2 minutes of peak at 0.12 and 3 of off-peak at 0.03 (tests/unit/test_tariff_plans.py).
    assert "plan business (assigned, version 2026-01-01)" in out
    assert "300 s billed in peak then off_peak" in out and "amount 0.33 GBP, tax 0.00 GBP" in out
