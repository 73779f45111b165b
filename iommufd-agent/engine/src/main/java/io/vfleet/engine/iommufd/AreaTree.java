package io.vfleet.engine.iommufd;

import java.util.ArrayList;
import java.util.List;

/**
 * The areas of one page table ({@code io_pagetable.area_itree} in drivers/iommu/iommufd/io_pagetable.c):
 * an AVL tree whose nodes are the {@link IoptArea}s themselves, ordered by IOVA.
 *
 * <p>Because areas never overlap, ordering by first IOVA also orders them by last IOVA, so an
 * interval query is one descent. Each node summarises its subtree (first IOVA, last IOVA) and keeps a
 * copy of each child's summary (height, largest hole between consecutive areas, nearest IOVA); the
 * copies are refreshed bottom-up along every path that an insert, a removal or a rotation touches,
 * which is what makes {@link #lowestFit} O(log n). Because a node holds what it needs to know about
 * its children, rebalancing and searching read only the nodes on the path (and, for a rotation, one
 * more): at a million areas the tree is far larger than the caches and every node read is a miss.
 *
 * <p>All IOVAs are unsigned. The value {@code -1} ({@code 2^64-1}) stands for "no area before" when
 * passed as a predecessor's last IOVA: the hole after it then starts at 0, which is exactly right.
 * No locking: the caller holds the host's lock.
 */
final class AreaTree {
    private static final long NO_PREDECESSOR = -1L;

    private IoptArea root;
    private int size;

    /** Decides whether one hole can take a mapping, and where. */
    interface HoleFit {
        /** Holes shorter than this are not offered; at least 1. */
        long minimumLength();

        /**
         * A power of two, at most {@link #MAX_BLOCK}, such that every hole that can take the mapping
         * contains a block of that size aligned to it; holes without one are not offered.
         */
        long alignedBlock();

        /** The IOVA to map at inside {@code [start, last]}, or {@link #NONE} when the hole cannot take it. */
        long fit(long start, long last);
    }

    /** The largest aligned block the summaries track: the 2 MiB huge page, the largest IOVA alignment. */
    static final long MAX_BLOCK = 2L << 20;
    private static final int MAX_BLOCK_SHIFT = Long.numberOfTrailingZeros(MAX_BLOCK);

    /** "No fit"; IOVA 0 is never allocated, so it cannot be confused with a result. */
    static final long NONE = 0;
    /** Internal: the search went past its ceiling; 2^64-1 is never allocated either. */
    private static final long STOP = -1L;

