package io.vfleet.agent.kernel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * One gate per process the agent's callers make system calls in, whichever kernel answers them: a call
 * in a process passes its gate shared, and a node operation that must be alone with a process for
 * several calls (a set reset opening, binding and closing fenced members in a VMM process) holds it
 * exclusively, so that no caller's call in that process runs in between and nobody but the operation
 * ever sees the files it opens there. The gate comes before any lock of the backend's own.
 */
public final class ProcessGates {
    /** One per process that calls were made in; removed when it exits, as neither backend gives a pid out again. */
    private final Map<Integer, ReentrantReadWriteLock> gates = new ConcurrentHashMap<>();

    /** Makes {@code call} through {@code make} inside the gate of the process it names, if any. */
    public <R> R pass(Syscall<R> call, Supplier<R> make) {
        if (call.pid() == Syscall.NO_PROCESS) {
            return make.get();
        }
        Lock gate = gate(call.pid()).readLock();
        gate.lock();
        try {
            R result = make.get();
            if (call instanceof Syscall.Exit exited) {
                gates.remove(exited.pid());
            }
            return result;
        } finally {
            gate.unlock();
        }
    }

    /** Runs {@code work} holding process {@code pid}'s gate exclusively; its own calls, on this thread, go ahead. */
    public <T> T exclusively(int pid, Supplier<T> work) {
        Lock gate = gate(pid).writeLock();
        gate.lock();
        try {
            return work.get();
        } finally {
            gate.unlock();
        }
    }

    private ReentrantReadWriteLock gate(int pid) {
        return gates.computeIfAbsent(pid, ignored -> new ReentrantReadWriteLock());
    }
}
