"""The tariff folder before it goes live: check it as the job will, and quote a call under it.

    python -m ops.tariffs check FOLDER
    python -m ops.tariffs quote FOLDER --subscriber ID --number +447700900123 --at 2026-03-04T18:58:00Z --talk 300

FOLDER is a local folder or an s3:// URI (--region, --endpoint for an emulator). `check` prints
what the folder holds, or the first problem with its file and line (exit 1); the running job
reads the same checks (TariffFiles.java) and refuses what this refuses. `quote` prices one
outgoing call by the rules of docs/tariffs.md: which plan, versions and bands, the amount and
the tax.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from domain.rating import TariffError
from domain.tariff_files import parse_book
from domain.tariff_plans import EPOCH, PlanRating, RatingBook, rate_leg
from stream_io.tariff_folder import read_folder


def summary(book: RatingBook) -> str:
    lines = [f"default plan: {book.default_plan}"]
    for name, versions in book.plans.items():
        for version in versions:
            bands = ", ".join(band.name for band in version.bands)
            lines.append(f"plan {name} from {version.valid_from} ({version.time_zone.key}): deck {version.deck}, "
                         f"{version.currency}, tax {version.tax_rate}, {version.rounding.value} to "
                         f"{version.decimals} places, bands {bands}")
    for name, decks in book.decks.items():
        for deck in decks:
            lines.append(f"deck {name} from {deck.valid_from}: {len(deck.rates)} prefixes")
    lines.append(f"{len(book.assignments)} subscriber(s) assigned a plan")
    return "\n".join(lines)


def describe(rating: PlanRating) -> str:
    if rating.error:
        return f"{rating.error.value} (plan {rating.plan})"
    source = "assigned" if rating.assigned else "the default"
    return (f"plan {rating.plan} ({source}, version {rating.plan_version}), deck version {rating.deck_version}\n"
            f"{rating.prefix} {rating.destination}: {rating.billable_seconds} s billed in "
            f"{' then '.join(rating.bands) or 'no band'}\n"
            f"amount {rating.amount} {rating.currency}, tax {rating.tax} {rating.currency}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.tariffs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("check", "quote"):
        command = commands.add_parser(name)
        command.add_argument("folder", help="a tariff folder: local, or s3://bucket/prefix")
        command.add_argument("--region", default="us-east-1")
        command.add_argument("--endpoint", default="", help="an S3 emulator's URL")
    quote = commands.choices["quote"]
    quote.add_argument("--subscriber", required=True)
    quote.add_argument("--number", required=True, help="the called number, E.164 (+44...) or a service number")
    quote.add_argument("--country", default="GB", help="the caller's country (for a service number)")
    quote.add_argument("--at", required=True, type=datetime.fromisoformat, help="answer time, ISO 8601 with offset")
    quote.add_argument("--talk", required=True, type=int, help="talk seconds")
    args = parser.parse_args(argv)
    try:
        book = parse_book(read_folder(args.folder, region=args.region, endpoint=args.endpoint))
    except (TariffError, OSError) as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    if args.command == "check":
        print(summary(book))
        return 0
    at = args.at if args.at.tzinfo else args.at.replace(tzinfo=UTC)
    millis = (at - EPOCH) // timedelta(milliseconds=1)
    print(describe(rate_leg(book, args.subscriber, args.number, args.country, mobile_originated=True,
                            started_ms=millis, answered_ms=millis, talk_seconds=args.talk)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
