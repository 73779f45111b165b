package io.vfleet.security.tls;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.util.Optional;

/**
 * How a process speaks gRPC with the rest of the fleet: mutual TLS with its {@link TlsIdentity}, a
 * client checking that the server's certificate names the identity it expects; or, in the local
 * stack's profile and tests only, plaintext. The one place a vfleet process dials another.
 */
public final class FleetTransport {
    private final TlsIdentity identity;

    private FleetTransport(TlsIdentity identity) {
        this.identity = identity;
    }

    public static FleetTransport tls(TlsIdentity identity) {
        return new FleetTransport(identity);
    }

    /** No TLS: allowed only where the application's configuration says so (the local profile). */
    public static FleetTransport plaintext() {
        return new FleetTransport(null);
    }

    public Optional<TlsIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    /** A channel to {@code target} ({@code host:port}) whose server must prove {@code expectedIdentity}. */
    public ManagedChannel dial(String target, String expectedIdentity) {
        return Grpc.newChannelBuilder(target, channelCredentials(expectedIdentity)).build();
    }

    public ChannelCredentials channelCredentials(String expectedIdentity) {
        if (identity == null) {
            return InsecureChannelCredentials.create();
        }
        return TlsChannelCredentials.newBuilder()
                .keyManager(identity.keyManager())
                .trustManager(identity.serverVerifier(expectedIdentity))
                .build();
    }

    /**
     * A server presenting this identity; {@code clientAuthentication} says whether clients must present a
     * certificate chaining to the authorities (any they present is checked).
     */
    public ServerCredentials serverCredentials(TlsServerCredentials.ClientAuth clientAuthentication) {
        if (identity == null) {
            return InsecureServerCredentials.create();
        }
        return TlsServerCredentials.newBuilder()
                .keyManager(identity.keyManager())
                .trustManager(identity.clientVerifier())
                .clientAuth(clientAuthentication)
                .build();
    }
}
