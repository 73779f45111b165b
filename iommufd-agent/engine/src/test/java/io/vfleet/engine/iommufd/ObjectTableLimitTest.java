package io.vfleet.engine.iommufd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.TestProcess;
import org.junit.jupiter.api.Test;

class ObjectTableLimitTest {
    @Test
    void runningOutOfIdsIsEnospcAndTakesNothing() {
        ObjectTable table = new ObjectTable(2);
        table.publish(reserved(table));
        table.publish(reserved(table));
        Ioas third = new Ioas();
        TestProcess.fails(Errno.ENOSPC, () -> table.reserve(third));
        assertThat(table.objects()).extracting(IommufdObject::id).containsExactly(1, 2);
    }

    private static Ioas reserved(ObjectTable table) {
        Ioas ioas = new Ioas();
        table.reserve(ioas);
        return ioas;
    }
}
