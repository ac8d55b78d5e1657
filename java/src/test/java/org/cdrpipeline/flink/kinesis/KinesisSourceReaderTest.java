package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KinesisSourceReaderTest {

    @Test
    void aBoundedReadEndsWithItsOutputActive_soItsEndOfInputWatermarkIsNotDropped() throws Exception {
        KinesisSourceConfig config = new KinesisSourceConfig(null, "arn:aws:kinesis:us-east-1:000000000000:stream/s",
                InitialPosition.trimHorizon(), 1_000, 100, 100, true);
        try (KinesisSourceReader reader = KinesisSourceReader.create(config, new NoFormat(), List.of(), new Context())) {
            reader.start();
            RecordingOutput output = new RecordingOutput();
            output.markIdle(); // a generator marked it idle: no shard for the idle timeout
            reader.notifyNoMoreSplits();
            assertEquals(InputStatus.END_OF_INPUT, reader.pollNext(output));
            assertEquals(List.of("idle", "active"), output.events);
        }
    }

    private static final class NoFormat implements DeserializationSchema<RowData> {
        @Override
        public RowData deserialize(byte[] message) {
            throw new UnsupportedOperationException("no records in this test");
        }

        @Override
        public boolean isEndOfStream(RowData nextElement) {
            return false;
        }

        @Override
        public TypeInformation<RowData> getProducedType() {
            throw new UnsupportedOperationException();
        }
    }

    private static final class Context implements SourceReaderContext {
        @Override
        public SourceReaderMetricGroup metricGroup() {
            return UnregisteredMetricsGroup.createSourceReaderMetricGroup();
        }

        @Override
        public Configuration getConfiguration() {
            return new Configuration();
        }

        @Override
        public String getLocalHostName() {
            return "localhost";
        }

        @Override
        public int getIndexOfSubtask() {
            return 0;
        }

        @Override
        public void sendSplitRequest() {}

        @Override
        public void sendSourceEventToCoordinator(SourceEvent sourceEvent) {}

        @Override
        public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
        }
    }
}
