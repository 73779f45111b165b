package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.FencingEpochs;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;

/** The fencing of another replica of the service on the same database: a process of its own to the nodes' terms. */
public final class AnotherReplica {

    private AnotherReplica() {
    }

    public static FencingEpochs fencing(AutowireCapableBeanFactory beans) {
        JpaFencingEpochs another = new JpaFencingEpochs();
        beans.autowireBean(another);
        return another;
    }
}
