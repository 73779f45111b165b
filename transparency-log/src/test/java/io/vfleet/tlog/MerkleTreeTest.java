package io.vfleet.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {

    /** A log's hash storage in memory, as a database keeps it: every complete subtree's hash once. */
    static final class Stored implements MerkleTree.SubtreeHashes {
        final Map<MerkleTree.Subtree, Hash> hashes = new HashMap<>();
        final Frontier frontier = Frontier.empty();
        int reads;

        void append(Hash leaf) {
            frontier.append(leaf).forEach(stored -> hashes.put(stored.subtree(), stored.hash()));
        }

        @Override
        public List<Hash> read(List<MerkleTree.Subtree> subtrees) {
            reads++;
            return subtrees.stream().map(subtree -> {
                Hash hash = hashes.get(subtree);
                if (hash == null) {
                    throw new IllegalStateException("no stored hash of " + subtree);
                }
                return hash;
            }).toList();
        }
    }

    /** RFC 6962's MTH, straight from its definition: the reference the stored-hash computations must match. */
    static Hash referenceRoot(List<Hash> leaves) {
        if (leaves.isEmpty()) {
            return MerkleTree.emptyRoot();
        }
        if (leaves.size() == 1) {
            return leaves.getFirst();
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return MerkleTree.nodeHash(referenceRoot(leaves.subList(0, k)), referenceRoot(leaves.subList(k, leaves.size())));
    }

    static Hash leaf(int n) {
        return MerkleTree.leafHash(("leaf " + n).getBytes(StandardCharsets.UTF_8));
    }

    static final int LEAVES = 100;
    static final Stored STORED = new Stored();
    static final List<Hash> LEAF_HASHES = new ArrayList<>();
    static final List<Hash> ROOTS = new ArrayList<>();

    @BeforeAll
    static void appendAHundredLeaves() {
        ROOTS.add(MerkleTree.emptyRoot());
        for (int n = 0; n < LEAVES; n++) {
            LEAF_HASHES.add(leaf(n));
            STORED.append(leaf(n));
            ROOTS.add(STORED.frontier.root());
        }
    }

    @Test
    void aLeafHashIsTheHashOfAZeroByteAndTheData() {
        // Go's sumdb/tlog TestFormatTree: RecordHash("hello world").
        assertThat(MerkleTree.leafHash("hello world".getBytes(StandardCharsets.UTF_8)).base64())
                .isEqualTo("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=");
    }

    @Test
    void theEmptyTreesRootIsTheHashOfNothing() {
        assertThat(MerkleTree.emptyRoot().hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void rootsFromStoredSubtreesAndFromTheFrontierAreRfc6962s() {
        for (int size = 0; size <= LEAVES; size++) {
            Hash reference = referenceRoot(LEAF_HASHES.subList(0, size));
            assertThat(ROOTS.get(size)).as("frontier root of %d", size).isEqualTo(reference);
            assertThat(MerkleTree.root(size, STORED)).as("stored root of %d", size).isEqualTo(reference);
        }
    }

    @Test
    void aLogStoresOneHashPerCompleteSubtree() {
        // 2n - popcount(n): every leaf, and every interior node of every complete subtree.
        assertThat(STORED.hashes).hasSize(2 * LEAVES - Integer.bitCount(LEAVES));
    }

    @Test
    void aFrontierReadFromStorageContinuesTheSameTree() {
        Frontier resumed = Frontier.of(37, STORED);
        for (int n = 37; n < 60; n++) {
            resumed.append(leaf(n)).forEach(stored ->
                    assertThat(stored.hash()).as("%s", stored.subtree()).isEqualTo(STORED.hashes.get(stored.subtree())));
        }

        assertThat(resumed.size()).isEqualTo(60);
        assertThat(resumed.root()).isEqualTo(ROOTS.get(60));
    }

    @Test
    void everyInclusionProofOfEveryTreeVerifiesAndNoCorruptedOneDoes() {
        for (int size = 1; size <= LEAVES; size++) {
            for (int index = 0; index < size; index++) {
                List<Hash> proof = Proofs.inclusion(index, size, STORED);
                assertThat(Proofs.verifyInclusion(LEAF_HASHES.get(index), index, size, proof, ROOTS.get(size)))
                        .as("leaf %d of %d", index, size).isTrue();
                for (int corrupted = 0; corrupted < proof.size(); corrupted++) {
                    List<Hash> bad = new ArrayList<>(proof);
                    bad.set(corrupted, flipped(bad.get(corrupted)));
                    assertThat(Proofs.verifyInclusion(LEAF_HASHES.get(index), index, size, bad, ROOTS.get(size)))
                            .as("leaf %d of %d, hash %d corrupted", index, size, corrupted).isFalse();
                }
                assertThat(Proofs.verifyInclusion(LEAF_HASHES.get(index), index + 1, size, proof, ROOTS.get(size)))
                        .as("leaf %d of %d at the wrong index", index, size).isFalse();
            }
        }
    }

    @Test
    void everyConsistencyProofBetweenTwoTreesVerifiesAndNoCorruptedOneDoes() {
        for (int newer = 1; newer <= LEAVES; newer++) {
            for (int older = 1; older <= newer; older++) {
                List<Hash> proof = Proofs.consistency(older, newer, STORED);
                assertThat(Proofs.verifyConsistency(older, ROOTS.get(older), newer, ROOTS.get(newer), proof))
                        .as("%d to %d", older, newer).isTrue();
                for (int corrupted = 0; corrupted < proof.size(); corrupted++) {
                    List<Hash> bad = new ArrayList<>(proof);
                    bad.set(corrupted, flipped(bad.get(corrupted)));
                    assertThat(Proofs.verifyConsistency(older, ROOTS.get(older), newer, ROOTS.get(newer), bad))
                            .as("%d to %d, hash %d corrupted", older, newer, corrupted).isFalse();
                }
                if (older < newer) {
                    assertThat(Proofs.verifyConsistency(older, ROOTS.get(older - 1), newer, ROOTS.get(newer), proof))
                            .as("%d to %d from another tree", older, newer).isFalse();
                }
            }
        }
    }

    @Test
    void aProofReadsTheStoreOnce() {
        int before = STORED.reads;
        Proofs.consistency(37, 99, STORED);
        Proofs.inclusion(50, 99, STORED);

        assertThat(STORED.reads - before).isEqualTo(2);
    }

    @Test
    void aTreeOfAnotherSizeOrRootIsNotConsistent() {
        List<Hash> proof = Proofs.consistency(10, 20, STORED);

        assertThat(Proofs.verifyConsistency(10, ROOTS.get(10), 21, ROOTS.get(21), proof)).isFalse();
        assertThat(Proofs.verifyConsistency(10, ROOTS.get(10), 20, ROOTS.get(19), proof)).isFalse();
        assertThat(Proofs.verifyConsistency(20, ROOTS.get(20), 20, ROOTS.get(19), List.of())).isFalse();
        assertThat(Proofs.verifyConsistency(0, MerkleTree.emptyRoot(), 20, ROOTS.get(20), List.of())).isTrue();
    }

    static Properties argon;

    @BeforeAll
    static void readTheArgonLog() throws IOException {
        argon = new Properties();
        try (InputStream in = MerkleTreeTest.class.getResourceAsStream("argon2020.properties")) {
            argon.load(in);
        }
    }

    static List<Hash> hashes(String key) {
        return Arrays.stream(argon.getProperty(key).split(" ")).map(Hash::fromBase64).toList();
    }

    @Test
    void anInclusionProofOfCertificateTransparencysArgonLogVerifies() {
        long size = Long.parseLong(argon.getProperty("tree.size"));
        Hash root = Hash.fromBase64(argon.getProperty("tree.root"));
        Hash leaf = MerkleTree.leafHash(Base64.getDecoder().decode(argon.getProperty("leaf.input")));
        long index = Long.parseLong(argon.getProperty("leaf.index"));

        assertThat(Proofs.verifyInclusion(leaf, index, size, hashes("leaf.path"), root)).isTrue();
        assertThat(Proofs.verifyInclusion(leaf, index + 1, size, hashes("leaf.path"), root)).isFalse();
    }

    @Test
    void aConsistencyProofOfCertificateTransparencysArgonLogVerifies() {
        long size = Long.parseLong(argon.getProperty("tree.size"));
        Hash root = Hash.fromBase64(argon.getProperty("tree.root"));
        long older = Long.parseLong(argon.getProperty("older.size"));
        Hash olderRoot = Hash.fromBase64(argon.getProperty("older.root"));

        assertThat(Proofs.verifyConsistency(older, olderRoot, size, root, hashes("consistency"))).isTrue();
        assertThat(Proofs.verifyConsistency(older + 1, olderRoot, size, root, hashes("consistency"))).isFalse();
    }

    @Test
    void aRangeIsCoveredByItsBinaryDigitsLargestFirst() {
        assertThat(MerkleTree.cover(0, 13)).containsExactly(new MerkleTree.Subtree(3, 0), new MerkleTree.Subtree(2, 2),
                new MerkleTree.Subtree(0, 12));
        assertThat(MerkleTree.cover(8, 11)).containsExactly(new MerkleTree.Subtree(1, 4), new MerkleTree.Subtree(0, 10));
        assertThat(MerkleTree.cover(5, 5)).isEmpty();
    }

    static Hash flipped(Hash hash) {
        byte[] bytes = hash.bytes();
        bytes[0] ^= 1;
        return Hash.of(bytes);
    }
}
