package io.vfleet.agent.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeNameTest {
    @TempDir
    Path proc;

    @Test
    void theKernelsHostnameIsTheNodeNameWhenNoneIsConfigured() throws IOException {
        assertThat(NodeName.of("", hostname("gpu-07.rack3\n"))).isEqualTo("gpu-07.rack3");
    }

    @Test
    void aConfiguredNameWinsOverTheKernels() throws IOException {
        assertThat(NodeName.of("lab-guest", hostname("(none)\n"))).isEqualTo("lab-guest");
    }

    @Test
    void theKernelsDefaultHostnameIsRefusedWithWhatToSet() throws IOException {
        Path file = hostname("(none)\n");
        assertThatThrownBy(() -> NodeName.of(null, file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'(none)'").hasMessageContaining("vfleet.agent.hostname").hasMessageContaining("--node-name=");
    }

    @Test
    void aConfiguredNameThatIsNoHostNameIsRefused() {
        assertThatThrownBy(() -> NodeName.of("two words", proc.resolve("absent")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("vfleet.agent.hostname is 'two words'");
    }

    private Path hostname(String text) throws IOException {
        return Files.writeString(proc.resolve("hostname"), text);
    }
}
