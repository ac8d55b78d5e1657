package org.cdrpipeline.flink.kinesis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shard graph as the enumerator knows it, without Flink or AWS: which shards are still to
 * be read (and by which subtask), which were read to their end, and which may be handed out
 * now.
 *
 * <p>Order per partition key across resharding: a shard split or merged from others is handed
 * out only once every parent has been read to its end. A parent the tracker does not know of
 * counts as read: it either finished and was forgotten, or it is past the stream's retention
 * (Kinesis no longer lists it, and nothing in it can be read).
 *
 * <p>Bounded state: finished shards are forgotten once Kinesis no longer lists them ({@link
 * #forgetFinishedExcept}), so the checkpointed state follows the stream's shards, not its history.
 */
final class SplitTracker {
    /** Owner of a split not handed out. */
    static final int UNASSIGNED = -1;

    private final Map<String, ShardSplit> unfinished = new LinkedHashMap<>();
    private final Map<String, Integer> owners = new HashMap<>();
    private final Set<String> finished = new HashSet<>();
    /** Who read a finished shard (this run only, not checkpointed): a tie-break for its children. */
    private final Map<String, Integer> readBy = new HashMap<>();

    /** Adds the shards never seen before; returns them. */
    List<ShardSplit> addDiscovered(Collection<ShardSplit> listed) {
        List<ShardSplit> added = new ArrayList<>();
        for (ShardSplit split : listed) {
            if (!unfinished.containsKey(split.splitId()) && !finished.contains(split.splitId())) {
                unfinished.put(split.splitId(), split);
                added.add(split);
            }
        }
        return added;
    }

    /** Restores a split as checkpointed, with its owner ({@link #UNASSIGNED} if none). */
    void restore(ShardSplit split, int owner) {
        unfinished.put(split.splitId(), split);
        if (owner != UNASSIGNED) {
            owners.put(split.splitId(), owner);
        }
    }

    void restoreFinished(String shardId) {
        finished.add(shardId);
    }

    void markFinished(Collection<String> shardIds) {
        for (String id : shardIds) {
            unfinished.remove(id);
            Integer owner = owners.remove(id);
            if (owner != null) {
                readBy.put(id, owner);
            }
            finished.add(id);
        }
    }

    void markAssigned(String shardId, int subtask) {
        owners.put(shardId, subtask);
    }

    /** A split handed back by a failed reader: to be handed out again. */
    void unassign(String shardId) {
        owners.remove(shardId);
    }

    /** Forgets finished shards that Kinesis no longer lists (past retention, or deleted). */
    void forgetFinishedExcept(Set<String> listed) {
        finished.retainAll(listed);
        readBy.keySet().retainAll(listed);
    }

    /** Splits not handed out whose parents have all been read to their end, in discovery order. */
    List<ShardSplit> assignable() {
        List<ShardSplit> ready = new ArrayList<>();
        for (ShardSplit split : unfinished.values()) {
            if (!owners.containsKey(split.splitId()) && parentsFinished(split)) {
                ready.add(split);
            }
        }
        return ready;
    }

    private boolean parentsFinished(ShardSplit split) {
        for (String parent : split.parentShardIds()) {
            if (unfinished.containsKey(parent)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The subtask with the fewest unfinished shards (closed shards read to their end do not
     * count); on a tie, the one that read a parent (its records of the same keys came from
     * there), then the lowest index.
     */
    int chooseSubtask(ShardSplit split, Collection<Integer> subtasks) {
        Map<Integer, Integer> load = new HashMap<>();
        for (int subtask : subtasks) {
            load.put(subtask, 0);
        }
        owners.values().forEach(owner -> load.computeIfPresent(owner, (k, n) -> n + 1));
        Set<Integer> parentSubtasks = new HashSet<>();
        for (String parent : split.parentShardIds()) {
            Integer owner = readBy.get(parent);
            if (owner != null) {
                parentSubtasks.add(owner);
            }
        }
        int best = UNASSIGNED;
        for (int subtask : new java.util.TreeSet<>(subtasks)) {
            if (best == UNASSIGNED || load.get(subtask) < load.get(best)
                    || (load.get(subtask).equals(load.get(best))
                    && parentSubtasks.contains(subtask) && !parentSubtasks.contains(best))) {
                best = subtask;
            }
        }
        return best;
    }

    boolean hasUnfinished() {
        return !unfinished.isEmpty();
    }

    Collection<ShardSplit> unfinishedSplits() {
        return unfinished.values();
    }

    int ownerOf(String shardId) {
        return owners.getOrDefault(shardId, UNASSIGNED);
    }

    Set<String> finishedShards() {
        return finished;
    }
}
