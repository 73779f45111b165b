package io.vfleet.deploy;

import java.util.Optional;

/**
 * An image reference, {@code [registry/]namespace/name[:tag][@digest]}. Images in the {@code vfleet} namespace
 * are ours and must be built from one of the repository's apps; any other is someone else's (postgres).
 */
record ImageName(String namespace, String name, String tag) {

    static ImageName parse(String reference) {
        String withoutDigest = reference.split("@", -1)[0];
        int slash = withoutDigest.lastIndexOf('/');
        int colon = withoutDigest.lastIndexOf(':');
        // By digest alone, the image has no tag to compare: the digest is checked against the build instead.
        String tag = colon > slash ? withoutDigest.substring(colon + 1) : reference.contains("@") ? "" : "latest";
        String path = colon > slash ? withoutDigest.substring(0, colon) : withoutDigest;
        String name = path.substring(path.lastIndexOf('/') + 1);
        String namespace = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
        return new ImageName(namespace, name, tag);
    }

    boolean ours() {
        return namespace.equals("vfleet") || namespace.endsWith("/vfleet");
    }

    /** The app this image is built from, or a message saying why it names none. */
    static Optional<App> app(String reference, Apps apps, String where, Violations violations) {
        ImageName image = parse(reference);
        if (!image.ours()) {
            return Optional.empty();
        }
        Optional<App> app = apps.named(image.name());
        if (app.isEmpty()) {
            violations.add(where, "image " + reference + " names no app that builds an image; apps: " + apps.byName().keySet());
        } else if (!image.tag().isEmpty() && !image.tag().equals(app.get().version())) {
            violations.add(where, "image " + reference + " is tagged " + image.tag() + ", but " + image.name()
                    + " builds version " + app.get().version());
        }
        return app;
    }
}