    // The bounds of the search in progress, kept here rather than passed down every recursive call.
    private long searchFrom;
    private long searchCeiling;
    private long searchMinSize;
    private int searchMinBlock;
    private HoleFit searchFit;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return root == null;
    }

    void insert(IoptArea area) {
        root = insert(root, area);
        size++;
    }

    void remove(IoptArea area) {
        root = remove(root, area);
        size--;
    }

    /** The lowest area intersecting {@code [start, last]} ({@code iopt_area_iter_first}), or null. */
    IoptArea firstIntersecting(long start, long last) {
        IoptArea candidate = null;
        IoptArea node = root;
        while (node != null) {
            if (Long.compareUnsigned(node.last, start) >= 0) {
                candidate = node;
                node = node.left;
            } else {
                node = node.right;
            }
        }
        return candidate != null && Long.compareUnsigned(candidate.iova, last) <= 0 ? candidate : null;
    }

    /** The area right after {@code area} in IOVA order, or null. */
    IoptArea next(IoptArea area) {
        IoptArea candidate = null;
        IoptArea node = root;
        while (node != null) {
            if (Long.compareUnsigned(node.iova, area.iova) > 0) {
                candidate = node;
                node = node.left;
            } else {
                node = node.right;
            }
        }
        return candidate;
    }

    /** All areas in IOVA order. */
    List<IoptArea> inOrder() {
        List<IoptArea> areas = new ArrayList<>(size);
        List<IoptArea> path = new ArrayList<>();
        IoptArea node = root;
        while (node != null || !path.isEmpty()) {
            while (node != null) {
                path.add(node);
                node = node.left;
            }
            node = path.removeLast();
            areas.add(node);
            node = node.right;
        }
        return areas;
    }

    /**
     * Offers {@code fit} the holes between areas (before the first and after the last included),
     * clipped to {@code [from, ceiling]}, lowest first, skipping those shorter than its minimum length
     * or without its aligned block, and returns the first IOVA it accepts, or {@link #NONE}.
     *
     * <p>Subtrees that end at or below {@code from}, whose largest hole is too short, or whose holes
     * all lack the aligned block, are skipped whole, so reaching the first candidate hole is
     * O(log n); a candidate that {@code fit} still turns down costs only the walk on to the next one.
     */
    long lowestFit(long from, long ceiling, HoleFit fit) {
        searchFrom = from;
        searchCeiling = ceiling;
        searchMinSize = fit.minimumLength();
        searchMinBlock = Long.numberOfTrailingZeros(fit.alignedBlock()) + 1;
        searchFit = fit;
        try {
            long found = root == null ? NONE : search(root, NO_PREDECESSOR);
            if (found != NONE) {
                return found == STOP ? NONE : found;
            }
            long first = from;
            if (root != null) {
                if (root.subtreeLast == -1L) {
                    return NONE;
                }
                first = unsignedMax(root.subtreeLast + 1, from);
            }
            if (Long.compareUnsigned(first, ceiling) > 0) {
                return NONE;
            }
            return fit.fit(first, ceiling);
        } finally {
            searchFit = null;
        }
    }

    /** In-order walk of the subtree's holes; {@code predecessorLast} is the last IOVA of the area before it. */
    private long search(IoptArea node, long predecessorLast) {
        if (Long.compareUnsigned(node.subtreeLast, searchFrom) <= 0) {
            return NONE;
        }
        if (Long.compareUnsigned(predecessorLast + 1, searchCeiling) > 0) {
            return STOP;
        }
        long leadingHole = node.subtreeFirst - predecessorLast - 1;
        int leadingBlock = blockOrder(predecessorLast + 1, node.subtreeFirst - 1);
        if (Long.compareUnsigned(unsignedMax(maxHole(node), leadingHole), searchMinSize) < 0
                || Math.max(maxBlock(node), leadingBlock) < searchMinBlock) {
            return NONE;
        }
        // Children are entered only when their copied summaries promise a hole, so that a miss
        // costs no read of a node off the path.
        if (node.left != null && Long.compareUnsigned(node.beforeLast, searchFrom) > 0
                && Long.compareUnsigned(unsignedMax(node.leftMaxHole, leadingHole), searchMinSize) >= 0
                && Math.max(node.leftMaxBlock, leadingBlock) >= searchMinBlock) {
            long found = search(node.left, predecessorLast);
            if (found != NONE) {
                return found;
            }
        }
        long before = node.left != null ? node.beforeLast : predecessorLast;
        if (Long.compareUnsigned(before + 1, searchCeiling) > 0) {
            return STOP;
        }
        if (Long.compareUnsigned(node.iova, searchFrom) > 0) {
            long first = unsignedMax(before + 1, searchFrom);
            if (Long.compareUnsigned(node.iova - first, searchMinSize) >= 0) {
                long last = Long.compareUnsigned(node.iova - 1, searchCeiling) < 0 ? node.iova - 1 : searchCeiling;
                long found = searchFit.fit(first, last);
                if (found != NONE) {
                    return found;
                }
                if (last == searchCeiling) {
                    return STOP;
                }
            }
        }
        if (node.right != null && Long.compareUnsigned(
                unsignedMax(node.rightMaxHole, node.afterFirst - node.last - 1), searchMinSize) >= 0
                && Math.max(node.rightMaxBlock, blockOrder(node.last + 1, node.afterFirst - 1)) >= searchMinBlock) {
            return search(node.right, node.last);
        }
        return NONE;
    }

    private static IoptArea insert(IoptArea node, IoptArea area) {
        if (node == null) {
            attachLeft(area, null);
            attachRight(area, null);
            return area;
        }
        if (Long.compareUnsigned(area.iova, node.iova) < 0) {
            attachLeft(node, insert(node.left, area));
        } else {
            attachRight(node, insert(node.right, area));
        }
        return rebalance(node);
    }

    private static IoptArea remove(IoptArea node, IoptArea area) {
        if (node == null) {
            throw new AssertionError("area not in the tree: " + area);
        }
        int order = Long.compareUnsigned(area.iova, node.iova);
        if (order < 0) {
            attachLeft(node, remove(node.left, area));
            return rebalance(node);
        }
        if (order > 0) {
            attachRight(node, remove(node.right, area));
            return rebalance(node);
        }
        IoptArea left = node.left;
        IoptArea right = node.right;
        node.left = null;
        node.right = null;
        if (left == null) {
            return right;
        }
        if (right == null) {
            return left;
        }
        IoptArea successor = right;
        while (successor.left != null) {
            successor = successor.left;
        }
        attachRight(successor, removeFirst(right));
        attachLeft(successor, left);
        return rebalance(successor);
    }

    private static IoptArea removeFirst(IoptArea node) {
        if (node.left == null) {
            return node.right;
        }
        attachLeft(node, removeFirst(node.left));
        return rebalance(node);
    }

    private static IoptArea rebalance(IoptArea node) {
        int balance = node.leftHeight - node.rightHeight;
        if (balance > 1) {
            IoptArea left = node.left;
            if (left.leftHeight < left.rightHeight) {
                attachLeft(node, rotateLeft(left));
            }
            return rotateRight(node);
        }
        if (balance < -1) {
            IoptArea right = node.right;
            if (right.rightHeight < right.leftHeight) {
                attachRight(node, rotateRight(right));
            }
            return rotateLeft(node);
        }
        return node;
    }

    private static IoptArea rotateRight(IoptArea node) {
        IoptArea pivot = node.left;
        attachLeft(node, pivot.right);
        attachRight(pivot, node);
        return pivot;
    }

    private static IoptArea rotateLeft(IoptArea node) {
        IoptArea pivot = node.right;
        attachRight(node, pivot.left);
        attachLeft(pivot, node);
        return pivot;
    }

    /** Makes {@code child} the left subtree of {@code node} and copies its summary into {@code node}. */
    private static void attachLeft(IoptArea node, IoptArea child) {
        node.left = child;
        if (child == null) {
            node.subtreeFirst = node.iova;
            node.leftMaxHole = 0;
            node.leftMaxBlock = 0;
            node.leftHeight = 0;
            return;
        }
        node.subtreeFirst = child.subtreeFirst;
        node.beforeLast = child.subtreeLast;
        node.leftMaxHole = maxHole(child);
        node.leftMaxBlock = (byte) maxBlock(child);
        node.leftHeight = (byte) height(child);
    }

    /** Makes {@code child} the right subtree of {@code node} and copies its summary into {@code node}. */
    private static void attachRight(IoptArea node, IoptArea child) {
        node.right = child;
        if (child == null) {
            node.subtreeLast = node.last;
            node.rightMaxHole = 0;
            node.rightMaxBlock = 0;
            node.rightHeight = 0;
            return;
        }
        node.subtreeLast = child.subtreeLast;
        node.afterFirst = child.subtreeFirst;
        node.rightMaxHole = maxHole(child);
        node.rightMaxBlock = (byte) maxBlock(child);
        node.rightHeight = (byte) height(child);
    }

    private static int height(IoptArea node) {
        return 1 + Math.max(node.leftHeight, node.rightHeight);
    }

    /** The largest hole between two consecutive areas of the subtree rooted at {@code node}. */
    private static long maxHole(IoptArea node) {
        long hole = unsignedMax(node.leftMaxHole, node.rightMaxHole);
        if (node.left != null) {
            hole = unsignedMax(hole, node.iova - node.beforeLast - 1);
        }
        if (node.right != null) {
            hole = unsignedMax(hole, node.afterFirst - node.last - 1);
        }
        return hole;
    }

    /** {@link #blockOrder} of the largest aligned block in the holes between the subtree's areas. */
    private static int maxBlock(IoptArea node) {
        int block = Math.max(node.leftMaxBlock, node.rightMaxBlock);
        if (node.left != null) {
            block = Math.max(block, blockOrder(node.beforeLast + 1, node.iova - 1));
        }
        if (node.right != null) {
            block = Math.max(block, blockOrder(node.last + 1, node.afterFirst - 1));
        }
        return block;
    }

    /**
     * 1 + log2 of the largest power of two, at most {@link #MAX_BLOCK}, of which {@code [start, last]}
     * contains a block aligned to its size; 0 for an empty hole ({@code last + 1 == start}). A hole of
     * at least 2^k bytes always holds an aligned block of 2^(k-1), so two tries settle it.
     */
    static int blockOrder(long start, long last) {
        if (last + 1 == start) {
            return 0;
        }
        int shift = Math.min(MAX_BLOCK_SHIFT, 63 - Long.numberOfLeadingZeros(last - start + 1));
        long block = 1L << shift;
        long aligned = (start + block - 1) & -block;
        boolean fits = Long.compareUnsigned(aligned, start) >= 0 && Long.compareUnsigned(aligned, last) <= 0
                && Long.compareUnsigned(last - aligned, block - 1) >= 0;
        return fits ? shift + 1 : shift;
    }

    private static long unsignedMax(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }
}
