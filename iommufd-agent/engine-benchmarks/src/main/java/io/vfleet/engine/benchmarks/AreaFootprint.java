package io.vfleet.engine.benchmarks;

import io.vfleet.engine.iommufd.IoPagetable;
import io.vfleet.engine.iommufd.IoptPages;
import io.vfleet.engine.iommufd.PinAccount;
import io.vfleet.engine.iommufd.UserMemory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Heap bytes per live area of an IO page table holding a million areas (each with its own pages
 * object, as every MAP makes one), next to a {@code TreeMap<Long, Long>} of a million entries.
 *
 * <p>Run: {@code java -Xmx4g -cp target/benchmarks.jar io.vfleet.engine.benchmarks.AreaFootprint [areas]}.
 * Heap use is read from the {@link MemoryMXBean} after repeated full collections, before and after
 * filling, with the structure kept reachable.
 */
public final class AreaFootprint {
    private static final long PAGE = 4096;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private AreaFootprint() {
    }

    public static void main(String[] arguments) {
        int areas = arguments.length > 0 ? Integer.parseInt(arguments[0]) : 1_000_000;
        double table = bytesPerEntry(areas, count -> {
            IoPagetable filled = new IoPagetable();
            for (int index = 0; index < count; index++) {
                IoptPages pages = new IoptPages(UserMemory.READ_WRITE_EVERYWHERE, 0x7F00_0000_0000L + index * 16L * PAGE,
                        (1L + index % 16) * PAGE, PinAccount.NONE);
                filled.map(pages, PAGE + index * 32L * PAGE, IoPagetable.FIXED_IOVA | IoPagetable.READABLE);
            }
            return filled;
        });
        double treeMap = bytesPerEntry(areas, count -> {
            TreeMap<Long, Long> filled = new TreeMap<>();
            for (int index = 0; index < count; index++) {
                filled.put(PAGE + index * 32L * PAGE, (1L + index % 16) * PAGE);
            }
            return filled;
        });
        System.out.printf("IoPagetable           %,d areas: %.1f bytes per area (area + pages object)%n", areas, table);
        System.out.printf("TreeMap<Long, Long>   %,d entries: %.1f bytes per entry%n", areas, treeMap);
        System.out.printf("ratio IoPagetable / TreeMap: %.2f%n", table / treeMap);
    }

    private static double bytesPerEntry(int count, IntFunction<Object> fill) {
        long before = settledHeapUsed();
        Object filled = fill.apply(count);
        long after = settledHeapUsed();
        if (filled.hashCode() == 42) {
            System.out.print("");
        }
        return (after - before) / (double) count;
    }

    private static long settledHeapUsed() {
        long used = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            System.gc();
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
