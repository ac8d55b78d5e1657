package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;

import org.cdrpipeline.flink.aws.AwsErrors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Discovers shards (every {@code source.shard.discovery.interval}) and hands each to a reader
 * once its parents have been read to their end ({@link SplitTracker}), to the reader with the
 * fewest open shards.
 *
 * <p>Start positions are resolved here, once, when a shard is first seen, and travel in the
 * split: the shards of the first discovery start at {@code source.init.position} (LATEST being
 * the moment the job first started, kept in the enumerator's state from its first checkpoint),
 * every shard found later (a reshard's children) at TRIM_HORIZON.
 *
 * <p>Bounded mode reads the records that arrived before the job's first discovery: each split
 * carries that moment, readers finish a shard at the first record after it (or when caught
 * up), children of shards that close meanwhile are read too, and once no shard is left and a
 * discovery finds no new one, the readers are told there will be no more.
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, EnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardEnumerator.class);

    private final SplitEnumeratorContext<ShardSplit> context;
    private final KinesisSourceConfig config;
    private final SplitTracker tracker = new SplitTracker();
    private boolean discovered;
    private long stopAtMillis;
    /**
     * When the job first started (its enumerator without state): what LATEST means. Kept in every
     * checkpoint from the first, so a job stopped before its first discovery was checkpointed
     * still reads what was put since it started, not since its restore.
     */
    private final long firstStartMillis;
    private boolean noMoreSplits;
    private final Supplier<KinesisClient> clients;
    private KinesisClient client;

    ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, KinesisSourceConfig config, EnumeratorState state) {
        this(context, config, state, config::newClient);
    }

    /** With the client from {@code clients} (a fake Kinesis in the enumerator's tests). */
    ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, KinesisSourceConfig config, EnumeratorState state,
                    Supplier<KinesisClient> clients) {
        this.context = context;
        this.config = config;
        this.clients = clients;
        this.stopAtMillis = ShardSplit.NO_STOP;
        long firstStart = System.currentTimeMillis();
        if (state != null) {
            state.unfinished().forEach(tracker::restore);
            state.finished().forEach(tracker::restoreFinished);
            discovered = state.discovered();
            stopAtMillis = state.stopAtMillis();
            if (state.firstStartMillis() != EnumeratorState.FIRST_START_UNKNOWN) {
                firstStart = state.firstStartMillis();
            }
        }
        this.firstStartMillis = firstStart;
    }

    @Override
    public void start() {
        client = clients.get();
        context.callAsync(this::discover, this::onDiscovered, 0, config.discoveryIntervalMillis());
    }

    /** Runs off the coordinator thread: reads Kinesis, touches no state. */
    private Discovery discover() {
        Instant now = Instant.now();
        Duration retention = !discovered && config.initialPosition().needsRetention()
                ? Duration.ofHours(client.describeStreamSummary(r -> r.streamARN(config.streamArn()))
                        .streamDescriptionSummary().retentionPeriodHours())
                : null;
        List<Shard> shards = new ArrayList<>();
        String token = null;
        do {
            ListShardsRequest.Builder request = ListShardsRequest.builder();
            if (token == null) {
                request.streamARN(config.streamArn());
            } else {
                request.nextToken(token);
            }
            ListShardsResponse response = client.listShards(request.build());
            shards.addAll(response.shards());
            token = response.nextToken();
        } while (token != null);
        return new Discovery(now, retention, shards);
    }

    private static final class Discovery {
        final Instant at;
        final Duration retention;
        final List<Shard> shards;

        Discovery(Instant at, Duration retention, List<Shard> shards) {
            this.at = at;
            this.retention = retention;
            this.shards = shards;
        }
    }

    private void onDiscovered(Discovery discovery, Throwable error) {
        if (error != null) {
            if (AwsErrors.isTransient(error)) {
                LOG.warn("Listing the shards of {} failed ({}); retrying at the next discovery",
                        config.streamArn(), AwsErrors.describe(error));
                return;
            }
            throw new IllegalStateException("Cannot list the shards of Kinesis stream " + config.streamArn()
                    + ": " + AwsErrors.describe(error), error);
        }
        boolean first = !discovered;
        if (config.bounded() && stopAtMillis == ShardSplit.NO_STOP) { // also a bounded run restored from an unbounded one
            stopAtMillis = discovery.at.toEpochMilli();
        }
        StartPosition start = first
                ? config.initialPosition().resolve(Instant.ofEpochMilli(firstStartMillis), discovery.retention)
                : StartPosition.trimHorizon();
        boolean wasDone = discovered && !tracker.hasUnfinished();
        List<ShardSplit> listed = new ArrayList<>();
        Set<String> listedIds = new HashSet<>();
        for (Shard shard : discovery.shards) {
            List<String> parents = new ArrayList<>();
            if (shard.parentShardId() != null) {
                parents.add(shard.parentShardId());
            }
            if (shard.adjacentParentShardId() != null) {
                parents.add(shard.adjacentParentShardId());
            }
            listed.add(new ShardSplit(shard.shardId(), start, parents,
                    shard.hashKeyRange() == null ? null : shard.hashKeyRange().startingHashKey(),
                    shard.hashKeyRange() == null ? null : shard.hashKeyRange().endingHashKey(),
                    config.bounded() ? stopAtMillis : ShardSplit.NO_STOP, false));
            listedIds.add(shard.shardId());
        }
        for (ShardSplit added : tracker.addDiscovered(listed)) {
            LOG.info("Discovered shard {} of {}, starting at {}", added, config.streamArn(), added.start());
        }
        tracker.forgetFinishedExcept(listedIds);
        discovered = true;
        if (config.bounded() && wasDone && !tracker.hasUnfinished()) {
            signalNoMoreSplits();
        }
        assignSplits();
    }

    /**
     * Every assignable shard at once, in one assignment per reader: Flink then creates their
     * outputs (and watermark generators) together, before any of them emits, so a shard given
     * a moment later cannot find event time already moved on by another's backlog.
     */
    private void assignSplits() {
        if (context.registeredReaders().size() < context.currentParallelism()) {
            return; // wait for every reader, so that shards spread evenly
        }
        Set<Integer> readers = context.registeredReaders().keySet();
        Map<Integer, List<ShardSplit>> assignment = new HashMap<>();
        for (ShardSplit split : tracker.assignable()) {
            int subtask = tracker.chooseSubtask(split, readers);
            tracker.markAssigned(split.splitId(), subtask);
            LOG.info("Assigning shard {} of {} to subtask {}", split.splitId(), config.streamArn(), subtask);
            assignment.computeIfAbsent(subtask, k -> new ArrayList<>()).add(split);
        }
        if (!assignment.isEmpty()) {
            context.assignSplits(new SplitsAssignment<>(assignment));
        }
    }

    private void signalNoMoreSplits() {
        noMoreSplits = true;
        LOG.info("Every shard of {} has been read up to the bounded end; no more splits", config.streamArn());
        context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof SplitsFinishedEvent) {
            tracker.markFinished(((SplitsFinishedEvent) event).shardIds());
            if (config.bounded() && !tracker.hasUnfinished()) {
                // A last look for children of shards that closed while they were read.
                context.callAsync(this::discover, this::onDiscovered);
            }
            assignSplits();
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Splits are pushed on discovery; readers never need to ask.
    }

    @Override
    public void addSplitsBack(List<ShardSplit> splits, int subtaskId) {
        // Splits handed out since the last checkpoint, back from a failed reader: again, from
        // the position they were handed out with.
        for (ShardSplit split : splits) {
            tracker.unassign(split.splitId());
        }
        assignSplits();
    }

    @Override
    public void addReader(int subtaskId) {
        assignSplits();
        if (noMoreSplits) {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    @Override
    public EnumeratorState snapshotState(long checkpointId) {
        Map<ShardSplit, Integer> unfinished = new LinkedHashMap<>();
        for (ShardSplit split : tracker.unfinishedSplits()) {
            unfinished.put(split, tracker.ownerOf(split.splitId()));
        }
        return new EnumeratorState(unfinished, new HashSet<>(tracker.finishedShards()), discovered, stopAtMillis,
                firstStartMillis);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
