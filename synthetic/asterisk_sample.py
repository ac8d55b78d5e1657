"""A day of a small office PBX as Asterisk's cdr_csv writes it (Master.csv), for the demo and tests.

    python -m synthetic.asterisk_sample --out Master.csv [--calls 400] [--seed 7] [--bad 3]

Endpoints 2001..(2000+endpoints) named by extension (PJSIP/2001-0000002a), a trunk to the
outside (PJSIP/trunk-…), local time Europe/London, cdr.conf with loguniqueid, loguserfield
and newcdrcolumns: the adapter's default AsteriskConfig. Calls are a mix of the CDR
specification's scenarios — answered, unanswered, busy, parallel dial, forward, blind and
attended transfer, three-way, conference, park — plus calls out through the trunk and in from
it; each CDR line is written when Asterisk would write it (at its end). `--bad` appends lines
the adapter must refuse. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

CDR_COLUMNS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
               "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield",
               "peeraccount", "linkedid", "sequence")
OUTSIDE = ("+33144556677", "+4915112345678", "02079460123", "07911123456", "+12025550143", "+390612345678")
BAD_LINES = ('"only","three","columns"',
             '"","2001","2002","from-internal","","PJSIP/2001-ffffffff","PJSIP/2002-fffffffe","Dial","",'
             '"yesterday",,"2026-11-03 10:00:00",1,0,"NO ANSWER","DOCUMENTATION","bad.1","","","bad.1",1',
             '"","2001","2002","from-internal","","PJSIP/2001-fffffffd","PJSIP/2002-fffffffc","Dial","",'
             '"2026-11-03 10:00:00",,"2026-11-03 10:00:09",9,0,"ON HOLD","DOCUMENTATION","bad.2","","","bad.2",1')


def format_line(cdr: dict[str, object]) -> str:
    """One line as cdr_csv builds it: strings quoted (quotes doubled), numbers bare, an unset
    time empty."""
    out = []
    for column in CDR_COLUMNS:
        value = cdr.get(column, "")
        if column in ("duration", "billsec", "sequence"):
            out.append(str(value))
        elif column in ("start", "answer", "end") and not value:
            out.append("")
        else:
            out.append('"' + str(value).replace('"', '""') + '"')
    return ",".join(out)


@dataclass
class _Pbx:
    rng: random.Random
    endpoints: int
    channel_count: int = 0
    sequence: int = 0
    cdrs: list[tuple[datetime, dict[str, object]]] = field(default_factory=list)

    def channel(self, endpoint: str) -> str:
        self.channel_count += 1
        return f"PJSIP/{endpoint}-{self.channel_count:08x}"

    def extension(self) -> str:
        return str(2001 + self.rng.randrange(self.endpoints))

    def others(self, caller: str, n: int) -> list[str]:
        pool = [str(2001 + i) for i in range(self.endpoints) if str(2001 + i) != caller]
        return self.rng.sample(pool, n)

    def leg(self, *, src: str, dst: str, channel: str, peer: str, app: str, start: datetime,
            answer: datetime | None, end: datetime, disposition: str, uniqueid: str, linkedid: str,
            clid: str | None = None) -> None:
        self.sequence += 1
        self.cdrs.append((end, {
            "src": src, "dst": dst, "dcontext": "from-internal",
            "clid": clid if clid is not None else f'"{src}" <{src}>', "channel": channel, "dstchannel": peer,
            "lastapp": app, "lastdata": dst, "start": _local(start), "answer": _local(answer) if answer else "",
            "end": _local(end), "duration": int((end - start).total_seconds()),
            "billsec": int((end - answer).total_seconds()) if answer else 0, "disposition": disposition,
            "amaflags": "DOCUMENTATION", "uniqueid": uniqueid, "linkedid": linkedid, "sequence": self.sequence}))

    def talk(self) -> timedelta:
        return timedelta(seconds=self.rng.randint(20, 600))

    def ring(self) -> timedelta:
        return timedelta(seconds=self.rng.randint(2, 15))


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _uid(at: datetime, pbx: _Pbx) -> str:
    return f"{int(at.timestamp())}.{pbx.channel_count}"


def simple(pbx: _Pbx, at: datetime, disposition: str = "ANSWERED") -> None:
    a = pbx.extension()
    b = pbx.others(a, 1)[0]
    ca, cb = pbx.channel(a), pbx.channel(b)
    uid = _uid(at, pbx)
    answered = disposition == "ANSWERED"
    answer = at + pbx.ring() if answered else None
    end = (answer + pbx.talk()) if answer else at + (pbx.ring() if disposition == "NO ANSWER" else timedelta(seconds=2))
    pbx.leg(src=a, dst=b, channel=ca, peer=cb, app="Dial", start=at, answer=answer, end=end, disposition=disposition,
            uniqueid=uid, linkedid=uid)


def parallel(pbx: _Pbx, at: datetime) -> None:
    a = pbx.extension()
    b, c = pbx.others(a, 2)
    ca = pbx.channel(a)
    uid = _uid(at, pbx)
    answer = at + pbx.ring()
    pbx.leg(src=a, dst="600", channel=ca, peer=pbx.channel(b), app="Dial", start=at, answer=None, end=answer,
            disposition="NO ANSWER", uniqueid=uid, linkedid=uid)
    pbx.leg(src=a, dst="600", channel=ca, peer=pbx.channel(c), app="Dial", start=at, answer=answer,
            end=answer + pbx.talk(), disposition="ANSWERED", uniqueid=uid, linkedid=uid)


def redirected(pbx: _Pbx, at: datetime, transfer: bool) -> None:
    """A forward (the first leg unanswered) or a blind transfer (answered, then handed on)."""
    a = pbx.extension()
    b, c = pbx.others(a, 2)
    ca = pbx.channel(a)
    uid = _uid(at, pbx)
    first_answer = at + pbx.ring() if transfer else None
    handover = (first_answer + pbx.talk()) if first_answer else at + timedelta(seconds=20)
    pbx.leg(src=a, dst=b, channel=ca, peer=pbx.channel(b), app="Dial", start=at, answer=first_answer, end=handover,
            disposition="ANSWERED" if transfer else "NO ANSWER", uniqueid=uid, linkedid=uid)
    answer = handover + pbx.ring()
    pbx.leg(src=a, dst=c if transfer else b, channel=ca, peer=pbx.channel(c), app="Dial", start=handover,
            answer=answer, end=answer + pbx.talk(), disposition="ANSWERED", uniqueid=uid, linkedid=uid)


def attended(pbx: _Pbx, at: datetime) -> None:
    a = pbx.extension()
    b, c = pbx.others(a, 2)
    ca, cb, cc = pbx.channel(a), pbx.channel(b), pbx.channel(c)
    uid = _uid(at, pbx)
    answer = at + pbx.ring()
    consult = answer + pbx.talk()
    consult_answer = consult + pbx.ring()
    handover = consult_answer + timedelta(seconds=pbx.rng.randint(10, 60))
    bob2 = pbx.channel(b)
    consult_uid = _uid(consult, pbx)
    pbx.leg(src=b, dst=c, channel=bob2, peer=cc, app="Dial", start=consult, answer=consult_answer, end=handover,
            disposition="ANSWERED", uniqueid=consult_uid, linkedid=consult_uid)
    pbx.leg(src=a, dst=b, channel=ca, peer=cb, app="Dial", start=at, answer=answer, end=handover,
            disposition="ANSWERED", uniqueid=uid, linkedid=uid)
    pbx.leg(src=a, dst=b, channel=ca, peer=cc, app="Dial", start=handover, answer=handover,
            end=handover + pbx.talk(), disposition="ANSWERED", uniqueid=uid, linkedid=uid)


def three_way(pbx: _Pbx, at: datetime) -> None:
    a = pbx.extension()
    b, c = pbx.others(a, 2)
    uid = _uid(at, pbx)
    ca, cb = pbx.channel(a), pbx.channel(b)
    answer = at + pbx.ring()
    add = answer + timedelta(seconds=30)
    add_answer = add + pbx.ring()
    end = add_answer + pbx.talk()
    pbx.leg(src=b, dst=c, channel=pbx.channel(b), peer=pbx.channel(c), app="Dial", start=add, answer=add_answer,
            end=end - timedelta(seconds=20), disposition="ANSWERED", uniqueid=_uid(add, pbx), linkedid=uid)
    pbx.leg(src=a, dst=b, channel=ca, peer=cb, app="Dial", start=at, answer=answer, end=end, disposition="ANSWERED",
            uniqueid=uid, linkedid=uid)


def conference(pbx: _Pbx, at: datetime) -> None:
    host = pbx.extension()
    members = [host, *pbx.others(host, 3)]
    linked = _uid(at, pbx)
    for index, member in enumerate(members):
        start = at + timedelta(seconds=25 * index)
        channel = pbx.channel(member)
        pbx.leg(src=member, dst="8000", channel=channel, peer="", app="ConfBridge", start=start,
                answer=start + timedelta(seconds=1), end=start + timedelta(seconds=1) + pbx.talk(),
                disposition="ANSWERED", uniqueid=linked if index == 0 else _uid(start, pbx), linkedid=linked)


def park(pbx: _Pbx, at: datetime) -> None:
    a = pbx.extension()
    b, c = pbx.others(a, 2)
    ca = pbx.channel(a)
    uid = _uid(at, pbx)
    answer = at + pbx.ring()
    parked = answer + pbx.talk()
    taken = parked + timedelta(seconds=pbx.rng.randint(10, 90))
    pbx.leg(src=a, dst=b, channel=ca, peer=pbx.channel(b), app="Dial", start=at, answer=answer, end=parked,
            disposition="ANSWERED", uniqueid=uid, linkedid=uid)
    pbx.leg(src=a, dst="700", channel=ca, peer="", app="Park", start=parked, answer=parked, end=taken,
            disposition="ANSWERED", uniqueid=uid, linkedid=uid)
    pbx.leg(src=c, dst="701", channel=pbx.channel(c), peer=ca, app="ParkedCall", start=taken - timedelta(seconds=5),
            answer=taken, end=taken + pbx.talk(), disposition="ANSWERED", uniqueid=_uid(taken, pbx), linkedid=uid)


def outgoing(pbx: _Pbx, at: datetime) -> None:
    a = pbx.extension()
    uid = _uid(at, pbx)
    answer = at + pbx.ring()
    pbx.leg(src=a, dst=pbx.rng.choice(OUTSIDE), channel=pbx.channel(a), peer=pbx.channel("trunk"), app="Dial",
            start=at, answer=answer, end=answer + pbx.talk(), disposition="ANSWERED", uniqueid=uid, linkedid=uid)


def incoming(pbx: _Pbx, at: datetime) -> None:
    b = pbx.extension()
    uid = _uid(at, pbx)
    caller = pbx.rng.choice(OUTSIDE)
    answer = at + pbx.ring()
    pbx.leg(src=caller, dst=b, channel=pbx.channel("trunk"), peer=pbx.channel(b), app="Dial", start=at,
            answer=answer, end=answer + pbx.talk(), disposition="ANSWERED", uniqueid=uid, linkedid=uid,
            clid=f'"" <{caller}>')


SCENARIOS: tuple[tuple[int, Callable[[_Pbx, datetime], None]], ...] = (
    (30, simple), (8, lambda p, t: simple(p, t, "NO ANSWER")), (4, lambda p, t: simple(p, t, "BUSY")),
    (6, parallel), (5, lambda p, t: redirected(p, t, transfer=False)), (5, lambda p, t: redirected(p, t, True)),
    (3, attended), (3, three_way), (2, conference), (2, park), (16, outgoing), (16, incoming))


def sample(calls: int, seed: int, endpoints: int = 40, day: datetime = datetime(2026, 11, 3)) -> list[str]:
    """Master.csv lines for `calls` calls on `day` (local time), in the order Asterisk writes them."""
    pbx = _Pbx(random.Random(seed), endpoints)
    weights = [weight for weight, _ in SCENARIOS]
    for _ in range(calls):
        at = day + timedelta(hours=8, seconds=pbx.rng.randrange(10 * 3600))
        pbx.rng.choices([scenario for _, scenario in SCENARIOS], weights)[0](pbx, at)
    return [format_line(cdr) for _, cdr in sorted(pbx.cdrs, key=lambda item: (item[0], item[1]["sequence"]))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthetic.asterisk_sample", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bad", type=int, default=3, help=f"malformed lines to add (at most {len(BAD_LINES)})")
    args = parser.parse_args(argv)
    lines = sample(args.calls, args.seed) + list(BAD_LINES[:args.bad])
    args.out.write_text("".join(line + "\n" for line in lines))
    print(f"wrote {len(lines):,} CDR lines to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
