package io.vfleet.stack;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.Optional;

/**
 * The Linux signals the launcher sends or reads in an exit status. {@link Process#destroy()} can send
 * only SIGTERM; PostgreSQL stops fast (cutting its clients, keeping what was committed) on SIGINT,
 * so {@link #send} calls kill(2) itself.
 */
public enum Signal {
    SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGABRT(6), SIGKILL(9), SIGSEGV(11), SIGTERM(15);

    /** The JVM reports a child ended by signal {@code n} as exit status {@code 128 + n}, as shells do. */
    private static final int SIGNALLED = 128;

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The name setpriv(1) and kill(1) take: {@code TERM}. */
    public String shortName() {
        return name().substring("SIG".length());
    }

    /** Sends the signal to {@code pid}; a process that is already gone is not an error. */
    public void send(long pid) {
        int result;
        try {
            result = (int) Kill.HANDLE.invokeExact((int) pid, number);
        } catch (Throwable e) {
            throw new StackException("cannot call kill(" + pid + ", " + name() + ")", e);
        }
        if (result != 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new StackException("kill(" + pid + ", " + name() + ") failed: the process runs, as someone else's?");
        }
    }

    /** {@code 0}, {@code 3}, or {@code 137 (SIGKILL)}: an exit status as a person reads it. */
    public static String describeExitStatus(int status) {
        return status + byExitStatus(status).map(signal -> " (" + signal.name() + ")").orElse("");
    }

    static Optional<Signal> byExitStatus(int status) {
        return Arrays.stream(values()).filter(signal -> SIGNALLED + signal.number == status).findFirst();
    }

    /** Looked up on first use only: most launcher runs never signal anything but SIGTERM. */
    private static final class Kill {
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
}
