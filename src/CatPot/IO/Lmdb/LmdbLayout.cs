namespace CatPot.IO.Lmdb;

/// <summary>
/// Byte offsets, flags and limits of the LMDB data file as liblmdb 0.9.x lays it out on 64-bit
/// little-endian machines (<c>MDB_page</c>, <c>MDB_meta</c>, <c>MDB_db</c>, <c>MDB_node</c> in mdb.c).
/// </summary>
internal static class LmdbLayout
{
    /// <summary><c>MDB_MAGIC</c>, the first field of the meta data after the page header.</summary>
    public const uint Magic = 0xBEEFC0DE;

    /// <summary><c>MDB_DATA_VERSION</c> of liblmdb 0.9.x.</summary>
    public const uint DataVersion = 1;

    /// <summary><c>P_INVALID</c>: the root of an empty database.</summary>
    public const long InvalidPage = -1;

    /// <summary>Deepest tree accepted; liblmdb's cursor stack (<c>CURSOR_STACK</c>) holds 32 levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>Smallest and largest page sizes accepted (liblmdb uses the OS page size, at most 32 KiB in practice).</summary>
    public const int MinPageSize = 512, MaxPageSize = 65536;

    // MDB_page header: mp_pgno (8), mp_pad (2), mp_flags (2), mp_lower (2), mp_upper (2); overflow pages
    // reuse lower/upper as the 32-bit page count mp_pages.
    public const int PageHeaderSize = 16;
    public const int FlagsOffset = 10;
    public const int LowerOffset = 12;
    public const int UpperOffset = 14;

    // Page flags.
    public const int PageBranch = 0x01, PageLeaf = 0x02, PageOverflow = 0x04, PageMeta = 0x08, PageLeaf2 = 0x20, PageSubPage = 0x40;

    // MDB_meta after the page header: magic (4), version (4), address (8), mapsize (8), dbs[2] (48 each),
    // last_pg (8), txnid (8). MDB_db: md_pad (4; page size for the free DB), flags (2), depth (2),
    // branch/leaf/overflow page counts (8 each), entries (8), root (8).
    public const int MetaMagicOffset = PageHeaderSize;
    public const int MetaVersionOffset = PageHeaderSize + 4;
    public const int MetaPageSizeOffset = PageHeaderSize + 24;
    private const int MainDb = PageHeaderSize + 24 + 48;
    public const int MainDbFlagsOffset = MainDb + 4;
    public const int MainDbDepthOffset = MainDb + 6;
    public const int MainDbEntriesOffset = MainDb + 32;
    public const int MainDbRootOffset = MainDb + 40;
    public const int LastPageOffset = MainDb + 48;
    public const int TxnIdOffset = MainDb + 56;
    public const int MetaEnd = TxnIdOffset + 8;

    // Database flags that change how keys or values are stored.
    public const int DbReverseKey = 0x02, DbDupSort = 0x04, DbIntegerKey = 0x08;

    // MDB_node: lo (2), hi (2), flags (2), ksize (2), then key and data. Leaf: data size = lo | hi << 16;
    // branch: child page = lo | hi << 16 | flags << 32.
    public const int NodeHeaderSize = 8;
    public const int NodeFlagsOffset = 4;
    public const int NodeKeySizeOffset = 6;
    public const int NodeBigData = 0x01, NodeSubData = 0x02, NodeDupData = 0x04;
}
