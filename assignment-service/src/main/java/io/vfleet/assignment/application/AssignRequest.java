package io.vfleet.assignment.application;

import io.vfleet.assignment.domain.DeviceSelector;
import java.util.List;

/**
 * What an orchestrator asks for: named devices on a node, or a selector placed on the given node or
 * anywhere.
 */
public record AssignRequest(String tenant, String node, List<String> devices, DeviceSelector selector, boolean withKvm) {

    public AssignRequest {
        devices = devices == null ? List.of() : List.copyOf(devices);
        if (tenant == null || tenant.isBlank()) {
            throw new InvalidRequest("tenant", "is required");
        }
        if (devices.isEmpty() == (selector == null)) {
            throw new InvalidRequest("devices", "give either devices or selector, not both and not neither");
        }
        if (!devices.isEmpty() && node == null) {
            throw new InvalidRequest("node", "is required when devices are named");
        }
        if (devices.stream().distinct().count() != devices.size()) {
            throw new InvalidRequest("devices", "names a device twice");
        }
    }

    /** A stable digest of the request, to recognise a repeat under the same Idempotency-Key. */
    String fingerprint() {
        String canonical = String.join("\u0000", tenant, String.valueOf(node), String.join(",", devices),
                String.valueOf(selector), Boolean.toString(withKvm));
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException missing) {
            throw new AssertionError("every JDK provides SHA-256", missing);
        }
    }
}
