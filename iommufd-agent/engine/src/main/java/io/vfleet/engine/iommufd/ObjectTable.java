package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The object table of an iommufd context (the {@code objects} xarray of {@code iommufd_ctx}).
 *
 * <p>IDs are the lowest free number in 1..INT_MAX. Creation is two-phase, as in main.c: {@link
 * #reserve} takes an ID (lookups do not see it yet), {@link #publish} makes the finished object
 * visible, {@link #abort} gives the ID back, so a failed create never burns an ID. Guarded by the
 * host lock.
 */
public final class ObjectTable {
    private final Map<Integer, IommufdObject> objects = new HashMap<>();
    private final BitSet taken = new BitSet();
    private final int maxId;

    public ObjectTable() {
        this(Integer.MAX_VALUE - 1);
    }

    /** A table whose IDs end at {@code maxId}, so that running out of IDs can be tested. */
    ObjectTable(int maxId) {
        this.maxId = maxId;
    }

    /** Reserves the lowest free ID for {@code object}; the object stays invisible until published. */
    public int reserve(IommufdObject object) {
        FaultInjection.point("iommufd object " + object.type());
        int id = taken.nextClearBit(1);
        if (id > maxId) {
            throw Errno.ENOSPC.exception("object IDs exhausted");
        }
        taken.set(id);
        object.assignId(id);
        return id;
    }

    /** Makes a reserved object visible to lookups. */
    public void publish(IommufdObject object) {
        if (!taken.get(object.id()) || objects.containsKey(object.id())) {
            throw new AssertionError("publishing unreserved or duplicate object " + object.id());
        }
        objects.put(object.id(), object);
    }

    /** Gives a reserved, never-published ID back. */
    public void abort(IommufdObject object) {
        if (objects.containsKey(object.id())) {
            throw new AssertionError("aborting published object " + object.id());
        }
        taken.clear(object.id());
    }

    /** iommufd_get_object: {@code id} must name a published object of {@code kind}, else ENOENT. */
    public <T extends IommufdObject> T get(int id, Class<T> kind) {
        IommufdObject object = objects.get(id);
        if (!kind.isInstance(object)) {
            throw Errno.ENOENT.exception("no " + kind.getSimpleName() + " with id " + id);
        }
        return kind.cast(object);
    }

    /** The published object with {@code id}, or null. */
    public IommufdObject find(int id) {
        return objects.get(id);
    }

    /** Any published object, or ENOENT. */
    public IommufdObject get(int id) {
        IommufdObject object = objects.get(id);
        if (object == null) {
            throw Errno.ENOENT.exception("no object with id " + id);
        }
        return object;
    }

    /**
     * iommufd_object_remove: takes the object out of the table if the table holds its only user
     * (else EBUSY, nothing changes), then destroys it.
     */
    public void destroy(IommufdObject object) {
        if (object.users() != 1) {
            throw Errno.EBUSY.exception(object.type() + " " + object.id() + " still has " + (object.users() - 1) + " users");
        }
        remove(object);
        object.destroy();
    }

    /** Removes an object the kernel itself owns (an auto HWPT, a device at unbind) without the users check. */
    void remove(IommufdObject object) {
        if (objects.remove(object.id()) != object) {
            throw new AssertionError("object " + object.id() + " is not in the table");
        }
        taken.clear(object.id());
    }

    public boolean isEmpty() {
        return objects.isEmpty() && taken.isEmpty();
    }

    /** The published objects in ID order. */
    public List<IommufdObject> objects() {
        List<IommufdObject> all = new ArrayList<>(objects.values());
        all.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return all;
    }
}
