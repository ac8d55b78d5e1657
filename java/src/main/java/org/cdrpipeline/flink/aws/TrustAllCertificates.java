package org.cdrpipeline.flink.aws;

import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import java.security.cert.X509Certificate;

/** For emulators with self-signed certificates only ('aws.trust.all.certificates'). */
final class TrustAllCertificates implements X509TrustManager {
    static TrustManager[] managers() {
        return new TrustManager[] {new TrustAllCertificates()};
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
