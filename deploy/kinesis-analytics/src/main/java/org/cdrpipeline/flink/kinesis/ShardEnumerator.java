package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Discovers shards and hands each to one reader (shard id hash modulo parallelism, so a shard
 * stays with the same reader across restarts). Shards found after the first discovery (after
 * a reshard) are read from TRIM_HORIZON: they are new, so nothing in them was read before.
 *
 * <p>Bounded mode lists the shards once and tells each reader there will be no more; each
 * reader then finishes its shards when it has caught up with their end as of that moment.
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, EnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardEnumerator.class);

    private final SplitEnumeratorContext<ShardSplit> context;
    private final KinesisSourceConfig config;
    private final Set<String> knownShards;
    private final Map<Integer, List<ShardSplit>> pending = new HashMap<>();
    private final boolean restored;
    private KinesisClient client;
    private boolean discoveredOnce;

    ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, KinesisSourceConfig config, EnumeratorState state) {
        this.context = context;
        this.config = config;
        this.restored = state != null;
        this.knownShards = state == null ? new HashSet<>() : new HashSet<>(state.knownShards());
        if (state != null) {
            state.unassigned().forEach(this::addPending);
        }
    }

    @Override
    public void start() {
        client = config.newClient();
        if (config.bounded()) {
            context.callAsync(this::listShards, this::onShardsListed);
        } else {
            context.callAsync(this::listShards, this::onShardsListed, 0, config.discoveryIntervalMillis());
        }
    }

    private List<String> listShards() {
        List<String> shards = new ArrayList<>();
        String token = null;
        do {
            ListShardsRequest.Builder request = ListShardsRequest.builder();
            if (token == null) {
                request.streamARN(config.streamArn());
            } else {
                request.nextToken(token);
            }
            ListShardsResponse response = client.listShards(request.build());
            for (Shard shard : response.shards()) {
                shards.add(shard.shardId());
            }
            token = response.nextToken();
        } while (token != null);
        return shards;
    }

    private void onShardsListed(List<String> shards, Throwable error) {
        if (error != null) {
            if (!discoveredOnce) {
                throw new IllegalStateException("Cannot list the shards of " + config.streamArn(), error);
            }
            LOG.warn("Shard discovery failed; retrying at the next interval", error);
            return;
        }
        for (String shardId : shards) {
            if (knownShards.add(shardId)) {
                StartPosition start = discoveredOnce || restored
                        ? StartPosition.trimHorizon()
                        : config.initialPosition();
                addPending(new ShardSplit(shardId, start));
                LOG.info("Discovered shard {} of {}, starting at {}", shardId, config.streamArn(), start);
            }
        }
        discoveredOnce = true;
        context.registeredReaders().keySet().forEach(this::assignPending);
    }

    private void addPending(ShardSplit split) {
        int owner = Math.floorMod(split.splitId().hashCode(), context.currentParallelism());
        pending.computeIfAbsent(owner, k -> new ArrayList<>()).add(split);
    }

    private void assignPending(int subtask) {
        List<ShardSplit> splits = pending.remove(subtask);
        if (splits != null) {
            splits.forEach(split -> context.assignSplit(split, subtask));
        }
        if (config.bounded() && discoveredOnce) {
            context.signalNoMoreSplits(subtask);
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Splits are pushed on discovery; readers never need to ask.
    }

    @Override
    public void addSplitsBack(List<ShardSplit> splits, int subtaskId) {
        splits.forEach(this::addPending);
        if (context.registeredReaders().containsKey(subtaskId)) {
            assignPending(subtaskId);
        }
    }

    @Override
    public void addReader(int subtaskId) {
        assignPending(subtaskId);
    }

    @Override
    public EnumeratorState snapshotState(long checkpointId) {
        List<ShardSplit> unassigned = new ArrayList<>();
        pending.values().forEach(unassigned::addAll);
        return new EnumeratorState(new HashSet<>(knownShards), unassigned);
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
