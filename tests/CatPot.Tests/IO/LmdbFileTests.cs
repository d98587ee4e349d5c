using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CatPot.IO;
using CatPot.IO.Lmdb;
using Xunit;

namespace CatPot.Tests.IO;

public class LmdbFileTests
{
    private static (string Key, int Length, string Sha256)[] ExpectedDeepEntries()
    {
        using var doc = AseLmdbFixtures.Expected("deep.expected.json");
        return doc.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("key").GetString()!, e.GetProperty("length").GetInt32(), e.GetProperty("sha256").GetString()!))
            .ToArray();
    }

    private static string Sha(byte[] value) => Convert.ToHexStringLower(SHA256.HashData(value));

    [Fact]
    public void Enumerate_DeepTree_MatchesLiblmdbCursorOrder()
    {
        var expected = ExpectedDeepEntries();
        using var stat = AseLmdbFixtures.Expected("deep.expected.json");
        using var db = LmdbFile.Open(AseLmdbFixtures.PathOf("deep.lmdb"));

        Assert.Equal(stat.RootElement.GetProperty("stat").GetProperty("depth").GetInt32(), db.Depth);
        Assert.True(db.Depth >= 3, "fixture should exercise branch pages below the root");
        Assert.Equal(4096, db.PageSize);
        Assert.Equal(expected.Length, db.EntryCount);

        var actual = db.Enumerate().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Key, Encoding.ASCII.GetString(actual[i].Key));
            Assert.Equal(expected[i].Length, actual[i].Value.Length);
            Assert.Equal(expected[i].Sha256, Sha(actual[i].Value));
        }
        Assert.Contains(actual, e => e.Value.Length > db.PageSize); // overflow pages were followed
    }

    [Fact]
    public void Get_FindsEveryKey_AndReturnsNullForAbsentKeys()
    {
        var expected = ExpectedDeepEntries();
        using var db = LmdbFile.Open(AseLmdbFixtures.PathOf("deep.lmdb"));
        foreach (var (key, length, sha) in expected)
        {
            var value = db.Get(Encoding.ASCII.GetBytes(key));
            Assert.NotNull(value);
            Assert.Equal(length, value.Length);
            Assert.Equal(sha, Sha(value));
        }

        var present = expected.Select(e => e.Key).ToHashSet();
        string[] probes = ["", "0", "0000-", expected[0].Key + "x", expected[0].Key[..^1], "9999", "~", expected[^1].Key + "k", "0500-kkk"];
        foreach (var probe in probes)
        {
            Assert.DoesNotContain(probe, present);
            Assert.Null(db.Get(Encoding.ASCII.GetBytes(probe)));
        }
    }

    [Fact]
    public void Open_EmptyDatabase_HasNoEntries()
    {
        using var db = LmdbFile.Open(AseLmdbFixtures.PathOf("empty.lmdb"));
        Assert.Equal(0, db.EntryCount);
        Assert.Equal(0, db.Depth);
        Assert.Empty(db.Enumerate());
        Assert.Null(db.Get("nextid"u8));
    }

    [Fact]
    public void Open_NotAnLmdbFile_NamesFileAndMagic()
    {
        string path = Path.Combine(Path.GetTempPath(), $"catpot-not-lmdb-{Guid.NewGuid():N}.aselmdb");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("This is a text file, not LMDB.\n", 400)));
        try
        {
            var e = Assert.Throws<LmdbFormatException>(() => LmdbFile.Open(path));
            Assert.Equal(path, e.FilePath);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("not an LMDB file", e.Message, StringComparison.Ordinal);
            Assert.Contains("0xBEEFC0DE", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_EmptyOrTinyFile_GivesTypedError()
    {
        string path = Path.Combine(Path.GetTempPath(), $"catpot-empty-{Guid.NewGuid():N}.lmdb");
        File.WriteAllBytes(path, []);
        try
        {
            var e = Assert.Throws<LmdbFormatException>(() => LmdbFile.Open(path));
            Assert.Contains("0 bytes", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_DupSortMainDatabase_IsRejectedWithClearMessage()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("deep.lmdb"));
        // Set MDB_DUPSORT (0x04) in the main DB flags of both meta pages: offset 16 (header) + 24 + 48 (free DB) + 4.
        image[92] |= 0x04;
        image[4096 + 92] |= 0x04;
        var e = Assert.Throws<LmdbFormatException>(() => LmdbFile.FromBytes(image, "dupsort.lmdb"));
        Assert.Contains("MDB_DUPSORT", e.Message, StringComparison.Ordinal);
        Assert.Contains("dupsort.lmdb", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UsesTheMetaPageWithTheHigherTransactionId()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("deep.lmdb"));
        using var original = LmdbFile.FromBytes((byte[])image.Clone(), "deep.lmdb");
        // Meta 0 of a one-transaction file is the empty initial state; meta 1 holds the tree.
        Assert.Equal(1, original.TransactionId);
        Assert.Equal(300, original.EntryCount);

        // Corrupting meta 1's magic leaves meta 0 (txnid 0, empty database) as the only valid meta page.
        image[4096 + 16] ^= 0xFF;
        using var fallback = LmdbFile.FromBytes(image, "deep.lmdb");
        Assert.Equal(0, fallback.TransactionId);
        Assert.Equal(0, fallback.EntryCount);
    }

    [Fact]
    public void Truncation_AtManyLengths_GivesTypedErrorsOrOriginalData()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("deep.lmdb"));
        var expected = ExpectedDeepEntries();
        var random = new Random(1234);
        var lengths = Enumerable.Range(0, 40).Select(_ => random.Next(image.Length))
            .Concat([0, 1, 100, 151, 152, 4095, 4096, 8191, 8192, 8193, image.Length - 1, image.Length - 4096]);
        int typedErrors = 0;
        foreach (int length in lengths)
        {
            var cut = image.AsSpan(0, length).ToArray();
            try
            {
                using var db = LmdbFile.FromBytes(cut, "cut.lmdb");
                var entries = db.Enumerate().ToArray();
                // Whatever comes back must be exactly what the intact file holds.
                Assert.Equal(expected.Length, entries.Length);
                for (int i = 0; i < entries.Length; i++)
                    Assert.Equal(expected[i].Sha256, Sha(entries[i].Value));
            }
            catch (LmdbFormatException e)
            {
                Assert.Equal("cut.lmdb", e.FilePath);
                typedErrors++;
            }
        }
        Assert.True(typedErrors > 40, $"only {typedErrors} truncations were detected");
    }

    [Fact]
    public void ByteFlips_AnywhereInTheFile_NeverThrowUntypedExceptions()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("deep.lmdb"));
        var keys = ExpectedDeepEntries().Select(e => Encoding.ASCII.GetBytes(e.Key)).ToArray();
        var random = new Random(42);
        var positions = new List<int>();
        for (int i = 0; i < 152; i++) // every byte of both meta pages
        {
            positions.Add(i);
            positions.Add(4096 + i);
        }
        for (int i = 0; i < 1500; i++)
            positions.Add(random.Next(image.Length));

        int typedErrors = 0;
        var copy = new byte[image.Length];
        foreach (int position in positions)
        {
            image.CopyTo(copy, 0);
            copy[position] ^= (byte)random.Next(1, 256);
            try
            {
                using var db = LmdbFile.FromBytes(copy, "flipped.lmdb");
                foreach (var entry in db.Enumerate())
                    Assert.NotNull(entry.Value);
                for (int k = 0; k < keys.Length; k += 7)
                    db.Get(keys[k]);
            }
            catch (LmdbFormatException e)
            {
                Assert.Contains("flipped.lmdb", e.Message, StringComparison.Ordinal);
                typedErrors++;
            }
        }
        // Most bytes are key and value payload, where a flip changes data without breaking structure.
        Assert.True(typedErrors >= 20, $"only {typedErrors} of {positions.Count} flips were detected");
    }

    [Fact]
    public void BranchPointingBackToTheRoot_IsDetectedNotLoopedOn()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("deep.lmdb"));
        long root = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(4096 + 128));
        int page = (int)root * 4096;
        int lastNode = (BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(page + 12)) - 16) / 2 - 1;
        int node = page + BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(page + 16 + 2 * lastNode));
        // Child page number = lo | hi << 16 | flags << 32: make the root's last child the root itself.
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(node), (ushort)root);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(node + 2), (ushort)(root >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(node + 4), 0);
        using var db = LmdbFile.FromBytes(image, "cycle.lmdb");

        var e = Assert.Throws<LmdbFormatException>(() => db.Enumerate().ToArray());
        Assert.Contains("already reached", e.Message, StringComparison.Ordinal);
        var last = ExpectedDeepEntries()[^1].Key;
        Assert.Throws<LmdbFormatException>(() => db.Get(Encoding.ASCII.GetBytes(last)));
    }

    [Fact]
    public void Exception_IsAStructureFormatExceptionNamingThePage()
    {
        var image = File.ReadAllBytes(AseLmdbFixtures.PathOf("deep.lmdb"));
        using var probe = LmdbFile.FromBytes((byte[])image.Clone(), "deep.lmdb");
        long root = BinaryPrimitives.ReadInt64LittleEndian(image.AsSpan(4096 + 128));
        // Point the root page's header at another page number: the reader must notice.
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan((int)(root * probe.PageSize)), root + 1);
        using var db = LmdbFile.FromBytes(image, "deep.lmdb");
        var e = Assert.Throws<LmdbFormatException>(() => db.Enumerate().ToArray());
        Assert.IsAssignableFrom<StructureFormatException>(e);
        Assert.Equal(root, e.PageNumber);
        Assert.Contains($"page {root}", e.Message, StringComparison.Ordinal);
        Assert.Null(e.LineNumber);
    }
}
