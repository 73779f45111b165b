package io.vfleet.assignment.application;

import io.vfleet.assignment.domain.DeviceSelector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What an orchestrator asks for, checked: named devices on a node, or a selector placed on the given
 * node or anywhere. Made from a {@link Form} by {@link #of}, which names every field at fault.
 */
public record AssignRequest(String tenant, String node, List<String> devices, DeviceSelector selector, boolean withKvm) {

    /**
     * An assign request as an edge read it, nothing checked yet: absent fields null, numbers as given
     * (wider than the fields they go to, so that an out-of-range value is refused, not truncated).
     */
    public record Form(String tenant, String node, List<String> devices, SelectorForm selector, Boolean withKvm) {}

    /** Which devices, by PCI identity (16-bit vendor and device ids, a 24-bit class code), and how many. */
    public record SelectorForm(Long vendorId, Long deviceId, Long classCode, Long count) {}

    public AssignRequest {
        Objects.requireNonNull(tenant, "tenant");
        devices = List.copyOf(devices);
    }

    /** The request the form describes, or {@link InvalidRequest} naming every field at fault. */
    public static AssignRequest of(Form form) {
        RequestFields fields = new RequestFields();
        AssignRequest request = read(form, fields);
        fields.requireValid();
        return request;
    }

    /** Checks the form into {@code fields}; the request when nothing was at fault, else null. */
    static AssignRequest read(Form form, RequestFields fields) {
        String tenant = fields.name("tenant", form.tenant(), true);
        String node = fields.name("node", form.node(), false);
        List<String> devices = fields.bdfs("devices", form.devices());
        DeviceSelector selector = form.selector() == null ? null : selector(form.selector(), fields);
        if (devices.isEmpty() == (form.selector() == null)) {
            fields.fault("devices", "give either devices or selector, not both and not neither");
        }
        if (!devices.isEmpty() && form.node() == null) {
            fields.fault("node", "is required when devices are named");
        }
        if (!fields.valid()) {
            return null;
        }
        return new AssignRequest(tenant, node, devices, selector, Boolean.TRUE.equals(form.withKvm()));
    }

    private static DeviceSelector selector(SelectorForm form, RequestFields fields) {
        Integer vendorId = fields.pciId("selector.vendorId", form.vendorId(), 16);
        Integer deviceId = fields.pciId("selector.deviceId", form.deviceId(), 16);
        Integer classCode = fields.pciId("selector.classCode", form.classCode(), 24);
        Long count = fields.range("selector.count", form.count(), 1, RequestFields.MAX_DEVICES, true);
        if (!fields.valid()) {
            return null;
        }
        return new DeviceSelector(vendorId, deviceId, classCode, count.intValue());
    }

    /** A stable digest of the request, to recognise a repeat under the same Idempotency-Key. */
    String fingerprint() {
        String canonical = String.join("\u0000", tenant, String.valueOf(node), String.join(",", devices),
                String.valueOf(selector), Boolean.toString(withKvm));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException missing) {
            throw new AssertionError("every JDK provides SHA-256", missing);
        }
    }
}
