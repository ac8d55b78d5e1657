"""Asterisk Channel Event Logging (CEL, Asterisk 12+) turned into the legs Asterisk's CDR engine
would have written, then into CDR records through the same mapping as the CDR files (cdr.py).

CEL is a log of what happened to each channel — created, answered, entered or left a bridge,
hung up — not of calls. A leg is a pairing of two channels, as in Asterisk's CDRs (Party A,
Party B), and is rebuilt from the events:

- a dial leg: a channel created while another channel of the same call runs Dial is that
  Dial's target (every phone of a parallel dial gets one). It is answered when the two share
  a bridge, and ends when either leaves it or hangs up; unanswered, it ends when the target
  hangs up, and the target's hangup cause says why (busy, no answer, congestion);
- a bridge leg: two channels that meet in a bridge without one having dialled the other — an
  attended transfer's transferee and target, a parked call and who retrieves it. Party A is
  the retriever (ParkedCall), else the older channel;
- a park leg: PARK_START..PARK_END, the parked channel alone (never answered: it talks to
  nobody);
- a channel in none of these (a conference participant, a call to voicemail) is one leg alone,
  from its creation to its hangup, with its last application.
A leg starts where its Party A's previous leg ended (or at Party A's creation), like a CDR.

Events are buffered per call until the call is over. A call is the channels sharing a
linkedid; a channel's linkedid can change when it is bridged with an older call (an attended
transfer), so calls joined that way are one group, finished when every linkedid in it has had
its LINKEDID_END (cel.conf must log it: `events=ALL` does). `CelCalls.finish` gives what is
still open at the end of a bounded file, its open legs ending at their last event.

Legs are numbered per group in the order they began; the record's callId is Party A's
uniqueid and that number, so converting the same events again gives the same recordIds.

    python -m asterisk_adapter.cel --file cel.jsonl --out cdrs.jsonl [--pbx pbx.json]

converts a finished CEL file (cel_custom, format=json) to CDR records in JSON Lines, the input
of a replay (`python -m jobs.cdr_pipeline replay --input cdrs.jsonl ...`); what cannot be
converted goes to `--dead-letters` (default: next to --out) with its reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from asterisk_adapter.cdr import (
    CONFERENCE_APPS,
    AsteriskConfig,
    AsteriskLineError,
    Reason,
    csv_fields,
    json_object,
    parse_time,
    to_record,
)

# cel_custom.conf's example field list (advanced mappings), without its literal.
CEL_FIELDS = ("eventtype", "eventenum", "eventtime", "usereventname", "cidname", "cidnum", "exten", "context",
              "channame", "appname", "appdata", "amaflags", "acctcode", "uniqueid", "userfield", "cidani",
              "cidrdnis", "ciddnid", "peer", "linkedid", "peeracct", "extra", "tenantid")
AMA_FLAGS = {"1": "OMIT", "2": "BILLING", "3": "DOCUMENTATION"}
# (source text, its record or why it is none)
Converted = tuple[str, dict[str, Any] | AsteriskLineError]
# An event's place in its source: its line number, then whatever says where that line is.
Mark = tuple[int, Any]
# Q.850 hangup cause of an unanswered target → CDR disposition (as Asterisk's CDR engine maps it).
CAUSE_DISPOSITIONS = {17: "BUSY", 21: "BUSY", 34: "CONGESTION", 38: "CONGESTION", 42: "CONGESTION",
                      0: "NO ANSWER", 16: "NO ANSWER", 18: "NO ANSWER", 19: "NO ANSWER", 26: "NO ANSWER"}


@dataclass(frozen=True)
class CelEvent:
    type: str
    time: datetime
    uniqueid: str
    linkedid: str
    channel: str
    cid_name: str
    cid_num: str
    exten: str
    context: str
    app: str
    app_data: str
    amaflags: str
    account: str
    userfield: str
    extra: Mapping[str, Any]


def parse_cel_json_line(line: str, config: AsteriskConfig) -> CelEvent:
    """One event of cel_custom's JSON format (field names in any case)."""
    return _event({key.lower(): value for key, value in json_object(line).items()}, config)


def parse_cel_csv_line(line: str, config: AsteriskConfig, fields: tuple[str, ...] = CEL_FIELDS) -> CelEvent:
    """One event of cel_custom's CSV format, its columns as cel_custom.conf's `fields` lists them."""
    return _event(csv_fields(line, tuple(name.lower() for name in fields), "cel_custom.conf"), config)


