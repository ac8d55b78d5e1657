package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.cdrpipeline.flink.aws.AwsClientOptions;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryResponse;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The enumerator against a fake Kinesis and a coordinator that runs its calls when told to. */
class ShardEnumeratorTest {
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/cdr-events";

    /** ListShards answers with {@link #shards}, or throws {@link #failure} once. */
    private static final class FakeKinesis implements KinesisClient {
        List<Shard> shards;
        RuntimeException failure;
        int listings;

        FakeKinesis(Shard... shards) {
            this.shards = List.of(shards);
        }

        @Override
        public ListShardsResponse listShards(ListShardsRequest request) {
            listings++;
            if (failure != null) {
                RuntimeException thrown = failure;
                failure = null;
                throw thrown;
            }
            return ListShardsResponse.builder().shards(shards).build();
        }

        @Override
        public DescribeStreamSummaryResponse describeStreamSummary(DescribeStreamSummaryRequest request) {
            return DescribeStreamSummaryResponse.builder()
                    .streamDescriptionSummary(s -> s.streamARN(ARN).retentionPeriodHours(24)).build();
        }

        @Override
        public String serviceName() {
            return "kinesis";
        }

        @Override
        public void close() {
        }
    }

    /** Two readers; async calls wait in a list until {@link #runPending()}. */
    private static final class FakeCoordinator implements SplitEnumeratorContext<ShardSplit> {
        private final Map<Integer, ReaderInfo> readers = new HashMap<>();
        private final List<Runnable> pending = new ArrayList<>();
        private Runnable periodic;
        final Map<Integer, List<ShardSplit>> assigned = new HashMap<>();
        final Set<Integer> toldNoMoreSplits = new HashSet<>();

        FakeCoordinator() {
            readers.put(0, new ReaderInfo(0, "localhost"));
            readers.put(1, new ReaderInfo(1, "localhost"));
        }

        /** The periodic discovery once, then whatever it queued. */
        void discover() {
            periodic.run();
            runPending();
        }

        void runPending() {
            while (!pending.isEmpty()) {
                pending.remove(0).run();
            }
        }

