package io.vfleet.api;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether clients and servers built from a published set of protos still talk to ones built from the
 * current protos: the breaking-change rules of {@code buf breaking}'s WIRE category, plus the rules on
 * services and methods that a gRPC caller depends on (a method found at its path, with the request and
 * response types and the streaming it was published with).
 *
 * <p>Messages, enums and services are matched by full name and fields and enum values by number, as the
 * wire matches them; names of fields and values are free to change (the binary encoding does not carry
 * them). Whatever is new in the current set is compatible. A message or enum that is gone is not itself
 * a break: what referred to it is, through the field or method that changed its type.
 */
final class WireCompatibility {

    /** One incompatible change: the rule it breaks, named as {@code buf} names it, and where. */
    record Break(String rule, String where, String detail) {
        @Override
        public String toString() {
            return where + ": " + detail + " [" + rule + "]";
        }
    }

    private final List<Break> breaks = new ArrayList<>();

    private WireCompatibility() {
    }

    /** Every change from {@code published} to {@code current} that an old peer would notice on the wire. */
    static List<Break> breaks(FileDescriptorSet published, FileDescriptorSet current) {
        WireCompatibility check = new WireCompatibility();
        Definitions before = Definitions.of(published);
        Definitions after = Definitions.of(current);
        before.messages.forEach((name, message) -> {
            DescriptorProto now = after.messages.get(name);
            if (now != null) {
                check.message(name, message, now);
            }
        });
        before.enums.forEach((name, enumeration) -> {
            EnumDescriptorProto now = after.enums.get(name);
            if (now != null) {
                check.enumeration(name, enumeration, now);
            }
        });
        before.services.forEach((name, service) -> check.service(name, service, after.services.get(name)));
        return List.copyOf(check.breaks);
    }

    private void message(String name, DescriptorProto before, DescriptorProto after) {
        Map<Integer, FieldDescriptorProto> fieldsAfter = new LinkedHashMap<>();
        after.getFieldList().forEach(field -> fieldsAfter.put(field.getNumber(), field));
        for (FieldDescriptorProto field : before.getFieldList()) {
            String where = name + " field " + field.getNumber() + " (" + field.getName() + ")";
            FieldDescriptorProto now = fieldsAfter.get(field.getNumber());
            if (now == null) {
                if (!reserves(after, field.getNumber())) {
                    add("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", where,
                            "deleted without reserving its number; an old peer still sends and expects it");
                }
                continue;
            }
            if (!sameWireType(field, now)) {
                add("FIELD_WIRE_COMPATIBLE_TYPE", where, "type changed from " + typeName(field) + " to " + typeName(now));
            }
            if (repeated(field) != repeated(now) || required(field) != required(now)) {
                add("FIELD_WIRE_COMPATIBLE_CARDINALITY", where,
                        "cardinality changed from " + cardinality(field) + " to " + cardinality(now));
            }
            String oneofBefore = oneof(before, field);
            String oneofAfter = oneof(after, now);
            if (!Objects.equals(oneofBefore, oneofAfter)) {
                add("FIELD_SAME_ONEOF", where, "moved from " + describeOneof(oneofBefore) + " to " + describeOneof(oneofAfter));
            }
        }
    }

    private void enumeration(String name, EnumDescriptorProto before, EnumDescriptorProto after) {
        for (EnumValueDescriptorProto value : before.getValueList()) {
            boolean kept = after.getValueList().stream().anyMatch(now -> now.getNumber() == value.getNumber());
            boolean reserved = after.getReservedRangeList().stream()
                    .anyMatch(range -> range.getStart() <= value.getNumber() && value.getNumber() <= range.getEnd());
            if (!kept && !reserved) {
                add("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", name + " value " + value.getNumber() + " (" + value.getName() + ")",
                        "deleted without reserving its number; an old peer still sends it");
            }
        }
    }

    private void service(String name, ServiceDescriptorProto before, ServiceDescriptorProto after) {
        if (after == null) {
            add("SERVICE_NO_DELETE", name, "deleted; every call an old client makes to it fails with UNIMPLEMENTED");
            return;
        }
        Map<String, MethodDescriptorProto> methodsAfter = new LinkedHashMap<>();
        after.getMethodList().forEach(method -> methodsAfter.put(method.getName(), method));
        for (MethodDescriptorProto method : before.getMethodList()) {
            String where = name + "/" + method.getName();
            MethodDescriptorProto now = methodsAfter.get(method.getName());
            if (now == null) {
                add("RPC_NO_DELETE", where, "deleted; an old client's call fails with UNIMPLEMENTED");
                continue;
            }
            if (!method.getInputType().equals(now.getInputType())) {
                add("RPC_SAME_REQUEST_TYPE", where, "request type changed from " + method.getInputType() + " to " + now.getInputType());
            }
            if (!method.getOutputType().equals(now.getOutputType())) {
                add("RPC_SAME_RESPONSE_TYPE", where, "response type changed from " + method.getOutputType() + " to " + now.getOutputType());
            }
            if (method.getClientStreaming() != now.getClientStreaming()) {
                add("RPC_SAME_CLIENT_STREAMING", where, "client streaming changed to " + now.getClientStreaming());
            }
            if (method.getServerStreaming() != now.getServerStreaming()) {
                add("RPC_SAME_SERVER_STREAMING", where, "server streaming changed to " + now.getServerStreaming());
            }
        }
    }

