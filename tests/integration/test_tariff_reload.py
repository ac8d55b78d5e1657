"""A running streaming job takes a changed tariff folder without a restart, and refuses a broken
one (RateLeg.java): probes (one-minute calls of their own subscribers) show the price in force
as the job rates; parallelism 1, so one rating function holds it."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

from local.local_aws import LocalAws, Resources
from tests.integration.checkpointed_job import run_checkpointed
from tests.integration.tariff_probe import DECK, Prober, probe_folder

RELOAD_S = 1


def test_a_running_job_takes_a_changed_folder_and_refuses_a_broken_one(tmp_path: Path) -> None:
    folder = tmp_path / "tariffs"
    deck = probe_folder(folder, "0.10")
    with LocalAws.start(Resources(stream="cdr-reload", bucket="cdr-reload-archive")) as aws:
        groups = aws.application_properties(bounded=False)
        for group in groups:
            if group["PropertyGroupId"] == "CdrBilling":
                group["PropertyMap"] = {"tariffs": folder.as_uri(), "tariffs.reload.seconds": str(RELOAD_S)}
        properties = tmp_path / "live.json"
        properties.write_text(json.dumps(groups), encoding="utf-8")
        result = run_checkpointed(properties, tmp_path / "checkpoints", flink_settings={"parallelism.default": "1"})
        try:
            probe = Prober(aws)
            assert probe.price() == Decimal("0.10")
            # A price correction, taken once two reads in a row see it (the second probe at the latest).
            deck.write_text(DECK.format(rate="0.20"), encoding="utf-8")
            changed = probe.prices_until(Decimal("0.20"), RELOAD_S)
            assert changed[:-1] == [Decimal("0.10")] * (len(changed) - 1) and len(changed) <= 3, changed
            # A broken upload (a band no plan has) with another price: refused, read after read.
            deck.write_text(DECK.format(rate="0.30").replace(",*,", ",evening,"), encoding="utf-8")
            refused = []
            for _ in range(4):  # each probe a reload interval after the last: each reads the folder
                time.sleep(RELOAD_S + 0.2)
                refused.append(probe.price())
            assert refused == [Decimal("0.20")] * 4
            # The upload fixed: the new price is taken.
            deck.write_text(DECK.format(rate="0.30"), encoding="utf-8")
            fixed = probe.prices_until(Decimal("0.30"), RELOAD_S)
            assert len(fixed) <= 3, fixed
        finally:
            result.get_job_client().cancel().result()
