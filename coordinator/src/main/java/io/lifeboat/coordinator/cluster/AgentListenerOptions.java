package io.lifeboat.coordinator.cluster;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/** Builds the agent listener's server options (address, and TLS with optional required client certificates). */
public final class AgentListenerOptions {

    private AgentListenerOptions() {
    }

    /** The options of the agent listener that {@code config} describes. */
    public static NetServerOptions of(CoordinatorConfig config) {
        NetServerOptions options = new NetServerOptions().setHost(config.listenHost()).setPort(config.listenPort())
                .setTcpNoDelay(true);
        config.agentTls().ifPresent(tls -> {
            options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString())
                    .setKeyPath(tls.key().toString()));
            tls.trust().ifPresent(trust -> options.setTrustOptions(new PemTrustOptions()
                    .addCertPath(trust.toString())));
            options.setClientAuth(tls.clientAuthRequired() ? ClientAuth.REQUIRED : ClientAuth.NONE);
        });
        return options;
    }
}
