package org.cdrpipeline.flink.aws;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The AWS client options shared by our connectors. Names follow Apache flink-connector-aws so
 * that DDL written for it works unchanged here (and the other way round).
 *
 * <p>Credentials default to the SDK's default chain (the MSF application role in production,
 * environment variables locally), so no secret ever has to appear in SQL.
 */
public final class AwsClientOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final ConfigOption<String> REGION =
            ConfigOptions.key("aws.region").stringType().noDefaultValue()
                    .withDescription("AWS region of the stream or table.");
    public static final ConfigOption<String> ENDPOINT =
            ConfigOptions.key("aws.endpoint").stringType().noDefaultValue()
                    .withDescription("Endpoint override, e.g. a local emulator.");
    public static final ConfigOption<String> CREDENTIALS_PROVIDER =
            ConfigOptions.key("aws.credentials.provider").stringType().defaultValue("AUTO")
                    .withDescription("AUTO (default chain) or BASIC.");
    public static final ConfigOption<String> ACCESS_KEY_ID =
            ConfigOptions.key("aws.credentials.basic.accesskeyid").stringType().noDefaultValue();
    public static final ConfigOption<String> SECRET_KEY =
            ConfigOptions.key("aws.credentials.basic.secretkey").stringType().noDefaultValue();
    public static final ConfigOption<Boolean> TRUST_ALL_CERTIFICATES =
            ConfigOptions.key("aws.trust.all.certificates").booleanType().defaultValue(false);

    /** Options every connector accepts in addition to its own. */
    public static final List<ConfigOption<?>> ALL =
            Arrays.asList(ENDPOINT, CREDENTIALS_PROVIDER, ACCESS_KEY_ID, SECRET_KEY, TRUST_ALL_CERTIFICATES);

    private final String region;
    private final String endpoint;
    private final String credentialsProvider;
    private final String accessKeyId;
    private final String secretKey;
    private final boolean trustAllCertificates;

    private AwsClientOptions(ReadableConfig config) {
        this.region = config.get(REGION);
        this.endpoint = config.getOptional(ENDPOINT).orElse(null);
        this.credentialsProvider = config.get(CREDENTIALS_PROVIDER).toUpperCase();
        this.accessKeyId = config.getOptional(ACCESS_KEY_ID).orElse(null);
        this.secretKey = config.getOptional(SECRET_KEY).orElse(null);
        this.trustAllCertificates = config.get(TRUST_ALL_CERTIFICATES);
    }

    /** Reads and validates the options; errors name the option at fault. */
    public static AwsClientOptions from(ReadableConfig config) {
        AwsClientOptions options = new AwsClientOptions(config);
        if (options.region == null || options.region.isEmpty()) {
            throw new IllegalArgumentException("Option 'aws.region' is required.");
        }
        if (!Set.of("AUTO", "BASIC").contains(options.credentialsProvider)) {
            throw new IllegalArgumentException(
                    "Option 'aws.credentials.provider' must be AUTO or BASIC, got '"
                            + options.credentialsProvider + "'.");
        }
        if ("BASIC".equals(options.credentialsProvider)
                && (options.accessKeyId == null || options.secretKey == null)) {
            throw new IllegalArgumentException(
                    "'aws.credentials.provider' = 'BASIC' needs 'aws.credentials.basic.accesskeyid'"
                            + " and 'aws.credentials.basic.secretkey'.");
        }
        return options;
    }

    /** Applies region, endpoint, credentials and a bounded HTTP client to an SDK builder. */
    public <B extends AwsClientBuilder<B, C>, C> C build(B builder) {
        builder.region(Region.of(region)).credentialsProvider(credentials());
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        ApacheHttpClient.Builder http = ApacheHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(30))
                .maxConnections(16);
        if (trustAllCertificates) {
            http.tlsTrustManagersProvider(TrustAllCertificates::managers);
        }
        if (builder instanceof software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder) {
            @SuppressWarnings("unchecked")
            software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?> sync =
                    (software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?>) builder;
            sync.httpClientBuilder(http);
        }
        return builder.build();
    }

    private AwsCredentialsProvider credentials() {
        if ("BASIC".equals(credentialsProvider)) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretKey));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
