package io.vfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.TextFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker on crafted pairs of descriptor sets: each rule breaks on its change, and additions pass. */
class WireCompatibilityTest {

    /** A service with one unary and one streaming method, a message with a oneof and an optional field, an enum. */
    private static final String PUBLISHED = """
            file {
              name: "t/v1/t.proto" package: "t.v1" syntax: "proto3"
              message_type {
                name: "GetRequest"
                field { name: "id" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT64 }
                field { name: "tags" number: 2 label: LABEL_REPEATED type: TYPE_STRING }
                field { name: "color" number: 3 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".t.v1.Color" }
                field { name: "by_name" number: 4 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
                field { name: "by_bdf" number: 5 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
                field { name: "limit" number: 6 label: LABEL_OPTIONAL type: TYPE_UINT32 oneof_index: 1 proto3_optional: true }
                field { name: "inner" number: 7 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".t.v1.GetRequest.Inner" }
                nested_type { name: "Inner" field { name: "value" number: 1 label: LABEL_OPTIONAL type: TYPE_SINT32 } }
                oneof_decl { name: "key" }
                oneof_decl { name: "_limit" }
              }
              message_type { name: "GetResponse" field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING } }
              enum_type {
                name: "Color"
                value { name: "COLOR_UNSPECIFIED" number: 0 }
                value { name: "COLOR_RED" number: 1 }
              }
              service {
                name: "Things"
                method { name: "Get" input_type: ".t.v1.GetRequest" output_type: ".t.v1.GetResponse" }
                method { name: "Watch" input_type: ".t.v1.GetRequest" output_type: ".t.v1.GetResponse" server_streaming: true }
              }
            }
            """;

    @Test
    void theSameSetIsCompatible() {
        assertThat(breaks(PUBLISHED)).isEmpty();
    }

    @Test
    void additionsAreCompatible() {
        String current = PUBLISHED
                .replace("""
                        field { name: "inner" number: 7""", """
                        field { name: "since" number: 8 label: LABEL_OPTIONAL type: TYPE_INT64 }
                            field { name: "inner" number: 7""")
                .replace("""
                        value { name: "COLOR_RED" number: 1 }""", """
                        value { name: "COLOR_RED" number: 1 }
                            value { name: "COLOR_BLUE" number: 2 }""")
                .replace("""
                        server_streaming: true }""", """
                        server_streaming: true }
                            method { name: "List" input_type: ".t.v1.GetRequest" output_type: ".t.v1.GetResponse" }""")
                .replace("""
                        service {""", """
                        message_type { name: "Extra" }
                          service { name: "Other" }
                          service {""");
        assertThat(current).isNotEqualTo(PUBLISHED);
        assertThat(breaks(current)).isEmpty();
    }

    @Test
    void renamingAFieldOrValueIsCompatibleOnTheWire() {
        String current = PUBLISHED.replace("name: \"tags\"", "name: \"labels\"").replace("COLOR_RED", "COLOR_CRIMSON");
        assertThat(breaks(current)).isEmpty();
    }

    @Test
    void aDeletedFieldBreaks() {
        String current = PUBLISHED.replace("""
                field { name: "tags" number: 2 label: LABEL_REPEATED type: TYPE_STRING }""", "");
        assertThat(rules(current)).containsExactly("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");
        assertThat(breaks(current).getFirst().where()).isEqualTo("t.v1.GetRequest field 2 (tags)");
    }

    @Test
    void aDeletedFieldWhoseNumberIsReservedIsCompatible() {
        String current = PUBLISHED.replace("""
                field { name: "tags" number: 2 label: LABEL_REPEATED type: TYPE_STRING }""", """
                reserved_range { start: 2 end: 3 }""");
        assertThat(breaks(current)).isEmpty();
    }

    @Test
    void aRenumberedFieldBreaks() {
        String current = PUBLISHED.replace("name: \"tags\" number: 2", "name: \"tags\" number: 9");
        assertThat(rules(current)).containsExactly("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");
    }

    @Test
    void aChangedFieldTypeBreaks() {
        assertThat(rules(PUBLISHED.replace("name: \"id\" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT64",
                "name: \"id\" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING"))).containsExactly("FIELD_WIRE_COMPATIBLE_TYPE");
        assertThat(rules(PUBLISHED.replace("type: TYPE_SINT32", "type: TYPE_INT32"))).containsExactly("FIELD_WIRE_COMPATIBLE_TYPE");
        assertThat(rules(PUBLISHED.replace("type_name: \".t.v1.GetRequest.Inner\"", "type_name: \".t.v1.GetResponse\"")))
                .containsExactly("FIELD_WIRE_COMPATIBLE_TYPE");
        assertThat(rules(PUBLISHED.replace("type_name: \".t.v1.Color\"", "type_name: \".t.v1.Shade\"")))
                .containsExactly("FIELD_WIRE_COMPATIBLE_TYPE");
    }

