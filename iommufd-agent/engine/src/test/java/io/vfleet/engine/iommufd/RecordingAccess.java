package io.vfleet.engine.iommufd;

import io.vfleet.engine.IovaRange;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A simulated emulated-device driver: remembers what it pinned and, when {@code cooperative}, unpins
 * whatever an unmap notification covers.
 */
final class RecordingAccess implements IoptAccess {
    private record Pin(long iova, long length) {
    }

    private final List<Pin> pins = new ArrayList<>();
    final List<IovaRange> notifications = new ArrayList<>();
    private IoPagetable table;
    private boolean cooperative = true;

    RecordingAccess attachTo(IoPagetable table) {
        this.table = table;
        table.addAccess(this);
        return this;
    }

    RecordingAccess refusingToUnpin() {
        cooperative = false;
        return this;
    }

    void pin(long iova, long length, boolean write) {
        table.pinPages(this, iova, length, write);
        pins.add(new Pin(iova, length));
    }

    @Override
    public void unmapNotify(IovaRange range) {
        notifications.add(range);
        if (!cooperative) {
            return;
        }
        for (Iterator<Pin> iterator = pins.iterator(); iterator.hasNext(); ) {
            Pin pin = iterator.next();
            if (range.intersects(IovaRange.ofLength(pin.iova(), pin.length()))) {
                table.unpinPages(this, pin.iova(), pin.length());
                iterator.remove();
            }
        }
    }
}
