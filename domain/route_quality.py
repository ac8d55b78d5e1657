"""One minute (or hour) of one route's call quality (sql/views/quality/) as a Timestream record.

A route is a destination country, a trunk and a direction. The figures are computed in SQL —
counts, ratios and means; a ratio or mean over no leg is None and is left out of the record
(Timestream has no NULL), so a minute with no leg that rang carries no PDD at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

COUNTS = ("attempts", "answered", "effective", "rang", "with_mos")
MEASURES = ("asr", "ner", "acd_s", "aloc_s", "pdd_mean_ms", "pdd_p95_ms", "mos_mean", "mos_poor_share",
            "jitter_mean_ms", "packet_loss_mean_pct", "latency_mean_ms")


@dataclass(frozen=True)
class RouteMinute:
    """The figures of one route over one minute, or one hour with grain 'hour'. The names are
    those of the first version: the Timestream writer's state holds these pickled, and a restore
    must read them (a field added since has a default for the same reason)."""

    minute: datetime  # the start of the minute (or hour)
    destination_country: str
    trunk: str
    direction: str
    counts: tuple[int, ...]  # in COUNTS' order
    measures: tuple[float | None, ...]  # in MEASURES' order
    grain: str = "minute"

    def record(self, version: int) -> dict[str, Any]:
        """A Timestream MULTI-measure record; a higher `version` overwrites the same minute and route."""
        minute = self.minute if self.minute.tzinfo else self.minute.replace(tzinfo=UTC)
        return {
            "Dimensions": [{"Name": "destination_country", "Value": self.destination_country},
                           {"Name": "trunk", "Value": self.trunk}, {"Name": "direction", "Value": self.direction}],
            "MeasureName": f"route_{self.grain}",
            "MeasureValueType": "MULTI",
            "MeasureValues": [{"Name": name, "Value": str(value), "Type": "BIGINT"}
                              for name, value in zip(COUNTS, self.counts, strict=True)]
            + [{"Name": name, "Value": repr(float(value)), "Type": "DOUBLE"}
               for name, value in zip(MEASURES, self.measures, strict=True) if value is not None],
            "Time": str(int(minute.timestamp() * 1000)),
            "TimeUnit": "MILLISECONDS",
            "Version": version,
        }