    @Test
    void aTypeChangeWithinOneEncodingIsCompatible() {
        assertThat(breaks(PUBLISHED.replace("name: \"id\" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT64",
                "name: \"id\" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64"))).isEmpty();
        assertThat(breaks(PUBLISHED.replace("name: \"tags\" number: 2 label: LABEL_REPEATED type: TYPE_STRING",
                "name: \"tags\" number: 2 label: LABEL_REPEATED type: TYPE_BYTES"))).isEmpty();
    }

    @Test
    void aChangedLabelBreaks() {
        String current = PUBLISHED.replace("name: \"tags\" number: 2 label: LABEL_REPEATED", "name: \"tags\" number: 2 label: LABEL_OPTIONAL");
        assertThat(rules(current)).containsExactly("FIELD_WIRE_COMPATIBLE_CARDINALITY");
    }

    @Test
    void makingAFieldExplicitlyOptionalIsCompatible() {
        String current = PUBLISHED.replace("name: \"id\" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT64",
                "name: \"id\" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT64 oneof_index: 2 proto3_optional: true")
                .replace("oneof_decl { name: \"_limit\" }", "oneof_decl { name: \"_limit\" } oneof_decl { name: \"_id\" }");
        assertThat(breaks(current)).isEmpty();
    }

    @Test
    void aFieldMovedOutOfItsOneofBreaks() {
        String current = PUBLISHED.replace("type: TYPE_STRING oneof_index: 0 }\n    field { name: \"by_bdf\"",
                "type: TYPE_STRING }\n    field { name: \"by_bdf\"");
        assertThat(rules(current)).containsExactly("FIELD_SAME_ONEOF");
    }

    @Test
    void aDeletedEnumValueBreaksUnlessItsNumberIsReserved() {
        String deleted = PUBLISHED.replace("value { name: \"COLOR_RED\" number: 1 }", "");
        assertThat(rules(deleted)).containsExactly("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED");
        String reserved = PUBLISHED.replace("value { name: \"COLOR_RED\" number: 1 }", "reserved_range { start: 1 end: 1 }");
        assertThat(breaks(reserved)).isEmpty();
    }

    @Test
    void aDeletedServiceBreaks() {
        String current = PUBLISHED.substring(0, PUBLISHED.indexOf("  service {")) + "}\n";
        assertThat(rules(current)).containsExactly("SERVICE_NO_DELETE");
    }

    @Test
    void aDeletedMethodBreaks() {
        String current = PUBLISHED.replace("""
                method { name: "Get" input_type: ".t.v1.GetRequest" output_type: ".t.v1.GetResponse" }""", "");
        assertThat(rules(current)).containsExactly("RPC_NO_DELETE");
        assertThat(breaks(current).getFirst().where()).isEqualTo("t.v1.Things/Get");
    }

    @Test
    void changedRequestOrResponseTypesBreak() {
        String request = PUBLISHED.replace("""
                name: "Get" input_type: ".t.v1.GetRequest\"""", """
                name: "Get" input_type: ".t.v1.GetResponse\"""");
        assertThat(rules(request)).containsExactly("RPC_SAME_REQUEST_TYPE");
        String response = PUBLISHED.replace("""
                output_type: ".t.v1.GetResponse" }""", """
                output_type: ".t.v1.GetRequest" }""");
        assertThat(rules(response)).containsExactly("RPC_SAME_RESPONSE_TYPE");
    }

    @Test
    void changedStreamingBreaks() {
        assertThat(rules(PUBLISHED.replace("server_streaming: true", "server_streaming: false"))).containsExactly("RPC_SAME_SERVER_STREAMING");
        assertThat(rules(PUBLISHED.replace("server_streaming: true", "server_streaming: true client_streaming: true")))
                .containsExactly("RPC_SAME_CLIENT_STREAMING");
    }

    private static List<WireCompatibility.Break> breaks(String current) {
        return WireCompatibility.breaks(parse(PUBLISHED), parse(current));
    }

    private static List<String> rules(String current) {
        return breaks(current).stream().map(WireCompatibility.Break::rule).toList();
    }

    private static FileDescriptorSet parse(String text) {
        try {
            return TextFormat.parse(text, FileDescriptorSet.class);
        } catch (TextFormat.ParseException e) {
            throw new AssertionError("a crafted descriptor set does not parse: " + e.getMessage() + "\n" + text, e);
        }
    }
}
