package io.vfleet.api;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the current contracts as the published ones: the descriptor set protoc made from
 * {@code src/main/proto} (first argument), as text, to the file {@link PublishedApiTest} compares
 * against (second argument). Run it through the {@code publish-api} profile of this module's pom.
 */
public final class PublishApi {
    static final String HEADER = """
            # The vfleet gRPC contracts as last published: every later change to src/main/proto must stay
            # wire-compatible with them (PublishedApiTest). A FileDescriptorSet in protobuf text format.
            # Regenerate it when a release of the API goes out, from the repository root:
            #   ./mvnw -B -q -pl api-proto -Ppublish-api test-compile exec:java
            """;

    private PublishApi() {
    }

    public static void main(String[] arguments) throws IOException {
        if (arguments.length != 2) {
            throw new IllegalArgumentException("usage: PublishApi <descriptor set from protoc> <published text file>");
        }
        FileDescriptorSet current = read(Path.of(arguments[0]));
        Path published = Path.of(arguments[1]);
        Files.createDirectories(published.toAbsolutePath().getParent());
        Files.writeString(published, HEADER + TextFormat.printer().printToString(current), StandardCharsets.UTF_8);
        System.out.println("published " + current.getFileCount() + " proto files to " + published);
    }

    static FileDescriptorSet read(Path binary) throws IOException {
        try (InputStream in = Files.newInputStream(binary)) {
            return FileDescriptorSet.parseFrom(in);
        }
    }
}