        List<String> assignedTo(int subtask) {
            return assigned.getOrDefault(subtask, List.of()).stream().map(ShardSplit::splitId).toList();
        }

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            pending.add(() -> call(callable, handler));
        }

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long delay, long period) {
            periodic = () -> call(callable, handler);
        }

        private static <T> void call(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            T result;
            try {
                result = callable.call();
            } catch (Exception e) {
                handler.accept(null, e);
                return;
            }
            handler.accept(result, null);
        }

        @Override
        public void assignSplits(SplitsAssignment<ShardSplit> assignment) {
            assignment.assignment().forEach((subtask, splits) ->
                    assigned.computeIfAbsent(subtask, k -> new ArrayList<>()).addAll(splits));
        }

        @Override
        public void signalNoMoreSplits(int subtask) {
            toldNoMoreSplits.add(subtask);
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return readers;
        }

        @Override
        public int currentParallelism() {
            return readers.size();
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            pending.add(runnable);
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendEventToSourceReader(int subtask, SourceEvent event) {
            throw new UnsupportedOperationException();
        }
    }

    private static KinesisSourceConfig config(String position, boolean bounded) {
        AwsClientOptions aws = AwsClientOptions.from(Configuration.fromMap(Map.of("aws.region", "eu-west-1")));
        return new KinesisSourceConfig(aws, ARN, InitialPosition.parse(position, null, null), 10_000, 200, 10_000,
                bounded);
    }

    /** An enumerator on `coordinator` reading `kinesis`, started (its discovery waits to be run). */
    private static ShardEnumerator started(FakeCoordinator coordinator, FakeKinesis kinesis, String position,
                                           boolean bounded, EnumeratorState state) {
        ShardEnumerator enumerator = new ShardEnumerator(coordinator, config(position, bounded), state, () -> kinesis);
        enumerator.start();
        return enumerator;
    }

    private static Shard shard(String id, String parent, String adjacentParent) {
        return Shard.builder().shardId(id).parentShardId(parent).adjacentParentShardId(adjacentParent)
                .hashKeyRange(r -> r.startingHashKey("0").endingHashKey("1"))
                .sequenceNumberRange(r -> r.startingSequenceNumber("1")).build();
    }

    private static EnumeratorState throughCheckpoint(EnumeratorState state) throws Exception {
        KinesisSerializers.EnumeratorStateSerializer serializer = new KinesisSerializers.EnumeratorStateSerializer();
        return serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
    }

    @Test
    void latestIsWhenTheJobFirstStartedEvenAfterARestoreFromBeforeTheFirstListing() throws Exception {
        FakeKinesis kinesis = new FakeKinesis(shard("shardId-0", null, null));
        ShardEnumerator first = started(new FakeCoordinator(), kinesis, "LATEST", false, null);
        // A checkpoint before the first ListShards came back: no split in it.
        EnumeratorState checkpoint = throughCheckpoint(first.snapshotState(1));
        assertTrue(checkpoint.unfinished().isEmpty());
        Thread.sleep(20);
        Instant restoredAt = Instant.now();

        FakeCoordinator second = new FakeCoordinator();
        started(second, kinesis, "LATEST", false, checkpoint);
        second.discover();

        StartPosition start = second.assigned.values().iterator().next().get(0).start();
        assertEquals(StartPosition.atTimestamp(Instant.ofEpochMilli(checkpoint.firstStartMillis())), start);
        assertTrue(Instant.ofEpochMilli(checkpoint.firstStartMillis()).isBefore(restoredAt),
                "from the first start, not the restore: records put while the job was down are read");
    }

    @Test
    void childrenOfASplitAndAMergeAreHandedOutOnlyOnceEveryParentIsFinished() {
        // 0 split into 2 and 3; then 3 merged with 1 into 4.
        FakeKinesis kinesis = new FakeKinesis(shard("shardId-0", null, null), shard("shardId-1", null, null),
                shard("shardId-2", "shardId-0", null), shard("shardId-3", "shardId-0", null),
                shard("shardId-4", "shardId-3", "shardId-1"));
        FakeCoordinator coordinator = new FakeCoordinator();
        ShardEnumerator enumerator = started(coordinator, kinesis, "TRIM_HORIZON", false, null);
        coordinator.discover();
        assertEquals(Set.of("shardId-0", "shardId-1"), assignedIds(coordinator));

        enumerator.handleSourceEvent(0, new SplitsFinishedEvent(Set.of("shardId-0")));
        assertEquals(Set.of("shardId-0", "shardId-1", "shardId-2", "shardId-3"), assignedIds(coordinator));
        enumerator.handleSourceEvent(0, new SplitsFinishedEvent(Set.of("shardId-3")));
        assertFalse(assignedIds(coordinator).contains("shardId-4"), "4 still waits for its adjacent parent 1");
        enumerator.handleSourceEvent(1, new SplitsFinishedEvent(Set.of("shardId-1")));
        assertTrue(assignedIds(coordinator).contains("shardId-4"));
        // The open shards spread evenly: 2 and 4 open, one on each reader.
        int readerOf2 = coordinator.assignedTo(0).contains("shardId-2") ? 0 : 1;
        assertTrue(coordinator.assignedTo(1 - readerOf2).contains("shardId-4"));
        coordinator.assigned.values().forEach(splits -> splits.forEach(split ->
                assertEquals(StartPosition.trimHorizon(), split.start(), split.splitId())));
    }

    @Test
    void aThrottledListingWaitsForTheNextDiscoveryAndAMissingStreamFailsNamingIt() {
        FakeKinesis kinesis = new FakeKinesis(shard("shardId-0", null, null));
        FakeCoordinator coordinator = new FakeCoordinator();
        started(coordinator, kinesis, "TRIM_HORIZON", false, null);
        kinesis.failure = awsError("LimitExceededException", 400);
        coordinator.discover(); // logged, no failure, nothing handed out
        assertTrue(coordinator.assigned.isEmpty());
        coordinator.discover();
        assertEquals(Set.of("shardId-0"), assignedIds(coordinator));

        kinesis.failure = awsError("ResourceNotFoundException", 400);
        IllegalStateException failure = assertThrows(IllegalStateException.class, coordinator::discover);
        assertTrue(failure.getMessage().contains(ARN) && failure.getMessage().contains("ResourceNotFoundException"),
                failure.getMessage());
    }

    @Test
    void aBoundedReadEndsWhenEveryShardIsFinishedAndALastListingFindsNoChild() {
        FakeKinesis kinesis = new FakeKinesis(shard("shardId-0", null, null));
        FakeCoordinator coordinator = new FakeCoordinator();
        ShardEnumerator enumerator = started(coordinator, kinesis, "TRIM_HORIZON", true, null);
        coordinator.discover();
        ShardSplit split = coordinator.assigned.values().iterator().next().get(0);
        assertTrue(split.stopAtMillis() != ShardSplit.NO_STOP, "a bounded split ends at the job's start");

        // The shard closed meanwhile: its child appears in the last listing and is read too.
        kinesis.shards = List.of(shard("shardId-0", null, null), shard("shardId-1", "shardId-0", null));
        enumerator.handleSourceEvent(0, new SplitsFinishedEvent(Set.of("shardId-0")));
        coordinator.runPending();
        assertTrue(assignedIds(coordinator).contains("shardId-1"));
        assertTrue(coordinator.toldNoMoreSplits.isEmpty());

        int listings = kinesis.listings;
        enumerator.handleSourceEvent(1, new SplitsFinishedEvent(Set.of("shardId-1")));
        coordinator.runPending();
        assertEquals(listings + 1, kinesis.listings, "one last listing");
        assertEquals(Set.of(0, 1), coordinator.toldNoMoreSplits);
    }

    private static Set<String> assignedIds(FakeCoordinator coordinator) {
        Set<String> ids = new HashSet<>();
        coordinator.assigned.values().forEach(splits -> splits.forEach(split -> ids.add(split.splitId())));
        return ids;
    }

    private static KinesisException awsError(String code, int status) {
        return (KinesisException) KinesisException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
    }
}
