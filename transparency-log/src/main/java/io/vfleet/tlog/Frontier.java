package io.vfleet.tlog;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a growing tree: the complete subtrees that cover its leaves, largest first, at
 * most one per level. Appending a leaf adds a subtree of one leaf and merges equal neighbours, and
 * each merge completes a subtree whose hash a log stores ({@link #append} returns them). The root is
 * the fold of the edge, so a log appends and computes its root in memory logarithmic in its size.
 *
 * <p>Not thread-safe: one appender owns it.
 */
public final class Frontier {

    /** A complete subtree and its hash, as a log stores it. */
    public record StoredHash(MerkleTree.Subtree subtree, Hash hash) {}

    private final List<StoredHash> edge = new ArrayList<>();
    private long size;

    private Frontier() {}

    public static Frontier empty() {
        return new Frontier();
    }

    /** The edge of a stored tree of {@code size} leaves, from the hashes of {@link MerkleTree#cover cover(0, size)}. */
    public static Frontier of(long size, MerkleTree.SubtreeHashes stored) {
        Frontier frontier = new Frontier();
        List<MerkleTree.Subtree> cover = MerkleTree.cover(0, size);
        List<Hash> hashes = cover.isEmpty() ? List.of() : stored.read(cover);
        for (int position = 0; position < cover.size(); position++) {
            frontier.edge.add(new StoredHash(cover.get(position), hashes.get(position)));
        }
        frontier.size = size;
        return frontier;
    }

    /** Appends a leaf; answers the hashes of the subtrees it completed, the leaf's own first. */
    public List<StoredHash> append(Hash leaf) {
        List<StoredHash> completed = new ArrayList<>();
        StoredHash current = new StoredHash(new MerkleTree.Subtree(0, size), leaf);
        completed.add(current);
        while (!edge.isEmpty() && edge.getLast().subtree().level() == current.subtree().level()) {
            StoredHash left = edge.removeLast();
            MerkleTree.Subtree parent = new MerkleTree.Subtree(left.subtree().level() + 1, left.subtree().index() >> 1);
            current = new StoredHash(parent, MerkleTree.nodeHash(left.hash(), current.hash()));
            completed.add(current);
        }
        edge.add(current);
        size++;
        return completed;
    }

    public long size() {
        return size;
    }

    public Hash root() {
        return MerkleTree.fold(edge.stream().map(StoredHash::hash).toList());
    }
}
