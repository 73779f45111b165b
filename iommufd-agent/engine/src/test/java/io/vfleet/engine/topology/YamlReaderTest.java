package io.vfleet.engine.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.topology.YamlNode.Mapping;
import io.vfleet.engine.topology.YamlNode.Scalar;
import io.vfleet.engine.topology.YamlNode.Sequence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class YamlReaderTest {

    @Test
    void blockMappingKeepsKeysInOrderWithTypedScalars() {
        Object value = plain("""
                name: gpu-server
                count: 42
                negative: -7
                enabled: true
                disabled: False
                nothing: ~
                empty:
                """);

        assertThat(value).isEqualTo(ordered("name", "gpu-server", "count", 42L, "negative", -7L,
                "enabled", true, "disabled", false, "nothing", null, "empty", null));
        assertThat(((Map<?, ?>) value).keySet().stream().map(String::valueOf).toList()).containsExactly("name", "count", "negative", "enabled", "disabled", "nothing", "empty");
    }

    @Test
    void hexadecimalAndOctalIntegersAreUnsigned64Bit() {
        assertThat(plain("a: 0x10de\nb: 0xFFFFFFFFFFFFFFFF\nc: 0o17\nd: 18446744073709551615\n"))
                .isEqualTo(ordered("a", 0x10deL, "b", -1L, "c", 15L, "d", -1L));
    }

    @Test
    void integerBeyond64BitsStaysText() {
        assertThat(plain("a: 0x1ffffffffffffffff\n")).isEqualTo(ordered("a", "0x1ffffffffffffffff"));
    }

    @Test
    void nestedBlockMappings() {
        assertThat(plain("kernel:\n  profile: v11\n  iommu:\n    coherent: true\nafter: 1\n"))
                .isEqualTo(ordered("kernel", ordered("profile", "v11", "iommu", ordered("coherent", true)), "after", 1L));
    }

    @Test
    void blockSequenceOfScalarsIndentedOrAtTheKeysIndentation() {
        assertThat(plain("a:\n  - 1\n  - two\nb:\n- x\n- y\n"))
                .isEqualTo(ordered("a", List.of(1L, "two"), "b", List.of("x", "y")));
    }

    @Test
    void sequenceItemsThatAreMappingsContinueOnTheFollowingLines() {
        assertThat(plain("""
                devices:
                  - bdf: 0000:3b:00.0
                    driver: vfio-pci
                  -   bdf: 0000:3c:00.0
                      driver: nvme
                  -
                    bdf: 0000:3d:00.0
                """)).isEqualTo(ordered("devices", List.of(
                ordered("bdf", "0000:3b:00.0", "driver", "vfio-pci"),
                ordered("bdf", "0000:3c:00.0", "driver", "nvme"),
                ordered("bdf", "0000:3d:00.0"))));
    }

    @Test
    void nestedSequenceOnTheDashLine() {
        assertThat(plain("- - a\n  - b\n- c\n")).isEqualTo(List.of(List.of("a", "b"), "c"));
    }

    @Test
    void emptySequenceItemIsNull() {
        assertThat(plain("- \n- x\n")).isEqualTo(listOf(null, "x"));
    }

    @Test
    void topLevelSequenceAndTopLevelScalar() {
        assertThat(plain("- 1\n- 2\n")).isEqualTo(List.of(1L, 2L));
        assertThat(plain("just text\n")).isEqualTo("just text");
    }

    @Test
    void singleQuotedScalarDoublesItsQuoteAndIsNeverTyped() {
        assertThat(plain("a: 'it''s # not a comment'\nb: 'true'\nc: '0x10'\n"))
                .isEqualTo(ordered("a", "it's # not a comment", "b", "true", "c", "0x10"));
    }

    @Test
    void doubleQuotedScalarUnderstandsEscapes() {
        assertThat(plain("a: \"tab\\there \\\"q\\\" \\\\ \\x41\\u00e9\\U0001F600 \\n\"\n"))
                .isEqualTo(ordered("a", "tab\there \"q\" \\ A\u00e9\uD83D\uDE00 \n"));
    }

    @Test
    void quotedKeys() {
        assertThat(plain("\"with: colon\": 1\n'single': 2\n")).isEqualTo(ordered("with: colon", 1L, "single", 2L));
    }

    @Test
    void commentsAreIgnoredButHashInsideAPlainScalarIsKept() {
        assertThat(plain("""
                # leading comment

                a: value   # trailing comment
                  # indented comment-only line
                b: x#y
                c: "q # inside"  # after
                """)).isEqualTo(ordered("a", "value", "b", "x#y", "c", "q # inside"));
    }

    @Test
    void apostropheInsideAPlainScalarIsJustACharacter() {
        assertThat(plain("a: it's fine # comment\n")).isEqualTo(ordered("a", "it's fine"));
    }

    @Test
    void flowSequencesAndMappingsNestOnOneLine() {
        assertThat(plain("a: [1, two, 'three', [x, y], {k: v}]\nb: {start: 0x0, last: 0xff, type: msi}\nc: []\nd: {}\n"))
                .isEqualTo(ordered("a", List.of(1L, "two", "three", List.of("x", "y"), ordered("k", "v")),
                        "b", ordered("start", 0L, "last", 255L, "type", "msi"), "c", List.of(), "d", ordered()));
    }

    @Test
    void flowPlainScalarsMayHoldColonsNotFollowedBySpace() {
        assertThat(plain("a: {bdf: 0000:3b:00.0, url: http://x}\nb: [0000:00:01.0, trailing, ]\n"))
                .isEqualTo(ordered("a", ordered("bdf", "0000:3b:00.0", "url", "http://x"), "b", List.of("0000:00:01.0", "trailing")));
    }

    @Test
    void flowMappingValueMayBeEmpty() {
        assertThat(plain("a: {k: , m: 1}\n")).isEqualTo(ordered("a", ordered("k", null, "m", 1L)));
    }

    @Test
    void documentMarkersAreAccepted() {
        assertThat(plain("---\na: 1\n...\nignored: after the end\n")).isEqualTo(ordered("a", 1L));
    }

    @Test
    void emptyDocumentIsANullScalar() {
        assertThat(YamlReader.read("# only a comment\n\n", "t")).isEqualTo(new Scalar("", YamlNode.Style.PLAIN, new YamlNode.Mark(1, 1)));
    }

    @Test
    void nodesRememberLineAndColumn() {
        Mapping root = (Mapping) YamlReader.read("a: 1\nlist:\n  - x: [7, 8]\n", "t");
        Mapping item = (Mapping) ((Sequence) root.get("list")).items().getFirst();
        Sequence flow = (Sequence) item.get("x");

        assertThat(root.get("a").mark()).isEqualTo(new YamlNode.Mark(1, 4));
        assertThat(item.mark()).isEqualTo(new YamlNode.Mark(3, 5));
        assertThat(item.entry("x").key().mark()).isEqualTo(new YamlNode.Mark(3, 5));
        assertThat(flow.mark()).isEqualTo(new YamlNode.Mark(3, 8));
        assertThat(flow.items().get(1).mark()).isEqualTo(new YamlNode.Mark(3, 12));
    }

    @Test
    void windowsLineEndsAndByteOrderMarkAreAccepted() {
        assertThat(plain("\uFEFFa: 1\r\nb: 2\r\n")).isEqualTo(ordered("a", 1L, "b", 2L));
    }

    @Test
    void duplicateKeyIsRefusedAtTheSecondKey() {
        assertSyntaxError("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'");
        assertSyntaxError("a: {x: 1, x: 2}\n", 1, 11, "duplicate key 'x'");
    }

    @Test
    void tabInIndentationIsRefused() {
        assertSyntaxError("a:\n\tb: 1\n", 2, 1, "tab in indentation");
    }

    @Test
    void unexpectedIndentationIsRefused() {
        assertSyntaxError("a: 1\n  b: 2\n", 2, 3, "unexpected indentation");
    }

    @Test
    void lessIndentedContentAfterTheRootIsRefused() {
        assertSyntaxError("  a: 1\nb: 2\n", 2, 1, "unexpected content");
    }

    @Test
    void unterminatedQuotedScalarIsRefused() {
        assertSyntaxError("a: 1\nb: \"open\n", 2, 4, "unterminated quoted scalar");
        assertSyntaxError("b: 'open\n", 1, 4, "unterminated quoted scalar");
    }

    @Test
    void unclosedFlowCollectionIsRefusedAtItsOpening() {
        assertSyntaxError("a: 1\nb: [1, 2\n", 2, 4, "flow collection not closed");
        assertSyntaxError("b: {x: 1\n", 1, 4, "flow collection not closed");
    }

    @Test
    void missingCommaInFlowCollectionIsRefused() {
        assertSyntaxError("a: {x: 1 y: 2}\n", 1, 11, "expected ',' or '}'");
        assertSyntaxError("a: [[1] 2]\n", 1, 9, "expected ',' or ']'");
    }

    @Test
    void textAfterAFlowCollectionIsRefused() {
        assertSyntaxError("a: [1] extra\n", 1, 8, "unexpected text");
    }

    @Test
    void mappingValueOnAValueLineIsRefused() {
        assertSyntaxError("a: b: c\n", 1, 5, "a mapping value is not allowed here");
    }

    @Test
    void mixingSequenceItemsIntoAMappingIsRefused() {
        assertSyntaxError("a: 1\n- b\n", 2, 1, "expected a mapping key, found a sequence item");
    }

    @Test
    void lineThatIsNeitherKeyNorItemInsideAMappingIsRefused() {
        assertSyntaxError("a: 1\nplain text\n", 2, 1, "expected 'key: value'");
    }

    @Test
    void anchorsAliasesTagsAndBlockScalarsAreRefused() {
        assertSyntaxError("a: &anchor 1\n", 1, 4, "anchors and aliases are not supported");
        assertSyntaxError("a: *alias\n", 1, 4, "anchors and aliases are not supported");
        assertSyntaxError("a: !!str 1\n", 1, 4, "tags are not supported");
        assertSyntaxError("a: |\n  text\n", 1, 4, "block scalars are not supported");
    }

    @Test
    void blockSequenceOnTheKeyLineIsRefused() {
        assertSyntaxError("a: - 1\n", 1, 4, "a block sequence cannot start here");
    }

    @Test
    void pairInsideAFlowSequenceIsRefused() {
        assertSyntaxError("a: [k: v]\n", 1, 6, "inside [ ] is not supported");
    }

    @Test
    void unknownEscapeIsRefused() {
        assertSyntaxError("a: \"\\q\"\n", 1, 5, "unknown escape");
    }

    @Test
    void secondDocumentAndDirectivesAreRefused() {
        assertSyntaxError("a: 1\n---\nb: 2\n", 2, 1, "several documents");
        assertSyntaxError("%YAML 1.2\na: 1\n", 1, 1, "directives are not supported");
    }

    @Test
    void errorsNameTheSourceLineAndColumn() {
        assertThatThrownBy(() -> YamlReader.read("a: 1\na: 2\n", "host.yaml"))
                .hasMessage("host.yaml:2:1: duplicate key 'a'");
    }

    private static void assertSyntaxError(String yaml, int line, int column, String reason) {
        ThrowingCallable read = () -> YamlReader.read(yaml, "test.yaml");
        assertThatThrownBy(read).isInstanceOfSatisfying(TopologyException.class, error -> {
            assertThat(error.reason()).contains(reason);
            assertThat(error.line()).as("line of: " + error.getMessage()).isEqualTo(line);
            assertThat(error.column()).as("column of: " + error.getMessage()).isEqualTo(column);
            assertThat(error.source()).isEqualTo("test.yaml");
        });
    }

    /** The document as plain Java values: LinkedHashMap, List, and scalars by the core schema. */
    private static Object plain(String yaml) {
        return toPlain(YamlReader.read(yaml, "test.yaml"));
    }

    private static Object toPlain(YamlNode node) {
        return switch (node) {
            case Scalar scalar -> scalar.value();
            case Sequence sequence -> {
                List<Object> items = new ArrayList<>();
                sequence.items().forEach(item -> items.add(toPlain(item)));
                yield items;
            }
            case Mapping mapping -> {
                Map<String, Object> entries = new LinkedHashMap<>();
                mapping.entries().forEach(entry -> entries.put(entry.key().text(), toPlain(entry.value())));
                yield entries;
            }
        };
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int index = 0; index < keysAndValues.length; index += 2) {
            map.put((String) keysAndValues[index], keysAndValues[index + 1]);
        }
        return map;
    }

    private static List<Object> listOf(Object... items) {
        List<Object> list = new ArrayList<>();
        java.util.Collections.addAll(list, items);
        return list;
    }
}
