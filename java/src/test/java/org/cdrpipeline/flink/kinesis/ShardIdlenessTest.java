package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardIdlenessTest {
    private long now = 1_000_000;
    private final ShardActivity shard = new ShardActivity(() -> now);

    @Test
    void aShardWithRecordsWaitingToBeEmittedIsNeverIdle() {
        shard.polled(500, false); // a backlog fetched
        shard.polled(0, true); // then caught up, the 500 still queued behind another shard's
        now += 60_000;
        assertFalse(shard.idleFor(30_000), "500 fetched records are not emitted yet");
        for (int i = 0; i < 499; i++) {
            shard.emitted();
        }
        assertFalse(shard.idleFor(30_000));
        shard.emitted();
        assertFalse(shard.idleFor(30_000), "the last record was emitted just now");
        now += 30_000;
        assertTrue(shard.idleFor(30_000));
    }

    @Test
    void onlyCaughtUpCounts_behindOrFailingIsNotIdle() {
        shard.polled(0, false); // empty, but Kinesis says records are ahead
        now += 60_000;
        assertFalse(shard.idleFor(30_000));
        shard.polled(0, true);
        now += 29_999;
        assertFalse(shard.idleFor(30_000));
        now += 1;
        assertTrue(shard.idleFor(30_000));
        shard.pollFailed(); // throttled: unknown whether records wait
        now += 60_000;
        assertFalse(shard.idleFor(30_000));
        shard.polled(0, true);
        now += 30_000;
        assertTrue(shard.idleFor(30_000));
        shard.polled(3, false); // records again: active at once
        assertFalse(shard.idleFor(30_000));
    }

    @Test
    void aGeneratorFollowsTheShardOfItsFirstRecord_andBeforeThatEveryShardWithoutRecordsYet() {
        ShardActivities shards = ShardActivities.forThisTask(() -> now);
        ShardActivity backlogged = shards.add("shard-a");
        ShardActivity quiet = shards.add("shard-b");
        WatermarkStrategy<Long> table = WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofSeconds(60));
        ShardIdleness<Long> strategy = new ShardIdleness<>(table, 30_000);
        WatermarkGenerator<Long> forA = strategy.createWatermarkGenerator(null);
        WatermarkGenerator<Long> forB = strategy.createWatermarkGenerator(null);
        RecordingOutput outA = new RecordingOutput();
        RecordingOutput outB = new RecordingOutput();

        quiet.polled(0, true); // caught up at once
        backlogged.polled(2, false); // its backlog fetched, not emitted yet
        now += 60_000;
        forB.onPeriodicEmit(outB);
        assertEquals(List.of("wm " + Long.MIN_VALUE), outB.events,
                "not idle while shard-a, which no generator has seen either, has a backlog");

        shards.emitting(backlogged);
        forA.onEvent(1L, 200_000L, outA); // forA now follows shard-a
        backlogged.emitted();
        forA.onPeriodicEmit(outA);
        assertEquals(List.of("wm 139999"), outA.events); // 200 s - 60 s - 1 ms
        forB.onPeriodicEmit(outB);
        assertEquals("idle", outB.events.get(outB.events.size() - 1), "only the quiet shard is left unclaimed");

        backlogged.polled(0, true);
        forA.onPeriodicEmit(outA);
        assertEquals("wm 139999", outA.events.get(outA.events.size() - 1), "one record still to emit");
        backlogged.emitted();
        now += 30_000;
        forA.onPeriodicEmit(outA);
        assertEquals("idle", outA.events.get(outA.events.size() - 1));
    }

    @Test
    void aReaderWithoutShardsIsIdleOnlyAfterTheTimeout() {
        ShardActivities shards = ShardActivities.forThisTask(() -> now);
        WatermarkGenerator<Long> main = new ShardIdleness<>(
                WatermarkStrategy.<Long>forBoundedOutOfOrderness(Duration.ofSeconds(60)), 30_000)
                .createWatermarkGenerator(null);
        RecordingOutput out = new RecordingOutput();
        now += 29_999; // its first assignment still to come: idle now, its first records would be late
        main.onPeriodicEmit(out);
        assertEquals(List.of("wm " + Long.MIN_VALUE), out.events);
        now += 1; // none assigned for the timeout (more readers than shards)
        main.onPeriodicEmit(out);
        assertEquals("idle", out.events.get(out.events.size() - 1));

        ShardActivity only = shards.add("shard-a");
        only.polled(1, false);
        main.onPeriodicEmit(out);
        assertEquals("wm " + Long.MIN_VALUE, out.events.get(out.events.size() - 1), "a shard with a backlog");
        shards.remove("shard-a"); // finished (closed, read to its end)
        now += 29_999;
        assertFalse(shards.unclaimedIdleFor(30_000));
        now += 1;
        assertTrue(shards.unclaimedIdleFor(30_000));
    }

    @Test
    void anOutputMarkedIdleIsActiveAgainBeforeItsNextRecord() {
        ShardActivities shards = ShardActivities.forThisTask(() -> now);
        RecordingOutput reader = new RecordingOutput();
        shards.readerOutput(reader);
        WatermarkGenerator<Long> main = new ShardIdleness<>(
                WatermarkStrategy.<Long>forBoundedOutOfOrderness(Duration.ofSeconds(60)), 30_000)
                .createWatermarkGenerator(null);
        now += 30_000; // no shard for the timeout: the reader's output is idle
        main.onPeriodicEmit(reader);
        ShardActivity first = shards.add("shard-a"); // assigned late: its first records come now
        first.polled(1, false);
        main.onPeriodicEmit(reader); // its watermark is no newer than before: the output stays idle
        shards.emitting(first);
        shards.emitting(first);
        assertEquals(List.of("idle", "wm " + Long.MIN_VALUE, "active"), reader.events,
                "active once, before the first record, not idle while its records flow");
    }
}
