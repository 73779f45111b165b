package io.vfleet.engine.iommufd;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The area tree against a TreeMap after thousands of inserts and removals: order, balance, and holes. */
class AreaTreeTest {
    private static final long PAGE = 4096;

    @Property(tries = 25)
    void thousandsOfInsertsAndRemovalsKeepOrderBalanceAndHoleSummaries(@ForAll @LongRange(min = 1) long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        AreaTree tree = new AreaTree();
        TreeMap<Long, IoptArea> reference = new TreeMap<>(Long::compareUnsigned);
        IoptPages pages = new IoptPages(UserMemory.READ_WRITE_EVERYWHERE, 0, 64 * PAGE, PinAccount.NONE);
        for (int step = 0; step < 3000; step++) {
            long slot = random.nextLong(2048);
            IoptArea present = reference.get(slot * 64 * PAGE);
            if (present != null) {
                tree.remove(present);
                reference.remove(present.iova());
            } else {
                IoptArea area = new IoptArea(slot * 64 * PAGE, (1 + random.nextLong(64)) * PAGE, pages, 0, IoPagetable.READABLE);
                tree.insert(area);
                reference.put(area.iova(), area);
            }
            if (step % 100 == 0) {
                assertThat(tree.inOrder()).containsExactlyElementsOf(reference.values());
                assertThat(height(tree.inOrder().isEmpty() ? null : root(reference)))
                        .isLessThanOrEqualTo((int) Math.ceil(1.45 * (Math.log(reference.size() + 2) / Math.log(2))));
                long from = random.nextLong(2048 * 64 * PAGE);
                long minSize = (1 + random.nextLong(200)) * PAGE;
                long found = tree.lowestFit(from, -1L - PAGE, new FirstByte(minSize, 1));
                assertThat(found).isEqualTo(lowestHole(reference, from, minSize));
                long block = 1L << (12 + random.nextInt(10));
                long aligned = tree.lowestFit(from, -1L - PAGE, new FirstByte(block, block));
                assertThat(aligned).isEqualTo(lowestAlignedBlock(reference, from, block));
            }
        }
    }

    /**
     * Takes the first byte of any hole of at least {@code minimumLength} bytes when no alignment is
     * asked ({@code alignedBlock} 1), else the first aligned block of {@code alignedBlock} bytes.
     */
    private record FirstByte(long minimumLength, long alignedBlock) implements AreaTree.HoleFit {
        @Override
        public long fit(long start, long last) {
            long aligned = (start + alignedBlock - 1) & -alignedBlock;
            boolean holds = Long.compareUnsigned(aligned + alignedBlock - 1, last) <= 0;
            return alignedBlock == 1 ? start : holds ? aligned : 0;
        }
    }

    private static long lowestAlignedBlock(NavigableMap<Long, IoptArea> reference, long from, long block) {
        long holeStart = 0;
        for (IoptArea area : reference.values()) {
            long aligned = (Math.max(holeStart, from) + block - 1) & -block;
            if (area.iova() > from && aligned + block - 1 <= area.iova() - 1) {
                return aligned;
            }
            holeStart = area.last() + 1;
        }
        return (Math.max(holeStart, from) + block - 1) & -block;
    }

    /** The root is the one area no other area has as a child. */
    private static IoptArea root(NavigableMap<Long, IoptArea> reference) {
        List<IoptArea> children = new ArrayList<>();
        for (IoptArea area : reference.values()) {
            if (area.left != null) {
                children.add(area.left);
            }
            if (area.right != null) {
                children.add(area.right);
            }
        }
        return reference.values().stream().filter(area -> !children.contains(area)).findFirst().orElseThrow();
    }

    private static int height(IoptArea node) {
        return node == null ? 0 : 1 + Math.max(height(node.left), height(node.right));
    }

    private static long lowestHole(NavigableMap<Long, IoptArea> reference, long from, long minSize) {
        long holeStart = 0;
        for (IoptArea area : reference.values()) {
            long first = Math.max(holeStart, from);
            if (area.iova() > from && area.iova() - first >= minSize) {
                return first;
            }
            holeStart = area.last() + 1;
        }
        long first = Math.max(holeStart, from);
        return Long.compareUnsigned(-1L - PAGE - first, minSize - 1) >= 0 ? first : 0;
    }
}
