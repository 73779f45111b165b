package io.vfleet.rest;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code vfleet.rest.max-body-size}: the largest request body a service reads, 16 KB unless the
 * service says otherwise; a larger one is refused with 413 before it is read.
 */
@ConfigurationProperties("vfleet.rest")
public record RestEdgeProperties(DataSize maxBodySize) {

    public static final DataSize DEFAULT_MAX_BODY_SIZE = DataSize.ofKilobytes(16);

    public RestEdgeProperties {
        maxBodySize = maxBodySize == null ? DEFAULT_MAX_BODY_SIZE : maxBodySize;
        if (maxBodySize.isNegative()) {
            throw new IllegalStateException("vfleet.rest.max-body-size must not be negative, was " + maxBodySize);
        }
    }
}
