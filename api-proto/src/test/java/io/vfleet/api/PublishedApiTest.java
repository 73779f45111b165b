package io.vfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contracts in {@code src/main/proto} against the last published ones ({@code published/vfleet-api.txtpb}):
 * an agent, inventory or orchestrator built from the published protos must keep working against services
 * built from these. Additions are free; see {@link WireCompatibility} for what breaks.
 */
class PublishedApiTest {

    @Test
    void theContractsStayWireCompatibleWithThePublishedOnes() throws IOException {
        FileDescriptorSet published = published();
        FileDescriptorSet current = PublishApi.read(Path.of(System.getProperty("vfleet.api.current")));

        List<WireCompatibility.Break> breaks = WireCompatibility.breaks(published, current);

        assertThat(breaks)
                .as("changes that break peers built from the published contracts (reserve a deleted number instead, or "
                        + "publish a new package version):%n%s", String.join("\n", breaks.stream().map(Object::toString).toList()))
                .isEmpty();
    }

    private static FileDescriptorSet published() throws IOException {
        String text = Files.readString(Path.of(System.getProperty("vfleet.api.published")), StandardCharsets.UTF_8);
        FileDescriptorSet published = TextFormat.parse(text, FileDescriptorSet.class);
        assertThat(published.getFileList()).as("the published contracts").isNotEmpty();
        return published;
    }
}