    private void add(String rule, String where, String detail) {
        breaks.add(new Break(rule, where, detail));
    }

    private static boolean reserves(DescriptorProto message, int number) {
        // Message reserved ranges are end-exclusive, unlike enum ones.
        return message.getReservedRangeList().stream().anyMatch(range -> range.getStart() <= number && number < range.getEnd());
    }

    /**
     * Whether a value written as one type reads as the other. Varints read as any varint type of the same
     * encoding (the number may be truncated, which the protobuf guide accepts as compatible); zigzag and
     * fixed-width types only within their own width-free group; length-delimited strings and bytes read
     * as each other. A message, group or enum field keeps its type by name.
     */
    private static boolean sameWireType(FieldDescriptorProto before, FieldDescriptorProto after) {
        if (before.getType() == after.getType()) {
            return !named(before.getType()) || before.getTypeName().equals(after.getTypeName());
        }
        String group = compatibilityGroup(before.getType());
        return group != null && group.equals(compatibilityGroup(after.getType()));
    }

    private static String compatibilityGroup(FieldDescriptorProto.Type type) {
        return switch (type) {
            case TYPE_INT32, TYPE_UINT32, TYPE_INT64, TYPE_UINT64, TYPE_BOOL -> "varint";
            case TYPE_SINT32, TYPE_SINT64 -> "zigzag";
            case TYPE_FIXED32, TYPE_SFIXED32 -> "fixed32";
            case TYPE_FIXED64, TYPE_SFIXED64 -> "fixed64";
            case TYPE_STRING, TYPE_BYTES -> "length-delimited";
            case TYPE_FLOAT, TYPE_DOUBLE, TYPE_MESSAGE, TYPE_GROUP, TYPE_ENUM -> null;
        };
    }

    private static boolean named(FieldDescriptorProto.Type type) {
        return type == FieldDescriptorProto.Type.TYPE_MESSAGE || type == FieldDescriptorProto.Type.TYPE_GROUP
                || type == FieldDescriptorProto.Type.TYPE_ENUM;
    }

    private static String typeName(FieldDescriptorProto field) {
        String type = field.getType().name().substring("TYPE_".length()).toLowerCase(java.util.Locale.ROOT);
        return named(field.getType()) ? type + " " + field.getTypeName() : type;
    }

    private static boolean repeated(FieldDescriptorProto field) {
        return field.getLabel() == Label.LABEL_REPEATED;
    }

    private static boolean required(FieldDescriptorProto field) {
        return field.getLabel() == Label.LABEL_REQUIRED;
    }

    private static String cardinality(FieldDescriptorProto field) {
        return repeated(field) ? "repeated" : required(field) ? "required" : "singular";
    }

    /** The real oneof a field belongs to, or null; proto3 {@code optional} fields sit in a synthetic one, which is not. */
    private static String oneof(DescriptorProto message, FieldDescriptorProto field) {
        if (!field.hasOneofIndex() || field.getProto3Optional()) {
            return null;
        }
        return message.getOneofDecl(field.getOneofIndex()).getName();
    }

    private static String describeOneof(String oneof) {
        return oneof == null ? "no oneof" : "oneof " + oneof;
    }

    /** Every message, enum and service of a descriptor set by full name, nested ones included. */
    private record Definitions(Map<String, DescriptorProto> messages, Map<String, EnumDescriptorProto> enums,
                               Map<String, ServiceDescriptorProto> services) {
        static Definitions of(FileDescriptorSet set) {
            Definitions definitions = new Definitions(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
            for (FileDescriptorProto file : set.getFileList()) {
                String scope = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
                file.getMessageTypeList().forEach(message -> definitions.addMessage(scope, message));
                file.getEnumTypeList().forEach(enumeration -> definitions.enums.put(scope + enumeration.getName(), enumeration));
                file.getServiceList().forEach(service -> definitions.services.put(scope + service.getName(), service));
            }
            return definitions;
        }

        private void addMessage(String scope, DescriptorProto message) {
            String name = scope + message.getName();
            messages.put(name, message);
            message.getNestedTypeList().forEach(nested -> addMessage(name + ".", nested));
            message.getEnumTypeList().forEach(enumeration -> enums.put(name + "." + enumeration.getName(), enumeration));
        }
    }
}
