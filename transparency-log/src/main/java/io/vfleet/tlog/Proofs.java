package io.vfleet.tlog;

import java.util.ArrayList;
import java.util.List;

/**
 * Inclusion and consistency proofs of RFC 9162 (sections 2.1.3 and 2.1.4): that a leaf is in a tree,
 * and that an older tree is a prefix of a newer one. Proofs are made from stored subtree hashes
 * ({@link MerkleTree.SubtreeHashes}, one read per proof) and checked from the roots alone.
 */
public final class Proofs {

    private Proofs() {}

    /** The audit path of leaf {@code index} in the tree of {@code size} leaves, from the leaf up. */
    public static List<Hash> inclusion(long index, long size, MerkleTree.SubtreeHashes stored) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("leaf " + index + " is not in a tree of " + size);
        }
        List<long[]> ranges = new ArrayList<>();
        path(index, 0, size, ranges);
        return MerkleTree.rangeHashes(ranges, stored);
    }

    /** RFC 9162 PATH(m, D[lo:hi]): the sibling ranges of the leaf's ancestors, deepest first. */
    private static void path(long leaf, long lo, long hi, List<long[]> ranges) {
        if (hi - lo == 1) {
            return;
        }
        long k = MerkleTree.split(hi - lo);
        if (leaf < lo + k) {
            path(leaf, lo, lo + k, ranges);
            ranges.add(new long[] {lo + k, hi});
        } else {
            path(leaf, lo + k, hi, ranges);
            ranges.add(new long[] {lo, lo + k});
        }
    }

    /**
     * The proof that the tree of {@code older} leaves is a prefix of the tree of {@code newer}:
     * empty when either is empty or both are the same size.
     */
    public static List<Hash> consistency(long older, long newer, MerkleTree.SubtreeHashes stored) {
        if (older < 0 || newer < older) {
            throw new IllegalArgumentException("no consistency proof from " + older + " to " + newer);
        }
        if (older == 0 || older == newer) {
            return List.of();
        }
        List<long[]> ranges = new ArrayList<>();
        subproof(older, 0, newer, true, ranges);
        return MerkleTree.rangeHashes(ranges, stored);
    }

    /** RFC 9162 SUBPROOF(m, D[lo:hi], b), with {@code m} an absolute leaf count. */
    private static void subproof(long m, long lo, long hi, boolean whole, List<long[]> ranges) {
        if (m == hi) {
            if (!whole) {
                ranges.add(new long[] {lo, hi});
            }
            return;
        }
        long k = MerkleTree.split(hi - lo);
        if (m <= lo + k) {
            subproof(m, lo, lo + k, whole, ranges);
            ranges.add(new long[] {lo + k, hi});
        } else {
            subproof(m, lo + k, hi, false, ranges);
            ranges.add(new long[] {lo, lo + k});
        }
    }

    /** Whether {@code proof} shows the leaf hash at {@code index} in the tree of {@code size} with this root (RFC 9162 2.1.3.2). */
    public static boolean verifyInclusion(Hash leaf, long index, long size, List<Hash> proof, Hash root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        Hash r = leaf;
        for (Hash p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleTree.nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = MerkleTree.nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.equals(root);
    }

    /**
     * Whether {@code proof} shows the tree of {@code older} leaves with {@code olderRoot} to be a
     * prefix of the tree of {@code newer} leaves with {@code newerRoot} (RFC 9162 2.1.4.2). An empty
     * older tree is a prefix of every tree; two trees of one size are consistent only if equal.
     */
    public static boolean verifyConsistency(long older, Hash olderRoot, long newer, Hash newerRoot, List<Hash> proof) {
        if (older < 0 || newer < older) {
            return false;
        }
        if (older == newer) {
            return proof.isEmpty() && olderRoot.equals(newerRoot);
        }
        if (older == 0) {
            return proof.isEmpty();
        }
        if (proof.isEmpty()) {
            return false;
        }
        List<Hash> path = new ArrayList<>(proof);
        if (Long.bitCount(older) == 1) {
            path.addFirst(olderRoot);
        }
        long fn = older - 1;
        long sn = newer - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        Hash fr = path.getFirst();
        Hash sr = path.getFirst();
        for (Hash c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = MerkleTree.nodeHash(c, fr);
                sr = MerkleTree.nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return fr.equals(olderRoot) && sr.equals(newerRoot) && sn == 0;
    }
}
