package io.vfleet.agent.vmm;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the agent keeps its own table of assignments (id → process, files, epoch) and of the uid each
 * tenant's VMMs run as, so that a restart finds the processes it prepared. A change is recorded when
 * it is put, in the same journal as the kernel calls that led to it, and is on disk before any answer
 * that follows it is sent; so after a crash the table and the host agree up to one point in time.
 */
public interface AssignmentTable {

    /**
     * The table's content.
     *
     * @param nodeTerm the newest controller term the node has seen; 0 before the first call
     */
    record Content(Map<String, Integer> tenantUids, List<Assignment> assignments, long nodeTerm) {
        public Content {
            tenantUids = new TreeMap<>(tenantUids);
            assignments = List.copyOf(assignments);
        }
    }

    /** The table as the last run left it, assignments in the order first seen. */
    Content load();

    /** Records {@code assignment}, replacing what was recorded under its id. */
    void put(Assignment assignment);

    /** Records that the VMMs of {@code tenant} run as {@code uid}. */
    void putTenantUid(String tenant, int uid);

    /** Records that the newest controller term the node has seen is {@code term}. */
    void putNodeTerm(long term);
}