def _event(fields: Mapping[str, Any], config: AsteriskConfig) -> CelEvent:
    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value)

    if not text("eventtype") or not text("uniqueid"):
        raise AsteriskLineError(Reason.BAD_COLUMNS, "a CEL event needs eventtype and uniqueid")
    time = parse_time(text("eventtime"), config, "eventtime")
    if time is None:
        raise AsteriskLineError(Reason.BAD_TIMESTAMP, "eventtime is empty")
    extra = fields.get("extra") or {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else {}
        except json.JSONDecodeError:
            raise AsteriskLineError(Reason.BAD_JSON, f"extra {extra!r} is not JSON") from None
    if not isinstance(extra, dict):
        raise AsteriskLineError(Reason.BAD_JSON, "extra is not a JSON object")
    return CelEvent(text("eventtype").upper(), time, text("uniqueid"), text("linkedid") or text("uniqueid"),
                    text("channame"), text("cidname"), text("cidnum"), text("exten"), text("context"),
                    text("appname"), text("appdata"), AMA_FLAGS.get(text("amaflags"), text("amaflags")),
                    text("acctcode"), text("userfield"), extra)


@dataclass
class _Channel:
    event: CelEvent  # its CHAN_START: name, caller id, accounts
    created: datetime
    cdr_start: datetime  # where its next leg as Party A begins
    exten: str
    context: str
    app: str = ""
    app_data: str = ""
    linkedid: str = ""
    answered: datetime | None = None
    hung_up: datetime | None = None
    cause: int | None = None
    dial: CelEvent | None = None  # its running Dial's APP_START


@dataclass
class _Leg:
    a: _Channel
    b: _Channel | None
    start: datetime
    app: str
    app_data: str
    dst: str
    dcontext: str
    answer: datetime | None = None
    end: datetime | None = None
    bridge: str | None = None  # where A and B talk


class _Call:
    """Legs of one group of channels, built by replaying its events in time order."""

    def __init__(self) -> None:
        self.channels: dict[str, _Channel] = {}
        self.legs: list[_Leg] = []
        self.members: dict[str, set[str]] = defaultdict(set)  # bridge id → uniqueids in it, conferences aside

    def replay(self, events: list[CelEvent]) -> list[_Leg]:
        ordered = sorted(events, key=lambda e: e.time)
        for event in ordered:
            self._apply(event)
        last = ordered[-1].time
        for leg in self.legs:
            leg.end = leg.end or last
        paired = {leg.a.event.uniqueid for leg in self.legs} | {leg.b.event.uniqueid for leg in self.legs if leg.b}
        for channel in self.channels.values():
            if channel.event.uniqueid not in paired:
                self.legs.append(_Leg(channel, None, channel.created, channel.app, channel.app_data, channel.exten,
                                      channel.context, channel.answered, channel.hung_up or last))
        return self.legs

    def _apply(self, event: CelEvent) -> None:
        kind, t = event.type, event.time
        if kind == "CHAN_START":
            self._start(event)
            return
        channel = self.channels.get(event.uniqueid)
        if channel is None:  # its CHAN_START is not in this file: nothing to pair it with
            return
        channel.linkedid = event.linkedid
        if event.exten:
            channel.exten, channel.context = event.exten, event.context
        if kind == "ANSWER":
            channel.answered = channel.answered or t
        elif kind == "APP_START":
            channel.app, channel.app_data = event.app, event.app_data
            if event.app.lower() == "dial":
                channel.dial = event
        elif kind == "APP_END" and event.app.lower() == "dial":
            channel.dial = None
            self._close(lambda leg: leg.a is channel and leg.answer is None, t)
        elif kind == "BRIDGE_ENTER" and event.app.lower() not in CONFERENCE_APPS:
            self._enter(channel, str(event.extra.get("bridge_id", "")), t)
        elif kind == "BRIDGE_EXIT":
            bridge = str(event.extra.get("bridge_id", ""))
            self.members[bridge].discard(event.uniqueid)
            self._close(lambda leg: leg.bridge == bridge and channel in (leg.a, leg.b), t)
        elif kind == "PARK_START":
            # Asterisk writes a parked channel's CDR answered at once; to_record drops that answer.
            self.legs.append(_Leg(channel, None, channel.cdr_start, "Park",
                                  str(event.extra.get("parking_lot") or event.app_data), channel.exten,
                                  channel.context, answer=t))
        elif kind == "PARK_END":
            self._close(lambda leg: leg.a is channel and leg.b is None and leg.app == "Park", t)
        elif kind == "HANGUP":
            cause = str(event.extra.get("hangupcause", ""))
            channel.cause = int(cause) if cause.isdigit() else None
            channel.hung_up = t
            self._close(lambda leg: channel in (leg.a, leg.b), t)

    def _start(self, event: CelEvent) -> None:
        channel = _Channel(event, event.time, event.time, event.exten, event.context, linkedid=event.linkedid)
        # Dial's targets inherit the dialling channel's linkedid; a Dial stops ringing once answered.
        dials = [(c, c.dial) for c in self.channels.values() if c.dial is not None and c.linkedid == event.linkedid]
        self.channels[event.uniqueid] = channel
        if dials:
            caller, dial = max(dials, key=lambda pair: pair[1].time)
            self.legs.append(_Leg(caller, channel, caller.cdr_start, "Dial", dial.app_data, dial.exten, dial.context))

    def _enter(self, channel: _Channel, bridge: str, t: datetime) -> None:
        for other_id in sorted(self.members[bridge]):
            other = self.channels[other_id]
            leg = next((leg for leg in self.legs if leg.end is None and leg.answer is None
                        and {leg.a.event.uniqueid, leg.b.event.uniqueid if leg.b else None}
                        == {channel.event.uniqueid, other_id}), None)
            if leg is None:  # they meet here: the conversation starts now
                a, b = self._party_a(channel, other)
                leg = _Leg(a, b, a.cdr_start, a.app or "Bridge", a.app_data, a.exten, a.context, answer=t)
                self.legs.append(leg)
            else:  # a Dial's target answered: the dial is over
                leg.answer = (leg.b.answered if leg.b else None) or t
                leg.a.dial = None
            leg.bridge = bridge
        self.members[bridge].add(channel.event.uniqueid)

    @staticmethod
    def _party_a(one: _Channel, other: _Channel) -> tuple[_Channel, _Channel]:
        if other.app.lower() == "parkedcall" and one.app.lower() != "parkedcall":
            return other, one
        if one.app.lower() == "parkedcall" or one.created < other.created:
            return one, other
        return other, one

    def _close(self, which: Callable[[_Leg], bool], t: datetime) -> None:
        for leg in self.legs:
            if leg.end is None and which(leg):
                leg.end = t
                leg.a.cdr_start = max(leg.a.cdr_start, t)


def legs_as_cdrs(events: list[CelEvent]) -> list[dict[str, str]]:
    """The legs of one call's events as Asterisk CDR variables (the columns cdr.to_record reads)."""
    legs = _Call().replay(events)
    return [_cdr(leg, sequence) for sequence, leg in enumerate(sorted(legs, key=lambda leg: leg.start), start=1)]


def _cdr(leg: _Leg, sequence: int) -> dict[str, str]:
    a, b = leg.a, leg.b
    end = leg.end or leg.start
    return {
        "accountcode": a.event.account, "src": a.event.cid_num, "dst": leg.dst, "dcontext": leg.dcontext,
        "clid": f'"{a.event.cid_name}" <{a.event.cid_num}>', "channel": a.event.channel,
        "dstchannel": b.event.channel if b else "", "lastapp": leg.app, "lastdata": leg.app_data,
        "start": _epoch(leg.start), "answer": _epoch(leg.answer) if leg.answer else "",
        "end": _epoch(end), "duration": str(int((end - leg.start).total_seconds())),
        "billsec": str(int((end - leg.answer).total_seconds())) if leg.answer else "0",
        "disposition": "ANSWERED" if leg.answer else _unanswered(b),
        "amaflags": a.event.amaflags, "uniqueid": a.event.uniqueid, "userfield": a.event.userfield,
        "peeraccount": b.event.account if b else "", "linkedid": a.linkedid, "sequence": str(sequence),
        # the dialled channel's clearing cause (Q.850), else the caller's
        "hangupcause": str(cause) if (cause := (b.cause if b and b.cause is not None else a.cause)) is not None
        else "",
    }


def _unanswered(callee: _Channel | None) -> str:
    if callee is None or callee.cause is None:
        return "NO ANSWER"
    return CAUSE_DISPOSITIONS.get(callee.cause, "FAILED")


def _epoch(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


class CelCalls:
    """Buffers events until their call is over (LINKEDID_END of every linkedid it joined).

    Each event may carry a mark (its line number first, then anything: where the line is), and
    `oldest_mark` is the first mark of the oldest call still open: where a follower of a live
    CEL file must read again from after a restart, to have every event of the calls it holds."""

    def __init__(self) -> None:
        self._group: dict[str, str] = {}  # linkedid → its group's representative (union-find)
        self._events: dict[str, list[CelEvent]] = defaultdict(list)
        self._open: dict[str, set[str]] = defaultdict(set)  # representative → linkedids not yet ended
        self._linkedid: dict[str, str] = {}  # channel uniqueid → its linkedid now
        self._first: dict[str, Mark] = {}  # representative → mark of its first event
        self._latest: dict[str, datetime] = {}  # representative → time of its latest event

    @property
    def pending(self) -> int:
        """Events of calls not over yet."""
        return sum(len(events) for events in self._events.values())

    @property
    def oldest_mark(self) -> Mark | None:
        return min(self._first.values(), key=lambda mark: mark[0], default=None)

    def add(self, event: CelEvent, mark: Mark = (0, None)) -> list[dict[str, str]]:
        """This event; the CDR variables of the legs of a call it finishes."""
        root = self._root(event.linkedid)
        previous = self._linkedid.get(event.uniqueid)
        if previous is not None and previous != event.linkedid:
            root = self._union(self._root(previous), root)
        self._linkedid[event.uniqueid] = event.linkedid
        self._events[root].append(event)
        self._first.setdefault(root, mark)
        self._latest[root] = max(self._latest.get(root, event.time), event.time)
        if event.type == "LINKEDID_END":
            self._open[root].discard(event.linkedid)
            if not self._open[root]:
                return self._emit(root)
        elif event.type == "CHAN_START":
            self._open[root].add(event.linkedid)
        return []

    def finish(self) -> list[dict[str, str]]:
        """Every call still buffered, as far as its events go (the end of a bounded file)."""
        return [cdr for root in list(self._events) for cdr in self._emit(root)]

    def expire(self, before: datetime) -> list[dict[str, str]]:
        """The calls with no event since `before`, as far as their events go: a call whose
        LINKEDID_END never comes (a PBX restart) must not be held, nor hold a follower back,
        for ever."""
        return [cdr for root, latest in list(self._latest.items()) if latest < before for cdr in self._emit(root)]

    def _emit(self, root: str) -> list[dict[str, str]]:
        events = self._events.pop(root, [])
        self._open.pop(root, None)
        self._first.pop(root, None)
        self._latest.pop(root, None)
        for event in events:  # forgotten whole, so a follower's memory stays that of the open calls
            self._linkedid.pop(event.uniqueid, None)
            self._group.pop(event.linkedid, None)
        return legs_as_cdrs(events)

    def _root(self, linkedid: str) -> str:
        parent = self._group.setdefault(linkedid, linkedid)
        while parent != self._group[parent]:
            parent = self._group[parent]
        self._group[linkedid] = parent
        return parent

    def _union(self, one: str, other: str) -> str:
        if one == other:
            return one
        self._group[other] = one
        self._events[one].extend(self._events.pop(other, []))
        self._open[one] |= self._open.pop(other, set())
        marks = [mark for mark in (self._first.pop(one, None), self._first.pop(other, None)) if mark is not None]
        if marks:
            self._first[one] = min(marks, key=lambda mark: mark[0])
        times = [t for t in (self._latest.pop(one, None), self._latest.pop(other, None)) if t is not None]
        if times:
            self._latest[one] = max(times)
        return one


def cdr_records(cdrs: list[dict[str, str]], config: AsteriskConfig) -> Iterator[Converted]:
    """(source, record) per leg, or (source, error) for a leg that cannot be one; the source is
    the leg's CDR variables as JSON (what a dead letter keeps)."""
    for cdr in cdrs:
        source = json.dumps(cdr, sort_keys=True)
        try:
            yield source, to_record(cdr, config, source)
        except AsteriskLineError as error:
            yield source, error


def convert(lines: Iterable[str], config: AsteriskConfig) -> Iterator[Converted]:
    """A CEL file's lines (JSON) → (source, record) per leg, or (source, error) per line or leg
    that cannot be one — the source being the line, or the leg's CDR variables as JSON."""
    calls = CelCalls()
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        try:
            event = parse_cel_json_line(line, config)
        except AsteriskLineError as error:
            yield line, error
            continue
        yield from cdr_records(calls.add(event), config)
    yield from cdr_records(calls.finish(), config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asterisk_adapter.cel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, required=True, help="a CEL file of cel_custom's JSON format")
    parser.add_argument("--out", type=Path, required=True, help="CDR records, JSON Lines")
    parser.add_argument("--dead-letters", type=Path, help="lines and legs that are not records, with the reason")
    parser.add_argument("--pbx", type=Path, help="JSON object of AsteriskConfig fields")
    args = parser.parse_args(argv)
    config = AsteriskConfig.from_mapping(json.loads(args.pbx.read_text())) if args.pbx else AsteriskConfig()
    dead_path = args.dead_letters or args.out.with_name(args.out.stem + ".dead-letters.jsonl")
    converted = dead = 0
    with args.file.open(encoding="utf-8") as lines, args.out.open("w", encoding="utf-8") as out, \
            dead_path.open("w", encoding="utf-8") as dead_out:
        for source, result in convert(lines, config):
            if isinstance(result, AsteriskLineError):
                dead_out.write(json.dumps({"raw_record": source, "reason": str(result.reason),
                                           "detail": result.detail}) + "\n")
                dead += 1
            else:
                out.write(json.dumps(result, separators=(",", ":")) + "\n")
                converted += 1
    print(f"{converted:,} CDR records to {args.out}; {dead:,} dead letters to {dead_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
