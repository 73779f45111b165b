package io.vfleet.inventory.domain;

/**
 * One entry of the change log that watchers follow: what a node or device became at a revision. Changes
 * carry the whole new state of what changed, so a watcher never reads anything else to apply one.
 */
public sealed interface Change permits Change.NodeChanged, Change.DeviceChanged {

    ChangeType type();

    Revision revision();

    String node();

    /** A node was registered for the first time, or its description or state changed. */
    record NodeChanged(ChangeType type, Node state) implements Change {
        @Override
        public Revision revision() {
            return state.revision();
        }

        @Override
        public String node() {
            return state.name();
        }
    }

    /** A device appeared, changed, or went missing from its node's registration ({@link ChangeType#REMOVED}). */
    record DeviceChanged(ChangeType type, NodeDevice state) implements Change {
        @Override
        public Revision revision() {
            return state.revision();
        }

        @Override
        public String node() {
            return state.node();
        }
    }
}
