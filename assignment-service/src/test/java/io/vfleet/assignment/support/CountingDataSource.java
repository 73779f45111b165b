package io.vfleet.assignment.support;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The service's connections, counted as PostgreSQL would count them: statements executed, and commits
 * (explicit ones, and each statement run outside a transaction, which commits on its own), per thread,
 * so that a test counts what a use case did and not what the service's background threads did meanwhile.
 */
public final class CountingDataSource {

    /** What some threads did on the database. */
    public record Counts(long statements, long commits) {

        public Counts minus(Counts earlier) {
            return new Counts(statements - earlier.statements, commits - earlier.commits);
        }
    }

    private static final Set<String> STATEMENT_METHODS = Set.of("execute", "executeQuery", "executeUpdate",
            "executeLargeUpdate", "executeBatch", "executeLargeBatch");

    private final Map<String, AtomicLong> statements = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> commits = new ConcurrentHashMap<>();

    /** A data source that can be closed: the pool behind it. */
    public interface ClosableDataSource extends DataSource, AutoCloseable {}

    /** {@code target}, with every connection it hands out counted here; closing it closes the pool. */
    public <T extends DataSource & AutoCloseable> ClosableDataSource wrap(T target) {
        return proxy(ClosableDataSource.class, target, (method, arguments, result) -> {
            if (result instanceof Connection connection && method.getName().equals("getConnection")) {
                return counted(connection);
            }
            return result;
        });
    }

    /** What every thread but those named {@code excluded} did so far. */
    public Counts countsExcept(Set<String> excluded) {
        return new Counts(sum(statements, excluded), sum(commits, excluded));
    }

    private static long sum(Map<String, AtomicLong> counters, Set<String> excluded) {
        return counters.entrySet().stream().filter(entry -> !excluded.contains(entry.getKey()))
                .mapToLong(entry -> entry.getValue().get()).sum();
    }

    private Connection counted(Connection connection) {
        return proxy(Connection.class, connection, (method, arguments, result) -> {
            if (method.getName().equals("commit")) {
                count(commits);
            }
            if (result instanceof Statement statement) {
                Class<? extends Statement> kind = method.getReturnType().isAssignableFrom(statement.getClass())
                        ? method.getReturnType().asSubclass(Statement.class) : Statement.class;
                return counted(kind, statement, connection);
            }
            return result;
        });
    }

    private <S extends Statement> S counted(Class<S> kind, Statement statement, Connection connection) {
        return proxy(kind, statement, (method, arguments, result) -> result, (method) -> {
            if (STATEMENT_METHODS.contains(method.getName())) {
                count(statements);
                if (connection.getAutoCommit()) {
                    count(commits);
                }
            }
        });
    }

    private static void count(Map<String, AtomicLong> counters) {
        counters.computeIfAbsent(Thread.currentThread().getName(), ignored -> new AtomicLong()).incrementAndGet();
    }

    @FunctionalInterface
    private interface After {
        Object apply(Method method, Object[] arguments, Object result) throws Exception;
    }

    @FunctionalInterface
    private interface Before {
        void accept(Method method) throws Exception;
    }

    private static <T> T proxy(Class<T> kind, Object target, After after) {
        return proxy(kind, target, after, method -> { });
    }

    private static <T> T proxy(Class<T> kind, Object target, After after, Before before) {
        InvocationHandler handler = (self, method, arguments) -> {
            if (method.getName().equals("unwrap") && arguments != null && arguments[0] instanceof Class<?> wanted
                    && wanted.isInstance(target)) {
                return target;
            }
            before.accept(method);
            try {
                return after.apply(method, arguments, method.invoke(target, arguments));
            } catch (InvocationTargetException failed) {
                throw failed.getCause();
            }
        };
        return kind.cast(Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), new Class<?>[] {kind}, handler));
    }
}
