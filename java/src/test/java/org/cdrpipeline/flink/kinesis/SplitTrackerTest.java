package org.cdrpipeline.flink.kinesis;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitTrackerTest {
    private static ShardSplit shard(String id, String... parents) {
        return new ShardSplit(id, StartPosition.trimHorizon(), List.of(parents), null, null, ShardSplit.NO_STOP, false);
    }

    private static List<String> ids(List<ShardSplit> splits) {
        return splits.stream().map(ShardSplit::splitId).toList();
    }

    @Test
    void childrenWaitForEveryParentToBeReadToItsEnd() {
        SplitTracker tracker = new SplitTracker();
        // 0 and 1 open; 0 split into 2 and 3; then 3 and 1 merged into 4.
        tracker.addDiscovered(List.of(shard("0"), shard("1"), shard("2", "0"), shard("3", "0"), shard("4", "3", "1")));
        assertEquals(List.of("0", "1"), ids(tracker.assignable()));
        tracker.markAssigned("0", 0);
        tracker.markAssigned("1", 1);
        assertEquals(List.of(), ids(tracker.assignable()));
        tracker.markFinished(Set.of("0"));
        assertEquals(List.of("2", "3"), ids(tracker.assignable()));
        tracker.markAssigned("2", 0);
        tracker.markAssigned("3", 0);
        tracker.markFinished(Set.of("3"));
        assertEquals(List.of(), ids(tracker.assignable()), "4 still waits for its adjacent parent 1");
        tracker.markFinished(Set.of("1"));
        assertEquals(List.of("4"), ids(tracker.assignable()));
    }

    @Test
    void aParentNoLongerListedCountsAsRead() {
        SplitTracker tracker = new SplitTracker();
        tracker.addDiscovered(List.of(shard("7", "5", "6")));
        assertEquals(List.of("7"), ids(tracker.assignable()));
    }

    @Test
    void aShardIsNeverReadTwiceAndFinishedShardsAreForgottenWhenKinesisDropsThem() {
        SplitTracker tracker = new SplitTracker();
        assertEquals(List.of("0", "1"), ids(tracker.addDiscovered(List.of(shard("0"), shard("1")))));
        tracker.markAssigned("0", 0);
        tracker.markFinished(Set.of("0"));
        assertEquals(List.of("2"), ids(tracker.addDiscovered(List.of(shard("0"), shard("1"), shard("2", "0")))));
        assertEquals(Set.of("0"), tracker.finishedShards());
        tracker.forgetFinishedExcept(Set.of("1", "2"));
        assertTrue(tracker.finishedShards().isEmpty(), "0 is past retention: nothing left to remember");
        // Kinesis no longer lists 0, so it cannot come back; its child is free to go.
        assertEquals(List.of(), ids(tracker.addDiscovered(List.of(shard("1"), shard("2", "0")))));
        assertEquals(List.of("1", "2"), ids(tracker.assignable()));
    }

    @Test
    void openShardsSpreadEvenlyAndClosedOnesDoNotCount() {
        SplitTracker tracker = new SplitTracker();
        List<ShardSplit> shards = List.of(shard("0"), shard("1"), shard("2"), shard("3"), shard("4"), shard("5"));
        tracker.addDiscovered(shards);
        int[] load = new int[3];
        for (ShardSplit split : tracker.assignable()) {
            int subtask = tracker.chooseSubtask(split, Set.of(0, 1, 2));
            tracker.markAssigned(split.splitId(), subtask);
            load[subtask]++;
        }
        assertEquals(List.of(2, 2, 2), List.of(load[0], load[1], load[2]));
        // Subtask 0's shards close; their children go to it (it now reads nothing), not on top of the others.
        tracker.addDiscovered(List.of(shard("6", tracker.ownerOf("0") == 0 ? "0" : "1")));
        String[] ownedBy0 = tracker.unfinishedSplits().stream().map(ShardSplit::splitId)
                .filter(id -> tracker.ownerOf(id) == 0).toArray(String[]::new);
        tracker.markFinished(List.of(ownedBy0));
        ShardSplit child = tracker.assignable().get(0);
        assertEquals(0, tracker.chooseSubtask(child, Set.of(0, 1, 2)));
    }

    @Test
    void onATieAChildGoesWhereItsParentWasRead() {
        SplitTracker tracker = new SplitTracker();
        tracker.addDiscovered(List.of(shard("0"), shard("1"), shard("2", "1"), shard("3", "1")));
        tracker.markAssigned("0", 0);
        tracker.markAssigned("1", 1);
        tracker.markFinished(Set.of("1"));
        ShardSplit first = tracker.assignable().get(0);
        assertEquals(1, tracker.chooseSubtask(first, Set.of(0, 1)), "subtask 1 is idle");
        tracker.markAssigned(first.splitId(), 1);
        ShardSplit second = tracker.assignable().get(0);
        assertEquals(1, tracker.chooseSubtask(second, Set.of(0, 1)), "1 and 1 shards: the parent's reader wins");
    }

    @Test
    void aSplitHandedBackIsHandedOutAgain() {
        SplitTracker tracker = new SplitTracker();
        tracker.addDiscovered(List.of(shard("0")));
        tracker.markAssigned("0", 1);
        assertEquals(List.of(), ids(tracker.assignable()));
        tracker.unassign("0");
        assertEquals(List.of("0"), ids(tracker.assignable()));
    }
}
