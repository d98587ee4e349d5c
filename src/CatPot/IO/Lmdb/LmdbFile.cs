using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace CatPot.IO.Lmdb;

/// <summary>
/// Read-only access to the unnamed main database of an LMDB file, in managed code (no liblmdb).
/// Understands the on-disk layout liblmdb 0.9.x writes on 64-bit little-endian machines: two meta
/// pages, a B+tree of branch and leaf pages, and overflow pages for values that do not fit a leaf.
/// </summary>
/// <remarks>
/// The file is memory-mapped, not read into memory. Every offset, page number and length taken from
/// the file is checked before use, so a truncated or corrupted file gives an
/// <see cref="LmdbFormatException"/> naming the file and page. Lookups and enumeration may run on
/// several threads at once; <see cref="Dispose"/> must not race with them. Named sub-databases and
/// DUPSORT databases are not supported.
/// </remarks>
public sealed unsafe class LmdbFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private GCHandle _pin;
    private byte* _base;
    private readonly long _length;
    private readonly long _pageCount;
    private readonly long _root;

    private LmdbFile(string path, byte* basePointer, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, GCHandle pin)
    {
        FilePath = path;
        _base = basePointer;
        _length = length;
        _map = map;
        _view = view;
        _pin = pin;
        try
        {
            var meta = ReadMeta();
            PageSize = meta.PageSize;
            Depth = meta.Depth;
            EntryCount = meta.Entries;
            TransactionId = meta.TxnId;
            _root = meta.Root;
            _pageCount = Math.Min(_length / PageSize, meta.LastPage + 1);
            if (_root != LmdbLayout.InvalidPage && (_root < 2 || _root >= _pageCount))
                throw Error(null, $"the main database's root page {_root} is outside the {_pageCount} pages in the file (truncated or corrupted file).");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens an LMDB data file (the file itself, as written with <c>MDB_NOSUBDIR</c>) read-only.</summary>
    /// <param name="path">Path of the data file, e.g. <c>train_0.aselmdb</c>.</param>
    /// <exception cref="LmdbFormatException">The file is not LMDB, is empty, truncated or corrupted.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static LmdbFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = stream.Length;
        if (length < LmdbLayout.MetaEnd)
        {
            stream.Dispose();
            throw new LmdbFormatException(path, null, $"the file is {length} bytes long, too short to hold an LMDB meta page ({LmdbLayout.MetaEnd} bytes); it is not an LMDB file or it was truncated.");
        }

        var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
        return new LmdbFile(path, pointer, length, map, view, default);
    }

    /// <summary>Reads an LMDB image held in memory (tests, embedded data). The array is pinned, not copied.</summary>
    /// <param name="image">The bytes of an LMDB data file.</param>
    /// <param name="displayPath">The name used in error messages.</param>
    internal static LmdbFile FromBytes(byte[] image, string displayPath)
    {
        if (image.Length < LmdbLayout.MetaEnd)
            throw new LmdbFormatException(displayPath, null, $"the file is {image.Length} bytes long, too short to hold an LMDB meta page ({LmdbLayout.MetaEnd} bytes); it is not an LMDB file or it was truncated.");
        var pin = GCHandle.Alloc(image, GCHandleType.Pinned);
        return new LmdbFile(displayPath, (byte*)pin.AddrOfPinnedObject(), image.Length, null, null, pin);
    }

    /// <summary>
    /// Drops this process's mapping of the file's pages (Linux: madvise MADV_DONTNEED on the read-only map). The pages
    /// stay in the kernel's page cache and fault back in on the next access, but no longer count in the process's
    /// resident set, so reading a dataset larger than memory by index keeps the resident set bounded. Safe while other
    /// threads read (they refault); a no-op for in-memory images and on other systems.
    /// </summary>
    internal void ReleaseResidentPages()
    {
        if (_map is null || !OperatingSystem.IsLinux()) return;
        long page = Environment.SystemPageSize;
        long start = (long)_base & ~(page - 1);
        _ = Madvise((nint)start, (nuint)(_length + ((long)_base - start)), MadviseDontNeed);
    }

    private const int MadviseDontNeed = 4;

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);

    /// <summary>The file this database was opened from.</summary>
    public string FilePath { get; }

    /// <summary>Page size in bytes, as recorded in the meta page (4096 on typical x86_64 Linux).</summary>
    public int PageSize { get; }

    /// <summary>Depth of the main database's B+tree (0 when empty, 1 when the root is a leaf).</summary>
    public int Depth { get; }

    /// <summary>Number of key/value pairs in the main database, as recorded in the meta page.</summary>
    public long EntryCount { get; }

    /// <summary>Id of the last committed write transaction (the newer of the two meta pages).</summary>
    public long TransactionId { get; }

    /// <summary>Looks a key up and returns a copy of its value, or null when the key is absent.</summary>
    /// <param name="key">The key bytes (LMDB compares keys bytewise, shorter first on a tie).</param>
    public byte[]? Get(ReadOnlySpan<byte> key) => TryGetSpan(key, out var value) ? value.ToArray() : null;

    /// <summary>
    /// Looks a key up; the value span points into the mapped file and is valid only until the file is disposed.
    /// </summary>
    internal bool TryGetSpan(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        ThrowIfDisposed();
        value = default;
        if (_root == LmdbLayout.InvalidPage)
            return false;
        long pgno = _root;
        for (int level = 0; ; level++)
        {
            var page = Page(pgno);
            bool isLeaf = ExpectTreePage(page, pgno, level);
            int count = NodeCount(page, pgno);
            if (!isLeaf)
            {
                // The first branch key is implicitly -infinity: find the last node whose key <= target.
                int lo = 1, hi = count - 1, child = 0;
                while (lo <= hi)
                {
                    int mid = (lo + hi) >>> 1;
                    if (Compare(NodeKey(page, pgno, mid), key) <= 0)
                    {
                        child = mid;
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid - 1;
                    }
                }
                pgno = BranchChild(page, pgno, child);
                continue;
            }

            int l = 0, h = count - 1;
            while (l <= h)
            {
                int mid = (l + h) >>> 1;
                int c = Compare(NodeKey(page, pgno, mid), key);
                if (c == 0)
                {
                    value = LeafValue(page, pgno, mid);
                    return true;
                }
                if (c < 0)
                    l = mid + 1;
                else
                    h = mid - 1;
            }
            return false;
        }
    }

    /// <summary>
    /// All key/value pairs in cursor order (keys ascending bytewise), as copies. Streams: pages are read as
    /// the enumeration advances.
    /// </summary>
    /// <exception cref="LmdbFormatException">The tree is corrupted (a page reached twice, a bad page, or an entry count that disagrees with the meta page).</exception>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Enumerate()
    {
        ThrowIfDisposed();
        if (_root == LmdbLayout.InvalidPage)
        {
            if (EntryCount != 0)
                throw Error(null, $"the meta page says the main database holds {EntryCount} entries but has no root page.");
            yield break;
        }

        var visited = new HashSet<long>();
        var stack = new Stack<(long Page, int Level, int Next)>();
        stack.Push((_root, 0, 0));
        visited.Add(_root);
        long seen = 0;
        while (stack.Count > 0)
        {
            var (pgno, level, next) = stack.Pop();
            var (isLeaf, count) = InspectForEnumeration(pgno, level);
            if (isLeaf)
            {
                for (int i = 0; i < count; i++)
                {
                    var pair = CopyLeafEntry(pgno, i);
                    seen++;
                    yield return pair;
                }
                continue;
            }
            if (next >= count)
                continue;
            stack.Push((pgno, level, next + 1));
            long child = BranchChild(Page(pgno), pgno, next);
            if (!visited.Add(child))
                throw Error(pgno, $"branch node {next} points to page {child}, which the tree already reached (a cycle or shared page: the file is corrupted).");
            stack.Push((child, level + 1, 0));
        }
        if (seen != EntryCount)
            throw Error(null, $"the meta page says the main database holds {EntryCount} entries but its tree holds {seen} (corrupted file).");
    }

    /// <summary>Releases the mapping. Spans handed out by <see cref="TryGetSpan"/> become invalid.</summary>
    public void Dispose()
    {
        if (_base == null)
            return;
        _base = null;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        if (_pin.IsAllocated)
            _pin.Free();
    }

    private (bool IsLeaf, int Count) InspectForEnumeration(long pgno, int level)
    {
        var page = Page(pgno);
        return (ExpectTreePage(page, pgno, level), NodeCount(page, pgno));
    }

    private KeyValuePair<byte[], byte[]> CopyLeafEntry(long pgno, int index)
    {
        var page = Page(pgno);
        return new(NodeKey(page, pgno, index).ToArray(), LeafValue(page, pgno, index).ToArray());
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_base == null, this);

    private readonly record struct Meta(int PageSize, int Depth, long Entries, long Root, long LastPage, long TxnId);

    private Meta ReadMeta()
    {
        var first = new ReadOnlySpan<byte>(_base, (int)Math.Min(_length, LmdbLayout.MetaEnd));
        string? problem0 = CheckMetaPage(first, 0);
        if (problem0 is not null)
            throw Error(0, problem0);
        uint pageSize = BinaryPrimitives.ReadUInt32LittleEndian(first[LmdbLayout.MetaPageSizeOffset..]);
        if (pageSize < LmdbLayout.MinPageSize || pageSize > LmdbLayout.MaxPageSize || (pageSize & (pageSize - 1)) != 0)
            throw Error(0, $"page size {pageSize} recorded in the meta page is not a power of two between {LmdbLayout.MinPageSize} and {LmdbLayout.MaxPageSize} (corrupted file, or written by a 32-bit liblmdb, which this reader does not support).");
        int psize = (int)pageSize;
        if (_length < 2L * psize)
            throw Error(1, $"the file is {_length} bytes long but its two meta pages need {2 * psize} bytes (truncated file).");

        var meta0 = ParseMeta(first, psize);
        var second = new ReadOnlySpan<byte>(_base + psize, LmdbLayout.MetaEnd);
        // liblmdb writes the two meta pages alternately; the one with the higher txnid is current. A torn
        // or damaged second meta page leaves the first one usable.
        var chosen = CheckMetaPage(second, 1) is null && ParseMeta(second, psize) is var meta1 && meta1.TxnId > meta0.TxnId
            ? (Meta: meta1, Page: 1L)
            : (Meta: meta0, Page: 0L);
        var meta = chosen.Meta;
        if (meta.LastPage < 1)
            throw Error(chosen.Page, $"last page number {meta.LastPage} is invalid (corrupted meta page).");
        if (meta.Root != LmdbLayout.InvalidPage && (meta.Depth < 1 || meta.Depth > LmdbLayout.MaxDepth))
            throw Error(chosen.Page, $"the main database's depth {meta.Depth} is outside 1..{LmdbLayout.MaxDepth} (corrupted meta page).");
        if (meta.Entries < 0)
            throw Error(chosen.Page, $"the main database's entry count {meta.Entries} is negative (corrupted meta page).");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian((chosen.Page == 0 ? first : second)[LmdbLayout.MainDbFlagsOffset..]);
        if ((flags & LmdbLayout.DbDupSort) != 0)
            throw Error(chosen.Page, "the main database was created with MDB_DUPSORT (several values per key); this reader supports plain key/value databases such as ASE's .aselmdb only.");
        if ((flags & (LmdbLayout.DbReverseKey | LmdbLayout.DbIntegerKey)) != 0)
            throw Error(chosen.Page, $"the main database uses key flags 0x{flags:x} (MDB_REVERSEKEY/MDB_INTEGERKEY); this reader supports bytewise-ordered keys only.");
        return meta;
    }

    private static string? CheckMetaPage(ReadOnlySpan<byte> page, long pgno)
    {
        if (page.Length < LmdbLayout.MetaEnd)
            return $"the file ends inside meta page {pgno} (truncated file).";
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(page[LmdbLayout.MetaMagicOffset..]);
        if (magic != LmdbLayout.Magic)
        {
            return magic == BinaryPrimitives.ReverseEndianness(LmdbLayout.Magic)
                ? "this LMDB file was written on a big-endian machine; only little-endian files are supported."
                : $"not an LMDB file: expected the magic number 0x{LmdbLayout.Magic:X8} at byte {LmdbLayout.MetaMagicOffset} of the meta page but found 0x{magic:X8}. Pass an LMDB data file (e.g. an OMol25 .aselmdb).";
        }
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(page[LmdbLayout.MetaVersionOffset..]);
        if (version != LmdbLayout.DataVersion)
            return $"LMDB data format version {version} is not supported; this reader reads version {LmdbLayout.DataVersion} (liblmdb 0.9.x).";
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.FlagsOffset..]);
        if ((flags & LmdbLayout.PageMeta) == 0)
            return $"meta page {pgno} is not flagged as a meta page (flags 0x{flags:x}); corrupted file.";
        return null;
    }

    private static Meta ParseMeta(ReadOnlySpan<byte> page, int psize) => new(
        psize,
        BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.MainDbDepthOffset..]),
        BinaryPrimitives.ReadInt64LittleEndian(page[LmdbLayout.MainDbEntriesOffset..]),
        BinaryPrimitives.ReadInt64LittleEndian(page[LmdbLayout.MainDbRootOffset..]),
        BinaryPrimitives.ReadInt64LittleEndian(page[LmdbLayout.LastPageOffset..]),
        BinaryPrimitives.ReadInt64LittleEndian(page[LmdbLayout.TxnIdOffset..]));

    private ReadOnlySpan<byte> Page(long pgno)
    {
        ThrowIfDisposed();
        if (pgno < 2 || pgno >= _pageCount)
            throw Error(pgno, $"page number {pgno} is outside the data pages 2..{_pageCount - 1} of the file (truncated or corrupted file).");
        return new ReadOnlySpan<byte>(_base + pgno * PageSize, PageSize);
    }

    /// <summary>Checks a branch/leaf page header; returns true for a leaf. Leaves must sit exactly at the tree's depth.</summary>
    private bool ExpectTreePage(ReadOnlySpan<byte> page, long pgno, int level)
    {
        long stored = BinaryPrimitives.ReadInt64LittleEndian(page);
        if (stored != pgno)
            throw Error(pgno, $"the page header says it is page {stored} (corrupted file).");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.FlagsOffset..]);
        int kind = flags & (LmdbLayout.PageBranch | LmdbLayout.PageLeaf | LmdbLayout.PageOverflow | LmdbLayout.PageMeta | LmdbLayout.PageLeaf2 | LmdbLayout.PageSubPage);
        bool lastLevel = level == Depth - 1;
        if (kind == LmdbLayout.PageLeaf && lastLevel)
            return true;
        if (kind == LmdbLayout.PageBranch && level < Depth - 1)
            return false;
        string expected = lastLevel ? "a leaf page" : "a branch page";
        throw Error(pgno, $"expected {expected} at tree level {level} of {Depth} but found page flags 0x{flags:x} (corrupted file, or a DUPFIXED/sub-database layout this reader does not support).");
    }

    private int NodeCount(ReadOnlySpan<byte> page, long pgno)
    {
        int lower = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.LowerOffset..]);
        int upper = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.UpperOffset..]);
        if (lower < LmdbLayout.PageHeaderSize || upper > PageSize || lower > upper || ((lower - LmdbLayout.PageHeaderSize) & 1) != 0)
            throw Error(pgno, $"free-space bounds lower={lower}, upper={upper} are inconsistent with a {PageSize}-byte page (corrupted file).");
        int count = (lower - LmdbLayout.PageHeaderSize) >> 1;
        if (count == 0)
            throw Error(pgno, "a tree page holds no nodes (corrupted file).");
        return count;
    }

    /// <summary>Offset of node <paramref name="index"/> within its page, checked to leave room for the node header.</summary>
    private int NodeOffset(ReadOnlySpan<byte> page, long pgno, int index)
    {
        int lower = BinaryPrimitives.ReadUInt16LittleEndian(page[LmdbLayout.LowerOffset..]);
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(page[(LmdbLayout.PageHeaderSize + 2 * index)..]);
        if (offset < lower || offset > PageSize - LmdbLayout.NodeHeaderSize)
            throw Error(pgno, $"node {index} starts at byte {offset}, outside the node area {lower}..{PageSize - LmdbLayout.NodeHeaderSize} (corrupted file).");
        return offset;
    }

    private ReadOnlySpan<byte> NodeKey(ReadOnlySpan<byte> page, long pgno, int index)
    {
        int offset = NodeOffset(page, pgno, index);
        int keySize = BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + LmdbLayout.NodeKeySizeOffset)..]);
        int start = offset + LmdbLayout.NodeHeaderSize;
        if (keySize > PageSize - start)
            throw Error(pgno, $"node {index} has a {keySize}-byte key that runs past the end of the page (corrupted file).");
        return page.Slice(start, keySize);
    }

    private long BranchChild(ReadOnlySpan<byte> page, long pgno, int index)
    {
        int offset = NodeOffset(page, pgno, index);
        // Branch nodes keep the 48-bit child page number in lo, hi and flags.
        long child = BinaryPrimitives.ReadUInt16LittleEndian(page[offset..])
                     | ((long)BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + 2)..]) << 16)
                     | ((long)BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + LmdbLayout.NodeFlagsOffset)..]) << 32);
        if (child < 2 || child >= _pageCount)
            throw Error(pgno, $"branch node {index} points to page {child}, outside the data pages 2..{_pageCount - 1} (truncated or corrupted file).");
        return child;
    }

    private ReadOnlySpan<byte> LeafValue(ReadOnlySpan<byte> page, long pgno, int index)
    {
        int offset = NodeOffset(page, pgno, index);
        int keySize = BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + LmdbLayout.NodeKeySizeOffset)..]);
        ushort nodeFlags = BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + LmdbLayout.NodeFlagsOffset)..]);
        long dataSize = BinaryPrimitives.ReadUInt16LittleEndian(page[offset..])
                        | ((long)BinaryPrimitives.ReadUInt16LittleEndian(page[(offset + 2)..]) << 16);
        int dataStart = offset + LmdbLayout.NodeHeaderSize + keySize;
        if ((nodeFlags & (LmdbLayout.NodeSubData | LmdbLayout.NodeDupData)) != 0)
            throw Error(pgno, $"leaf node {index} holds a sub-database or duplicate values (flags 0x{nodeFlags:x}); this reader supports plain key/value entries only.");
        if ((nodeFlags & LmdbLayout.NodeBigData) == 0)
        {
            if (dataStart + dataSize > PageSize)
                throw Error(pgno, $"leaf node {index}: a {keySize}-byte key and {dataSize}-byte value starting at byte {offset} run past the end of the page (corrupted file).");
            return page.Slice(dataStart, (int)dataSize);
        }

        if (dataStart + 8 > PageSize)
            throw Error(pgno, $"leaf node {index}: its overflow page number runs past the end of the page (corrupted file).");
        long first = BinaryPrimitives.ReadInt64LittleEndian(page[dataStart..]);
        var head = Page(first);
        if (BinaryPrimitives.ReadInt64LittleEndian(head) != first
            || (BinaryPrimitives.ReadUInt16LittleEndian(head[LmdbLayout.FlagsOffset..]) & LmdbLayout.PageOverflow) == 0)
            throw Error(first, $"leaf node {index} of page {pgno} points to this page for its {dataSize}-byte value, but it is not an overflow page (corrupted file).");
        long pages = BinaryPrimitives.ReadUInt32LittleEndian(head[LmdbLayout.LowerOffset..]);
        if (pages < 1 || first + pages > _pageCount)
            throw Error(first, $"overflow run of {pages} pages does not fit in the {_pageCount} pages of the file (truncated or corrupted file).");
        if (dataSize > pages * PageSize - LmdbLayout.PageHeaderSize)
            throw Error(first, $"a {dataSize}-byte value does not fit its {pages} overflow pages (corrupted file).");
        if (dataSize > int.MaxValue)
            throw Error(first, $"a {dataSize}-byte value is larger than this reader can hand out (2 GiB).");
        return new ReadOnlySpan<byte>(_base + first * PageSize + LmdbLayout.PageHeaderSize, (int)dataSize);
    }

    /// <summary>LMDB's default key order: bytewise, and a prefix sorts before longer keys.</summary>
    private static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    private LmdbFormatException Error(long? pgno, string message) => new(FilePath, pgno, message);
}
