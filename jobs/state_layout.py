"""Which operator each piece of the job's state belongs to, and whether an edited job keeps it.

A snapshot finds its operators again by their uids. Flink SQL gives its operators none unless
asked (`table.exec.uid.generation`); then each is named after its plan node's number, which the
planner counts up in the order it plans. So an edited job restores its predecessor's state only
if every stateful operator comes out with the same number: a statement appended after the
others does, one inserted before them shifts the numbers after it. A shifted number can even
land on another operator of the same kind, whose state Flink would then restore into the wrong
one without a word. The layout (uid → what the operator does, from the plan) makes this visible
before a deploy: `compare` says what an edited job keeps, drops, adds, and what it would mix up.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pyflink.datastream import StreamExecutionEnvironment
from pyflink.java_gateway import get_gateway
from pyflink.table import TableEnvironment

# Operators numbered by the plan, uids of the form "<number>_<kind>" (Flink's format).
STABLE_UIDS = {"table.exec.uid.generation": "ALWAYS"}

# Operator kinds whose snapshot is always empty: they keep nothing between records. Every other
# kind (sources, sinks, writers, aggregates, joins, ranks, deduplication, the Python stages'
# functions) is taken as holding state.
STATELESS_KINDS = frozenset({"calc", "correlate", "constraint-validator", "external-datastream",
                             "timestamp-inserter", "local-window-aggregate", "discarding-sink"})

# A Python stage's output handed back to SQL: a conversion, with no state of its own.
CONVERTED_STREAM = "TableSourceScan(table=[[*anonymous_datastream_source*"

# What numbers an operator's description by the plan (its node's "[12]", a converted stream's
# "*anonymous_datastream_source$4*"), not by what it does.
_PLAN_NUMBERS = (re.compile(r"^\[\d+\]:"), re.compile(r"\[\d+\]"),
                 re.compile(r"(?<=\*anonymous_datastream_source)\$\d+"))

Layout = dict[str, str]


def restart_numbering(t_env: TableEnvironment) -> None:
    """Numbers the next plan's nodes from 1, as in a fresh JVM: otherwise every plan made earlier
    in this JVM (a check, a test, a previous build) shifts them. The counter is the planner's own
    (loaded by its class loader), and only its tests reset it; Flink is pinned (2.2.1)."""
    gateway = get_gateway()
    loader = t_env._j_tenv.getPlanner().getClass().getClassLoader()  # type: ignore[attr-defined]
    counter = loader.loadClass("org.apache.flink.table.planner.plan.nodes.exec.ExecNodeContext")
    counter.getMethod("resetIdCounter", gateway.new_array(gateway.jvm.Class, 0)).invoke(
        None, gateway.new_array(gateway.jvm.Object, 0))


def read_layout(env: StreamExecutionEnvironment) -> Layout:
    """uid → what the operator does, for every operator that may hold state in the job `env`
    would run (the statements attached to it, not yet executed): its description without plan
    numbers, and where that alone does not tell it from another (a file sink's writer), its inputs'."""
    graph = env._j_stream_execution_environment.getStreamGraph(False)  # type: ignore[attr-defined]
    nodes = {}
    iterator = graph.getStreamNodes().iterator()
    while iterator.hasNext():
        node = iterator.next()
        nodes[node.getId()] = node
    own = {node_id: describe(node.getOperatorDescription() or node.getOperatorName())
           for node_id, node in nodes.items()}
    repeated = {text for text, count in Counter(own[node_id] for node_id, node in nodes.items()
                                                if node.getTransformationUID()).items() if count > 1}
    layout: Layout = {}
    for node_id, node in nodes.items():
        uid = node.getTransformationUID()
        if not uid:
            continue
        text = own[node_id]
        if text in repeated:
            edges = node.getInEdges().iterator()
            inputs = []
            while edges.hasNext():
                inputs.append(own[edges.next().getSourceId()])
            text = f"{text} <- {' + '.join(sorted(inputs))}"
        if holds_state(uid, text):
            layout[uid] = text
    return dict(sorted(layout.items(), key=lambda item: _sort_key(item[0])))


def describe(description: str) -> str:
    """An operator's description without the numbers the plan gave it."""
    for number in _PLAN_NUMBERS:
        description = number.sub("", description)
    return description


def _sort_key(uid: str) -> tuple[int, str]:
    number, _, kind = uid.partition("_")
    return (int(number), kind) if number.isdigit() else (1 << 30, uid)


def holds_state(uid: str, operator: str) -> bool:
    """Whether the operator may have state in a snapshot: by its kind (the uid's suffix), and a
    scan of a converted stream (a Python stage's output) is a hand-over, not a source."""
    number, _, kind = uid.partition("_")
    if not number.isdigit():
        return True  # a uid the job gave its own operator (the Python stages): they keep state
    return kind not in STATELESS_KINDS and not operator.startswith(CONVERTED_STREAM)


@dataclass(frozen=True)
class LayoutChange:
    """What an edited job does with the running job's snapshot, operator by operator."""

    kept: Layout     # same uid, same operator: its state restores
    added: Layout    # new operators (as the edited job has them): they start empty
    dropped: Layout  # stateful operators gone (as the running job has them): Flink refuses the
    #                  snapshot unless told to discard their state
    changed: Layout  # same uid, another operator (or this one edited): its state would go there

    @property
    def restores(self) -> bool:
        """Whether the snapshot restores whole, each state into its own operator."""
        return not self.dropped and not self.changed

    def report(self) -> str:
        lines = [f"state kept: {len(self.kept)} operators; new: {len(self.added)}; "
                 f"dropped: {len(self.dropped)}; changed: {len(self.changed)}"]
        for label, operators in (("new", self.added), ("DROPPED", self.dropped), ("CHANGED", self.changed)):
            lines += [f"  {label:8} {uid:28} {operator[:100]}" for uid, operator in operators.items()]
        lines.append("the running job's snapshot restores into this job" if self.restores else
                     "the running job's snapshot does NOT restore into this job (docs: deploy guide, Change SQL)")
        return "\n".join(lines)


def compare(running: Layout, edited: Layout) -> LayoutChange:
    """The running job's layout against the edited job's. A stateless operator that changed or went
    away is no loss (its snapshot is empty) and not listed; a stateful one is."""
    return LayoutChange(
        kept={uid: operator for uid, operator in running.items() if edited.get(uid) == operator},
        added={uid: operator for uid, operator in edited.items() if uid not in running},
        dropped={uid: operator for uid, operator in running.items()
                 if uid not in edited and holds_state(uid, operator)},
        changed={uid: operator for uid, operator in running.items()
                 if uid in edited and edited[uid] != operator and holds_state(uid, operator)})


def save(layout: Layout, path: Path) -> None:
    path.write_text(json.dumps(layout, indent=1) + "\n", encoding="utf-8")


def load(path: Path) -> Layout:
    return dict(json.loads(path.read_text(encoding="utf-8")))
