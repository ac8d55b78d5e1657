package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.table.data.RowData;

import java.util.ArrayList;
import java.util.List;

/** What a reader or a watermark generator does to its output, in order. */
final class RecordingOutput implements ReaderOutput<RowData> {
    final List<String> events = new ArrayList<>();

    @Override
    public void collect(RowData record) {
        events.add("record");
    }

    @Override
    public void collect(RowData record, long timestamp) {
        events.add("record");
    }

    @Override
    public void emitWatermark(Watermark watermark) {
        events.add("wm " + watermark.getTimestamp());
    }

    @Override
    public void markIdle() {
        events.add("idle");
    }

    @Override
    public void markActive() {
        events.add("active");
    }

    @Override
    public SourceOutput<RowData> createOutputForSplit(String splitId) {
        return this;
    }

    @Override
    public void releaseOutputForSplit(String splitId) {}
}
