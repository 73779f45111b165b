package io.vfleet.engine.topology.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.TopologyException;
import org.junit.jupiter.api.Test;

/**
 * Text that is not one well-formed YAML document is refused with its line and column, and YAML's own
 * forms (flow and block collections, quoting, comments, the core schema's scalars) all read alike.
 */
class TopologyYamlSyntaxTest {

    @Test
    void blockAndFlowFormsOfTheSameHostReadAlike() {
        HostTopology block = TopologyLoader.parse("""
                # a comment before the document
                hostname: "h1"   # quoted, still a plain name
                kernel:
                  profile: 'linux-6.6'
                devices:
                  - bdf: 0000:00:01.0
                    id:
                      vendor: 0x8086
                      device: 0x347A
                      class: 0x060400
                    reset:
                      secondaryBusReset: True
                """, "block.yaml");
        HostTopology flow = TopologyLoader.parse("""
                {hostname: h1, kernel: {profile: linux-6.6}, devices: [{bdf: 0000:00:01.0,
                  id: {vendor: 0x8086, device: 0x347a, class: 0x060400}, reset: {secondaryBusReset: true}}]}
                """, "flow.yaml");

        assertThat(flow).isEqualTo(block);
    }

    @Test
    void aMalformedLineIsRefusedWithItsPosition() {
        assertSyntaxError("hostname: h1\ndevices:\n  - bdf: 0000:00:01.0\n   id: {vendor: 0x8086\n", 4);
        assertSyntaxError("hostname: h1\nkernel: {profile: v11\n", 3);
        assertSyntaxError("hostname: h1\n\tkernel: {}\n", 2);
        assertSyntaxError("hostname: \"h1\n", 2);
    }

    @Test
    void aSecondDocumentIsRefused() {
        assertSyntaxError("hostname: h1\n---\nhostname: h2\n", 2);
    }

    @Test
    void aRepeatedKeyIsRefusedByNameAtItsLine() {
        assertThatThrownBy(() -> TopologyLoader.parse("hostname: h1\nkernel: {profile: v11}\nhostname: h2\n", "t.yaml"))
                .isInstanceOfSatisfying(TopologyException.class, error -> {
                    assertThat(error.field()).isEqualTo("hostname");
                    assertThat(error.line()).isEqualTo(3);
                    assertThat(error.column()).isEqualTo(1);
                    assertThat(error.reason()).contains("duplicate key");
                });
    }

    @Test
    void aQuotedNumberIsAStringNotAnInteger() {
        assertThatThrownBy(() -> TopologyLoader.parse("""
                hostname: h1
                devices:
                  - bdf: 0000:00:01.0
                    id: {vendor: "0x8086", device: 0x347a, class: 0x060400}
                """, "t.yaml"))
                .isInstanceOfSatisfying(TopologyException.class, error -> {
                    assertThat(error.field()).isEqualTo("devices[0].id.vendor");
                    assertThat(error.line()).isEqualTo(4);
                    assertThat(error.column()).isEqualTo(18);
                    assertThat(error.reason()).contains("expected an integer");
                });
    }

    @Test
    void aFileFarLargerThanAnyTopologyIsRefusedBeforeItIsRead() {
        String huge = "hostname: h1\n" + "# padding\n".repeat(500_000);

        assertThatThrownBy(() -> TopologyLoader.parse(huge, "huge.yaml")).isInstanceOf(TopologyException.class)
                .hasMessageStartingWith("huge.yaml:");
    }

    @Test
    void aliasesCannotMultiplyTheDocument() {
        StringBuilder bomb = new StringBuilder("hostname: h1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int level = 1; level < 12; level++) {
            bomb.append("a").append(level).append(": &a").append(level).append(" [");
            bomb.append(("*a" + (level - 1) + ", ").repeat(9)).append("*a").append(level - 1).append("]\n");
        }

        assertThatThrownBy(() -> TopologyLoader.parse(bomb.toString(), "bomb.yaml")).isInstanceOf(TopologyException.class);
    }

    private static void assertSyntaxError(String yaml, int line) {
        assertThatThrownBy(() -> TopologyLoader.parse(yaml, "t.yaml")).isInstanceOfSatisfying(TopologyException.class, error -> {
            assertThat(error.field()).as(error.getMessage()).isEmpty();
            assertThat(error.source()).isEqualTo("t.yaml");
            assertThat(error.line()).as(error.getMessage()).isEqualTo(line);
            assertThat(error.column()).as(error.getMessage()).isPositive();
            assertThat(error.getMessage()).startsWith("t.yaml:" + line + ":");
        });
    }
}
