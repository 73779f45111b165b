package io.vfleet.engine.benchmarks;

import io.vfleet.engine.iommufd.IoPagetable;
import io.vfleet.engine.iommufd.IoptPages;
import io.vfleet.engine.iommufd.PinAccount;
import io.vfleet.engine.iommufd.UserMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * MAP + UNMAP pairs on an IO page table holding {@code liveAreas} areas, against {@link TreeMap}
 * put + remove on as many keys, in the same run.
 *
 * <p>Every pair picks a random live area (so the tree is walked at random, not along one hot path),
 * unmaps it and maps it again: at the same IOVA with the same length ({@code fixedIova}), or with a
 * new random length at an allocated IOVA ({@code autoIova}), which makes the allocator look for the
 * lowest fitting hole among all the holes the live areas leave. Lengths are 1 to 16 pages and user
 * VAs random, so alignments vary. One benchmark operation is one pair.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class MapUnmapBenchmark {
    private static final long PAGE = 4096;
    /** Fixed-IOVA slots are 32 pages apart, so any length fits back into its own slot. */
    private static final long SLOT = 32 * PAGE;
    private static final long USER_BASE = 0x7F00_0000_0000L;
    private static final int RANDOM_COUNT = 1 << 20;

    @Param({"1000", "100000", "1000000"})
    public int liveAreas;

    private IoPagetable fixedTable;
    private IoPagetable autoTable;
    private TreeMap<Long, Long> treeMap;
    private long[] fixedIovas;
    private long[] fixedLengths;
    private long[] autoIovas;
    private long[] autoLengths;
    private int[] victims;
    private long[] lengths;
    private long[] userVas;
    private int cursor;

    @Setup(Level.Trial)
    public void fill() {
        SplittableRandom random = new SplittableRandom(42);
        victims = new int[RANDOM_COUNT];
        lengths = new long[RANDOM_COUNT];
        userVas = new long[RANDOM_COUNT];
        for (int index = 0; index < RANDOM_COUNT; index++) {
            victims[index] = random.nextInt(liveAreas);
            lengths[index] = (1 + random.nextInt(16)) * PAGE;
            userVas[index] = USER_BASE + random.nextLong(1L << 30) * PAGE;
        }
        fixedTable = new IoPagetable();
        autoTable = new IoPagetable();
        treeMap = new TreeMap<>();
        fixedIovas = new long[liveAreas];
        fixedLengths = new long[liveAreas];
        autoIovas = new long[liveAreas];
        autoLengths = new long[liveAreas];
        for (int slot = 0; slot < liveAreas; slot++) {
            int sample = slot % RANDOM_COUNT;
            fixedIovas[slot] = PAGE + slot * SLOT;
            fixedLengths[slot] = lengths[sample];
            fixedTable.map(pages(userVas[sample], lengths[sample]), fixedIovas[slot], IoPagetable.FIXED_IOVA | IoPagetable.READABLE);
            autoLengths[slot] = lengths[sample];
            autoIovas[slot] = autoTable.map(pages(userVas[sample], lengths[sample]), 0, IoPagetable.READABLE);
            treeMap.put(fixedIovas[slot], fixedLengths[slot]);
        }
    }

    private static IoptPages pages(long userVa, long length) {
        return new IoptPages(UserMemory.READ_WRITE_EVERYWHERE, userVa, length, PinAccount.NONE);
    }

    private int next() {
        cursor = (cursor + 1) & (RANDOM_COUNT - 1);
        return cursor;
    }

    @Benchmark
    public long fixedIova() {
        int sample = next();
        int slot = victims[sample];
        long iova = fixedIovas[slot];
        long length = fixedLengths[slot];
        fixedTable.unmap(iova, length);
        return fixedTable.map(pages(userVas[sample], length), iova, IoPagetable.FIXED_IOVA | IoPagetable.READABLE);
    }

    @Benchmark
    public long autoIova() {
        int sample = next();
        int slot = victims[sample];
        autoTable.unmap(autoIovas[slot], autoLengths[slot]);
        long length = lengths[sample];
        long iova = autoTable.map(pages(userVas[sample], length), 0, IoPagetable.READABLE);
        autoIovas[slot] = iova;
        autoLengths[slot] = length;
        return iova;
    }

    /** The baseline: the JDK's red-black tree doing the same random remove + put. */
    @Benchmark
    public Long treeMapBaseline() {
        int sample = next();
        Long iova = fixedIovas[victims[sample]];
        Long length = treeMap.remove(iova);
        return treeMap.put(iova, length);
    }
}
