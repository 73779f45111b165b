package io.vfleet.tlog;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Merkle hash tree of RFC 6962 (section 2.1; RFC 9162 section 2.1): a leaf's hash is
 * {@code SHA-256(0x00 || data)}, an interior node's {@code SHA-256(0x01 || left || right)}, and the
 * tree over {@code n} leaves splits at the largest power of two below {@code n}.
 *
 * <p>Such a tree is a row of complete subtrees, largest first: 13 leaves are subtrees of 8, 4 and 1.
 * A complete subtree never changes once its last leaf is appended, so a log stores the hash of every
 * complete subtree once (twice as many hashes as leaves, as Go's {@code sumdb/tlog} "hash storage"
 * does) and computes any root or proof from a logarithmic number of them ({@link SubtreeHashes}),
 * never by rehashing the leaves.
 *
 * <p>Vocabulary: leaves are numbered from 0; a range {@code [from, to)} excludes {@code to}; a
 * {@link Subtree} at level {@code k} and index {@code i} holds the leaves {@code [i·2^k, (i+1)·2^k)}.
 */
public final class MerkleTree {

    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;

    private MerkleTree() {}

    public static Hash leafHash(byte[] data) {
        MessageDigest digest = Hash.digest();
        digest.update(LEAF_PREFIX);
        digest.update(data);
        return Hash.of(digest.digest());
    }

    public static Hash nodeHash(Hash left, Hash right) {
        MessageDigest digest = Hash.digest();
        digest.update(NODE_PREFIX);
        left.updateInto(digest);
        right.updateInto(digest);
        return Hash.of(digest.digest());
    }

    /** The root of the empty tree: the hash of nothing. */
    public static Hash emptyRoot() {
        return Hash.sha256();
    }

    /** A complete subtree: the {@code 2^level} leaves from {@code index << level}. */
    public record Subtree(int level, long index) {

        public Subtree {
            if (level < 0 || level > 62 || index < 0) {
                throw new IllegalArgumentException("no subtree at level " + level + ", index " + index);
            }
        }

        public long first() {
            return index << level;
        }

        /** One past its last leaf. */
        public long end() {
            return (index + 1) << level;
        }
    }

    /** Reads stored hashes of complete subtrees, each of which the tree must already have. */
    @FunctionalInterface
    public interface SubtreeHashes {

        /** The hashes of these subtrees, in the same order. */
        List<Hash> read(List<Subtree> subtrees);
    }

    /**
     * The complete subtrees that make up the leaves {@code [from, to)}, left to right. For the
     * ranges a tree and its proofs are made of ({@code from} a multiple of a power of two at least
     * {@code to - from}) they are the binary digits of the length, largest first.
     */
    public static List<Subtree> cover(long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no range [" + from + ", " + to + ")");
        }
        List<Subtree> subtrees = new ArrayList<>();
        long start = from;
        while (start < to) {
            int level = start == 0 ? 62 : Long.numberOfTrailingZeros(start);
            while ((1L << level) > to - start) {
                level--;
            }
            subtrees.add(new Subtree(level, start >> level));
            start += 1L << level;
        }
        return subtrees;
    }

    /**
     * The hash of a range from the hashes of its cover, largest subtree first: each one is the left
     * child of the tree over everything after it, as RFC 6962's split at the largest power of two
     * below the length makes it.
     */
    static Hash fold(List<Hash> cover) {
        if (cover.isEmpty()) {
            return emptyRoot();
        }
        Hash hash = cover.getLast();
        for (int position = cover.size() - 2; position >= 0; position--) {
            hash = nodeHash(cover.get(position), hash);
        }
        return hash;
    }

    /** The root of the tree over the first {@code size} leaves. */
    public static Hash root(long size, SubtreeHashes stored) {
        List<Subtree> cover = cover(0, size);
        return cover.isEmpty() ? emptyRoot() : fold(stored.read(cover));
    }

    /** The hashes of the given ranges, read in one call to the store. */
    static List<Hash> rangeHashes(List<long[]> ranges, SubtreeHashes stored) {
        Map<Subtree, Hash> known = new LinkedHashMap<>();
        List<List<Subtree>> covers = new ArrayList<>();
        for (long[] range : ranges) {
            List<Subtree> cover = cover(range[0], range[1]);
            covers.add(cover);
            cover.forEach(subtree -> known.put(subtree, null));
        }
        List<Subtree> wanted = List.copyOf(known.keySet());
        List<Hash> read = wanted.isEmpty() ? List.of() : stored.read(wanted);
        if (read.size() != wanted.size()) {
            throw new IllegalStateException("asked for " + wanted.size() + " subtree hashes, got " + read.size());
        }
        for (int position = 0; position < wanted.size(); position++) {
            known.put(wanted.get(position), read.get(position));
        }
        List<Hash> hashes = new ArrayList<>();
        for (List<Subtree> cover : covers) {
            hashes.add(fold(cover.stream().map(known::get).toList()));
        }
        return hashes;
    }

    /** The largest power of two below {@code n}, for {@code n > 1}: where RFC 6962 splits a tree of {@code n}. */
    static long split(long n) {
        return Long.highestOneBit(n - 1);
    }
}
