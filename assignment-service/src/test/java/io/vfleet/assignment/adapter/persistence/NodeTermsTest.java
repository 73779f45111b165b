package io.vfleet.assignment.adapter.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A node's controller term in the database: it grows only when another process takes the node over,
 * never with the epochs each call takes, and every process reads the same term.
 */
@ServiceTest
class NodeTermsTest extends ServiceTestBase {

    @Autowired
    FencingEpochs thisProcess;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    AutowireCapableBeanFactory beans;

    @Test
    void theTermGrowsOnlyWhenControlOfTheNodeChangesHands() {
        String node = "node-" + UUID.randomUUID();
        JpaFencingEpochs anotherProcess = new JpaFencingEpochs();
        beans.autowireBean(anotherProcess);

        assertThat(in(epochs -> epochs.term(node), thisProcess)).as("no controller yet").isZero();
        long first = in(epochs -> epochs.takeControl(node), thisProcess);
        assertThat(in(epochs -> epochs.takeControl(node), thisProcess)).as("still this process's").isEqualTo(first);
        in(epochs -> epochs.next(node), thisProcess);
        in(epochs -> epochs.next(node), thisProcess);
        assertThat(in(epochs -> epochs.term(node), anotherProcess)).isEqualTo(first);

        long taken = in(epochs -> epochs.takeControl(node), anotherProcess);
        assertThat(taken).isGreaterThan(first);
        assertThat(in(epochs -> epochs.term(node), thisProcess)).isEqualTo(taken);
        assertThat(in(epochs -> epochs.takeControl(node), thisProcess)).as("taken back").isGreaterThan(taken);
    }

    private long in(ToLongFunction<FencingEpochs> work, FencingEpochs epochs) {
        return transactions.execute(status -> work.applyAsLong(epochs));
    }
}
