package io.vfleet.inventory.support;

import io.vfleet.testsupport.database.TestDatabase;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The base of every test that needs the running service: one Spring context (web server on a random port,
 * scheduling off, a hand-moved clock) on the one test database, shared by all test classes. Tests keep
 * out of each other's way by naming their nodes uniquely ({@link #nodeName}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles({"test", "local"})
@Import(InventoryTest.ClockConfiguration.class)
public abstract class InventoryTest {
    private static final java.util.concurrent.atomic.AtomicInteger NODES = new java.util.concurrent.atomic.AtomicInteger();

    @Autowired
    protected MutableClock clock;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.connection().url());
        registry.add("spring.datasource.username", () -> TestDatabase.connection().username());
        registry.add("spring.datasource.password", () -> TestDatabase.connection().password());
    }

    /** A node name no other test uses: the test's method name and a number. */
    protected static String nodeName(TestInfo test) {
        String method = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("node");
        String shortened = method.length() > 40 ? method.substring(0, 40) : method;
        return shortened.toLowerCase(Locale.ROOT) + "-" + NODES.incrementAndGet();
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class ClockConfiguration {
        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        }
    }
}
