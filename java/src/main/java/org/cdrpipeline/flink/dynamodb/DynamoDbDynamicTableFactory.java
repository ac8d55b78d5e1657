package org.cdrpipeline.flink.dynamodb;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.TimeUtils;

import org.cdrpipeline.flink.aws.AwsClientOptions;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code 'connector' = 'dynamodb'}: an upsert sink keyed by the table's PRIMARY KEY (which must
 * be the DynamoDB table's hash and range key). Option names follow Apache flink-connector-aws.
 */
public final class DynamoDbDynamicTableFactory implements DynamicTableSinkFactory {
    public static final String IDENTIFIER = "dynamodb";

    static final ConfigOption<String> TABLE_NAME =
            ConfigOptions.key("table-name").stringType().noDefaultValue();
    static final ConfigOption<Integer> BATCH_SIZE =
            ConfigOptions.key("sink.batch.max-size").intType().defaultValue(25)
                    .withDescription("Items per BatchWriteItem call, 1 to 25.");
    static final ConfigOption<String> FLUSH_TIMEOUT =
            ConfigOptions.key("sink.flush-buffer.timeout").stringType().defaultValue("1000")
                    .withDescription("Longest time an item waits in the buffer: milliseconds, as the official"
                            + " connector reads it, or a duration ('1 s').");
    static final ConfigOption<Integer> MAX_IN_FLIGHT =
            ConfigOptions.key("sink.requests.max-inflight").intType().defaultValue(4)
                    .withDescription("BatchWriteItem requests in flight per subtask.");
    static final ConfigOption<Integer> MAX_BUFFERED =
            ConfigOptions.key("sink.requests.max-buffered").intType().defaultValue(10_000)
                    .withDescription("Items buffered per subtask before writes wait (backpressure).");
    static final ConfigOption<Long> FLUSH_BUFFER_SIZE =
            ConfigOptions.key("sink.flush-buffer.size").longType().defaultValue(5L * 1024 * 1024)
                    .withDescription("Buffered bytes that send a batch before it is full.");
    static final ConfigOption<Boolean> FAIL_ON_ERROR =
            ConfigOptions.key("sink.fail-on-error").booleanType().defaultValue(false)
                    .withDescription("Fail the job on any failed request instead of retrying transient ones.");
    static final ConfigOption<Boolean> IGNORE_NULLS =
            ConfigOptions.key("sink.ignore-nulls").booleanType().defaultValue(true)
                    .withDescription("Leave NULL columns out of the item (true) or write them as NULL.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(TABLE_NAME, AwsClientOptions.REGION);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new HashSet<>(AwsClientOptions.ALL);
        options.addAll(Set.of(BATCH_SIZE, FLUSH_TIMEOUT, MAX_IN_FLIGHT, MAX_BUFFERED, FLUSH_BUFFER_SIZE,
                FAIL_ON_ERROR, IGNORE_NULLS));
        return options;
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();
        List<String> key = schema.getPrimaryKey().map(UniqueConstraint::getColumns).orElseThrow(() ->
                new IllegalArgumentException("DynamoDB sink table '" + context.getObjectIdentifier()
                        + "' needs PRIMARY KEY (...) NOT ENFORCED naming the DynamoDB key attributes."));
        int batchSize = options.get(BATCH_SIZE);
        if (batchSize < 1 || batchSize > 25) {
            throw new IllegalArgumentException("'sink.batch.max-size' must be 1 to 25, got " + batchSize + ".");
        }
        int maxInFlight = options.get(MAX_IN_FLIGHT);
        int maxBuffered = options.get(MAX_BUFFERED);
        if (maxInFlight < 1 || maxBuffered < batchSize) {
            throw new IllegalArgumentException("'sink.requests.max-inflight' must be at least 1 and"
                    + " 'sink.requests.max-buffered' at least 'sink.batch.max-size', got " + maxInFlight + " and "
                    + maxBuffered + ".");
        }
        RowType rowType = (RowType) schema.toPhysicalRowDataType().getLogicalType();
        DynamoDbSinkConfig config = new DynamoDbSinkConfig(
                AwsClientOptions.from(options), options.get(TABLE_NAME),
                new ItemConverter(rowType, key, options.get(IGNORE_NULLS)), batchSize, maxInFlight, maxBuffered,
                options.get(FLUSH_BUFFER_SIZE), flushTimeoutMillis(options.get(FLUSH_TIMEOUT)),
                options.get(FAIL_ON_ERROR));
        return new TableSink(config);
    }

    /** Plain milliseconds (the official connector's long) or a Flink duration such as "1 s". */
    static long flushTimeoutMillis(String value) {
        String text = value.trim();
        try {
            return text.matches("\\d+") ? Long.parseLong(text) : TimeUtils.parseDuration(text).toMillis();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'sink.flush-buffer.timeout' must be milliseconds or a duration"
                    + " such as '1 s', got '" + value + "'.", e);
        }
    }

    private static final class TableSink implements DynamicTableSink {
        private final DynamoDbSinkConfig config;

        TableSink(DynamoDbSinkConfig config) {
            this.config = config;
        }

        @Override
        public ChangelogMode getChangelogMode(ChangelogMode requested) {
            return ChangelogMode.newBuilder()
                    .addContainedKind(RowKind.INSERT)
                    .addContainedKind(RowKind.UPDATE_AFTER)
                    .addContainedKind(RowKind.DELETE)
                    .build();
        }

        @Override
        public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
            return SinkV2Provider.of(new DynamoDbSink(config));
        }

        @Override
        public DynamicTableSink copy() {
            return new TableSink(config);
        }

        @Override
        public String asSummaryString() {
            return "DynamoDB(" + config.tableName() + ")";
        }
    }

    /** The Sink V2 wrapper; one writer per parallel subtask. */
    static final class DynamoDbSink implements Sink<RowData> {
        private static final long serialVersionUID = 1L;
        private final DynamoDbSinkConfig config;

        DynamoDbSink(DynamoDbSinkConfig config) {
            this.config = config;
        }

        @Override
        public SinkWriter<RowData> createWriter(WriterInitContext context) {
            return new DynamoDbWriter(config, context.getProcessingTimeService(), context.metricGroup());
        }
    }
}
