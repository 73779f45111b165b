package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kustomization that deploys exactly what this build made: the manifests of a base directory,
 * each of our images named by the digest of the tarball Jib built in the same run. Written, never
 * edited by hand, so that the digests cannot drift from the images.
 */
final class ReleaseOverlay {

    private ReleaseOverlay() {}

    /** Writes {@code overlay}/kustomization.yaml over {@code base}; returns the overlay's directory. */
    static Path write(Path overlay, Path base, Apps apps) {
        StringBuilder text = new StringBuilder("""
                # Written by the build (deploy module, DeploymentIT): the manifests of %s, each vfleet image
                # by the digest of the image Jib built in the same run. Push those images, then
                # kubectl apply -k on this directory.
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - %s
                images:
                """.formatted(base.getFileName(), overlay.toAbsolutePath().relativize(base.toAbsolutePath())));
        for (App app : apps.byName().values()) {
            app.digest().ifPresent(digest -> text.append("  - name: ").append(Kustomization.repository(app.imageName()))
                    .append("\n    digest: ").append(digest).append('\n'));
        }
        try {
            Files.createDirectories(overlay);
            Files.writeString(overlay.resolve("kustomization.yaml"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return overlay;
    }
}
