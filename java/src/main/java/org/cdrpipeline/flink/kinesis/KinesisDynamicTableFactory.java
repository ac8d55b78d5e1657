package org.cdrpipeline.flink.kinesis;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.source.DataStreamScanProvider;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.connector.source.abilities.SupportsWatermarkPushDown;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;

import org.cdrpipeline.flink.aws.AwsClientOptions;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code 'connector' = 'kinesis'}: the option names and meanings of Apache flink-connector-aws
 * 6.0's Kinesis Streams table source (polling reader), plus two extensions: {@code
 * source.bounded} (read every shard up to its end as of job start, then finish: for replays and
 * tests) and METADATA columns 'shard-id', 'sequence-number' and 'arrival-time' (so that a
 * dead letter names its exact place in the stream).
 */
public final class KinesisDynamicTableFactory implements DynamicTableSourceFactory {
    public static final String IDENTIFIER = "kinesis";

    static final ConfigOption<String> STREAM_ARN =
            ConfigOptions.key("stream.arn").stringType().noDefaultValue();
    /** The region, account and name are read from it (requests, metric groups). */
    static final Pattern STREAM_ARN_FORM = Pattern.compile("arn:[\\w-]+:kinesis:[\\w-]+:\\d+:stream/[\\w.-]+");
    static final ConfigOption<String> INIT_POSITION =
            ConfigOptions.key("source.init.position").stringType().defaultValue("LATEST")
                    .withDescription("LATEST, TRIM_HORIZON or AT_TIMESTAMP.");
    static final ConfigOption<String> INIT_TIMESTAMP =
            ConfigOptions.key("source.init.timestamp").stringType().noDefaultValue()
                    .withDescription("For AT_TIMESTAMP: in 'source.init.timestamp.format', ISO-8601 with an"
                            + " offset, or epoch seconds.");
    static final ConfigOption<String> INIT_TIMESTAMP_FORMAT =
            ConfigOptions.key("source.init.timestamp.format").stringType()
                    .defaultValue(InitialPosition.DEFAULT_TIMESTAMP_FORMAT);
    static final ConfigOption<Duration> DISCOVERY_INTERVAL =
            ConfigOptions.key("source.shard.discovery.interval").durationType()
                    .defaultValue(Duration.ofSeconds(10));
    static final ConfigOption<String> READER_TYPE =
            ConfigOptions.key("source.reader.type").stringType().defaultValue("POLLING");
    static final ConfigOption<Duration> IDLE_POLL_INTERVAL =
            ConfigOptions.key("source.reader.empty-records-fetch-interval").durationType()
                    .defaultValue(Duration.ofMillis(250))
                    .withFallbackKeys("source.reader.idle-poll.interval");
    static final ConfigOption<Integer> MAX_RECORDS =
            ConfigOptions.key("source.shard.get-records.max-record-count").intType().defaultValue(10_000)
                    .withFallbackKeys("source.reader.max-records");
    static final ConfigOption<Duration> SHARD_IDLE_TIMEOUT =
            ConfigOptions.key("source.shard.idle-timeout").durationType().defaultValue(Duration.ZERO)
                    .withDescription("A shard caught up (nothing more to read, 0 ms behind) and drained for this"
                            + " long stops holding back event time; 0 = never.");
    static final ConfigOption<Boolean> BOUNDED =
            ConfigOptions.key("source.bounded").booleanType().defaultValue(false);

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(STREAM_ARN, AwsClientOptions.REGION, FactoryUtil.FORMAT);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new HashSet<>(AwsClientOptions.ALL);
        options.addAll(Set.of(INIT_POSITION, INIT_TIMESTAMP, INIT_TIMESTAMP_FORMAT, DISCOVERY_INTERVAL, READER_TYPE,
                IDLE_POLL_INTERVAL, MAX_RECORDS, SHARD_IDLE_TIMEOUT, BOUNDED));
        return options;
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        DecodingFormat<DeserializationSchema<RowData>> format =
                helper.discoverDecodingFormat(DeserializationFormatFactory.class, FactoryUtil.FORMAT);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        if (!"POLLING".equalsIgnoreCase(options.get(READER_TYPE))) {
            throw new IllegalArgumentException(
                    "Only 'source.reader.type' = 'POLLING' is supported, got '" + options.get(READER_TYPE) + "'.");
        }
        String streamArn = options.get(STREAM_ARN);
        if (!STREAM_ARN_FORM.matcher(streamArn).matches()) {
            throw new IllegalArgumentException("'" + STREAM_ARN.key() + "' must be a stream's ARN,"
                    + " arn:<partition>:kinesis:<region>:<account>:stream/<name>; got '" + streamArn + "'.");
        }
        KinesisSourceConfig config = new KinesisSourceConfig(
                AwsClientOptions.from(options),
                streamArn,
                InitialPosition.parse(options.get(INIT_POSITION), options.getOptional(INIT_TIMESTAMP).orElse(null),
                        options.get(INIT_TIMESTAMP_FORMAT)),
                options.get(DISCOVERY_INTERVAL).toMillis(),
                options.get(IDLE_POLL_INTERVAL).toMillis(),
                options.get(MAX_RECORDS),
                options.get(BOUNDED));
        Duration shardIdleTimeout = options.get(SHARD_IDLE_TIMEOUT);
        Duration timeIdleTimeout = context.getConfiguration().get(ExecutionConfigOptions.TABLE_EXEC_SOURCE_IDLE_TIMEOUT);
        if (!shardIdleTimeout.isZero() && !timeIdleTimeout.isZero()) {
            throw new IllegalArgumentException("'" + SHARD_IDLE_TIMEOUT.key() + "' (a shard is idle when caught up)"
                    + " and '" + ExecutionConfigOptions.TABLE_EXEC_SOURCE_IDLE_TIMEOUT.key() + "' (idle after a time"
                    + " without records, even with a backlog) are both set; set one (the first keeps a shard's"
                    + " records from being late behind another shard's backlog).");
        }
        return new Source(config, format,
                context.getCatalogTable().getResolvedSchema().toPhysicalRowDataType(), shardIdleTimeout.toMillis());
    }

    /**
     * Watermarks are generated per shard inside the source (the pushed-down strategy), so a
     * shard read ahead of another never makes the other's records late; a shard is idle only
     * when caught up ({@link ShardIdleness}).
     */
    private static final class Source implements ScanTableSource, SupportsReadingMetadata, SupportsWatermarkPushDown {
        private final KinesisSourceConfig config;
        private final DecodingFormat<DeserializationSchema<RowData>> format;
        private final DataType physicalType;
        private final long shardIdleTimeoutMillis;
        private List<RecordMetadata> metadata = List.of();
        private WatermarkStrategy<RowData> watermarks = WatermarkStrategy.noWatermarks();

        Source(KinesisSourceConfig config, DecodingFormat<DeserializationSchema<RowData>> format,
               DataType physicalType, long shardIdleTimeoutMillis) {
            this.config = config;
            this.format = format;
            this.physicalType = physicalType;
            this.shardIdleTimeoutMillis = shardIdleTimeoutMillis;
        }

        @Override
        public Map<String, DataType> listReadableMetadata() {
            Map<String, DataType> readable = new LinkedHashMap<>();
            for (RecordMetadata m : RecordMetadata.values()) {
                readable.put(m.key, m.type);
            }
            return readable;
        }

        @Override
        public void applyReadableMetadata(List<String> keys, DataType producedDataType) {
            metadata = keys.stream().map(RecordMetadata::of).collect(Collectors.toList());
        }

        @Override
        public ChangelogMode getChangelogMode() {
            return format.getChangelogMode();
        }

        @Override
        public void applyWatermark(WatermarkStrategy<RowData> strategy) {
            watermarks = new ShardIdleness<>(strategy, shardIdleTimeoutMillis);
        }

        @Override
        public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
            KinesisStreamSource source = new KinesisStreamSource(
                    config, format.createRuntimeDecoder(context, physicalType), metadata);
            WatermarkStrategy<RowData> strategy = watermarks;
            return new DataStreamScanProvider() {
                @Override
                public DataStream<RowData> produceDataStream(ProviderContext provider, StreamExecutionEnvironment env) {
                    DataStreamSource<RowData> stream = env.fromSource(source, strategy, asSummaryString());
                    provider.generateUid("kinesis-source").ifPresent(stream::uid);
                    return stream;
                }

                @Override
                public boolean isBounded() {
                    return config.bounded();
                }
            };
        }

        @Override
        public DynamicTableSource copy() {
            Source copy = new Source(config, format, physicalType, shardIdleTimeoutMillis);
            copy.metadata = metadata;
            copy.watermarks = watermarks;
            return copy;
        }

        @Override
        public String asSummaryString() {
            return "Kinesis(" + config.streamArn() + ")";
        }
    }
}
