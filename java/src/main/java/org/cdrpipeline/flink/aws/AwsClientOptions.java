package org.cdrpipeline.flink.aws;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;

import java.io.Serializable;
import java.net.URI;
import java.nio.file.Paths;
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
                    .withDescription("AUTO (default chain), BASIC, ASSUME_ROLE, WEB_IDENTITY_TOKEN, PROFILE,"
                            + " ENV_VAR or SYS_PROP.");
    public static final ConfigOption<String> ROLE_ARN =
            ConfigOptions.key("aws.credentials.role.arn").stringType().noDefaultValue()
                    .withDescription("ASSUME_ROLE: the role to assume (e.g. a stream in another account).");
    public static final ConfigOption<String> ROLE_SESSION_NAME =
            ConfigOptions.key("aws.credentials.role.sessionName").stringType().noDefaultValue();
    public static final ConfigOption<String> ROLE_EXTERNAL_ID =
            ConfigOptions.key("aws.credentials.role.externalId").stringType().noDefaultValue();
    public static final ConfigOption<String> ROLE_PROVIDER =
            ConfigOptions.key("aws.credentials.role.provider").stringType().defaultValue("AUTO")
                    .withDescription("Credentials that assume the role: AUTO (the default chain).");
    public static final ConfigOption<String> ROLE_STS_ENDPOINT =
            ConfigOptions.key("aws.credentials.role.stsEndpoint").stringType().noDefaultValue();
    public static final ConfigOption<Long> READ_TIMEOUT =
            ConfigOptions.key("aws.http-client.read-timeout").longType().defaultValue(30_000L)
                    .withDescription("Milliseconds a request waits for bytes before it fails (and is retried).");
    public static final ConfigOption<String> PROFILE_PATH =
            ConfigOptions.key("aws.credentials.profile.path").stringType().noDefaultValue();
    public static final ConfigOption<String> PROFILE_NAME =
            ConfigOptions.key("aws.credentials.profile.name").stringType().noDefaultValue();
    public static final ConfigOption<String> ACCESS_KEY_ID =
            ConfigOptions.key("aws.credentials.basic.accesskeyid").stringType().noDefaultValue();
    public static final ConfigOption<String> SECRET_KEY =
            ConfigOptions.key("aws.credentials.basic.secretkey").stringType().noDefaultValue();
    public static final ConfigOption<Boolean> TRUST_ALL_CERTIFICATES =
            ConfigOptions.key("aws.trust.all.certificates").booleanType().defaultValue(false);

    /** Options every connector accepts in addition to its own. */
    public static final List<ConfigOption<?>> ALL =
            Arrays.asList(ENDPOINT, CREDENTIALS_PROVIDER, ACCESS_KEY_ID, SECRET_KEY, TRUST_ALL_CERTIFICATES,
                    ROLE_ARN, ROLE_SESSION_NAME, ROLE_EXTERNAL_ID, ROLE_PROVIDER, ROLE_STS_ENDPOINT,
                    PROFILE_PATH, PROFILE_NAME, READ_TIMEOUT);
    private static final Set<String> PROVIDERS =
            Set.of("AUTO", "BASIC", "ASSUME_ROLE", "WEB_IDENTITY_TOKEN", "PROFILE", "ENV_VAR", "SYS_PROP");

    private final String region;
    private final String endpoint;
    private final String credentialsProvider;
    private final String accessKeyId;
    private final String secretKey;
    private final boolean trustAllCertificates;
    private final String roleArn;
    private final String roleSessionName;
    private final String roleExternalId;
    private final String roleProvider;
    private final String roleStsEndpoint;
    private final String profilePath;
    private final String profileName;
    private final long readTimeoutMillis;

    private AwsClientOptions(ReadableConfig config) {
        this.region = config.get(REGION);
        this.endpoint = config.getOptional(ENDPOINT).orElse(null);
        this.credentialsProvider = config.get(CREDENTIALS_PROVIDER).toUpperCase();
        this.accessKeyId = config.getOptional(ACCESS_KEY_ID).orElse(null);
        this.secretKey = config.getOptional(SECRET_KEY).orElse(null);
        this.trustAllCertificates = config.get(TRUST_ALL_CERTIFICATES);
        this.roleArn = config.getOptional(ROLE_ARN).orElse(null);
        this.roleSessionName = config.getOptional(ROLE_SESSION_NAME).orElse("flink-cdr-pipeline");
        this.roleExternalId = config.getOptional(ROLE_EXTERNAL_ID).orElse(null);
        this.roleProvider = config.get(ROLE_PROVIDER).toUpperCase();
        this.roleStsEndpoint = config.getOptional(ROLE_STS_ENDPOINT).orElse(null);
        this.profilePath = config.getOptional(PROFILE_PATH).orElse(null);
        this.profileName = config.getOptional(PROFILE_NAME).orElse(null);
        this.readTimeoutMillis = config.get(READ_TIMEOUT);
    }

    /** Reads and validates the options; errors name the option at fault. */
    public static AwsClientOptions from(ReadableConfig config) {
        AwsClientOptions options = new AwsClientOptions(config);
        if (options.region == null || options.region.isEmpty()) {
            throw new IllegalArgumentException("Option 'aws.region' is required.");
        }
        if (!PROVIDERS.contains(options.credentialsProvider)) {
            throw new IllegalArgumentException(
                    "Option 'aws.credentials.provider' must be one of " + new java.util.TreeSet<>(PROVIDERS)
                            + ", got '" + options.credentialsProvider + "'.");
        }
        if ("ASSUME_ROLE".equals(options.credentialsProvider)) {
            if (options.roleArn == null) {
                throw new IllegalArgumentException(
                        "'aws.credentials.provider' = 'ASSUME_ROLE' needs 'aws.credentials.role.arn'.");
            }
            if (!"AUTO".equals(options.roleProvider)) {
                throw new IllegalArgumentException("'aws.credentials.role.provider' must be AUTO (the default"
                        + " chain assumes the role), got '" + options.roleProvider + "'.");
            }
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
                .socketTimeout(Duration.ofMillis(readTimeoutMillis))
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
        switch (credentialsProvider) {
            case "BASIC":
                return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretKey));
            case "ASSUME_ROLE":
                return assumeRole();
            case "WEB_IDENTITY_TOKEN":
                return WebIdentityTokenFileCredentialsProvider.create();
            case "PROFILE":
                ProfileCredentialsProvider.Builder profile = ProfileCredentialsProvider.builder();
                if (profileName != null) {
                    profile.profileName(profileName);
                }
                if (profilePath != null) {
                    profile.profileFile(ProfileFile.builder().content(Paths.get(profilePath))
                            .type(ProfileFile.Type.CREDENTIALS).build());
                }
                return profile.build();
            case "ENV_VAR":
                return EnvironmentVariableCredentialsProvider.create();
            case "SYS_PROP":
                return SystemPropertyCredentialsProvider.create();
            default:
                return DefaultCredentialsProvider.builder().build();
        }
    }

    /** Credentials of a role (a stream or table in another account), renewed before they expire. */
    private AwsCredentialsProvider assumeRole() {
        StsClientBuilder sts = StsClient.builder().region(Region.of(region))
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (roleStsEndpoint != null) {
            sts.endpointOverride(URI.create(roleStsEndpoint));
        }
        AssumeRoleRequest.Builder request = AssumeRoleRequest.builder().roleArn(roleArn).roleSessionName(roleSessionName);
        if (roleExternalId != null) {
            request.externalId(roleExternalId);
        }
        return StsAssumeRoleCredentialsProvider.builder().stsClient(sts.build()).refreshRequest(request.build())
                .asyncCredentialUpdateEnabled(true).build();
    }
}
