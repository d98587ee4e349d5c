namespace CatPot.IO;

/// <summary>What <see cref="StructureFiles"/> recognised a path as.</summary>
public enum StructureFileFormat
{
    /// <summary>An extended (or plain) XYZ file, optionally gzip-compressed.</summary>
    ExtXyz,

    /// <summary>One ASE LMDB database file (<c>.aselmdb</c>).</summary>
    AseLmdb,

    /// <summary>A directory whose <c>*.aselmdb</c> files, sorted by name, form one dataset.</summary>
    AseLmdbDirectory,

    /// <summary>An ASE SQLite database (<c>ase db</c>'s <c>.db</c> file).</summary>
    AseSqlite,

    /// <summary>An ASE JSON database (<c>ase db</c>'s <c>.json</c> file).</summary>
    AseJson,

    /// <summary>One of the built-in sample splits (<c>sample:train</c>, <c>sample:val</c>, <c>sample:test</c>).</summary>
    Sample,
}
