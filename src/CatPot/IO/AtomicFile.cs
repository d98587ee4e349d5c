using System.Text;
using System.Text.RegularExpressions;

namespace CatPot.IO;

/// <summary>
/// The one way CatPot replaces a file: write a temporary file <c>.NAME.&lt;32 hex&gt;.tmp</c> beside the target, sync it to
/// disk, then rename it over the target. A reader never sees a half-written file, and a failed write (a full disk, an
/// exception, Ctrl+C) leaves the old target untouched and deletes the temporary file.
/// </summary>
/// <remarks>
/// A process killed with <c>kill -9</c> cannot delete its temporary file. The next atomic write into the same folder
/// removes such orphans (<see cref="RemoveStale"/>): a temporary file of this naming pattern whose writer is gone.
/// A live writer holds an exclusive lock on its temporary file (.NET takes an advisory <c>flock</c> for
/// <see cref="FileShare.None"/> on Unix and a sharing lock on Windows), so a file that can be opened exclusively has no
/// writer left; one that cannot is skipped. The GUID in the name lets two processes write into one folder at once.
/// </remarks>
public sealed partial class AtomicFile : IDisposable
{
    private readonly FileStream _file;
    private bool _committed;
    private bool _disposed;

    private AtomicFile(string targetPath, string tempPath, FileStream file)
    {
        TargetPath = targetPath;
        TempPath = tempPath;
        _file = file;
    }

    /// <summary>The file that <see cref="Commit"/> replaces (full path).</summary>
    public string TargetPath { get; }

    /// <summary>The temporary file being written (full path).</summary>
    public string TempPath { get; }

    /// <summary>The temporary file's stream: write the content here, then call <see cref="Commit"/>.</summary>
    public Stream Stream => _file;

    private static readonly AsyncLocal<Func<Stream, Stream>?> StreamWrapper = new();

    /// <summary>
    /// Test hook: wraps the temporary file's stream (e.g. to simulate a full disk) for writes made on the current
    /// async flow only, so tests running in parallel do not see it. Null in production.
    /// </summary>
    internal static Func<Stream, Stream>? StreamWrapperForTests
    {
        get => StreamWrapper.Value;
        set => StreamWrapper.Value = value;
    }

    /// <summary>The stream to write content through: <see cref="Stream"/>, or the test wrapper around it.</summary>
    internal Stream ContentStream => StreamWrapperForTests?.Invoke(_file) ?? _file;

    /// <summary>
    /// Starts replacing <paramref name="path"/>: creates the temporary file (after removing stale ones in the folder).
    /// Call <see cref="Commit"/> when the content is complete; disposing without it deletes the temporary file.
    /// </summary>
    /// <exception cref="OutputPathException"><paramref name="path"/> is an existing directory or its folder does not exist.</exception>
    public static AtomicFile Create(string path)
    {
        string full = CheckTarget(path);
        string dir = Path.GetDirectoryName(full)!;
        RemoveStale(dir);
        string temp = TempPathFor(full);
        var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        return new AtomicFile(full, temp, file);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="write"/>'s output, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var file = Create(path);
        var stream = file.ContentStream;
        write(stream);
        stream.Flush();
        file.Commit();
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>, atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = Create(path);
        var stream = file.ContentStream;
        stream.Write(bytes);
        stream.Flush();
        file.Commit();
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8, no BOM), atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Replaces <paramref name="path"/> with <paramref name="lines"/>, each ended by "\n", atomically.</summary>
    public static void WriteAllLines(string path, IEnumerable<string> lines) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        foreach (var line in lines) writer.WriteLine(line);
    });

    /// <summary>The temporary name for <paramref name="fullPath"/>: <c>.NAME.&lt;32 hex digits&gt;.tmp</c> in the same folder.</summary>
    public static string TempPathFor(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath) ?? ".", $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");

    /// <summary>Whether <paramref name="fileName"/> (no folder) has the temporary-file pattern of <see cref="TempPathFor"/>.</summary>
    public static bool IsTemporaryName(string fileName) => TemporaryName().IsMatch(fileName);

    /// <summary>
    /// Deletes the temporary files of CatPot's pattern in <paramref name="directory"/> whose writer has gone (killed
    /// processes, power loss). Files still locked by a live writer are kept. Never throws: a folder that cannot be
    /// listed, or a file that cannot be deleted, is left as it is.
    /// </summary>
    /// <returns>The number of files removed.</returns>
    public static int RemoveStale(string directory)
    {
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, ".*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
        foreach (var path in candidates)
        {
            if (!IsTemporaryName(Path.GetFileName(path))) continue;
            try
            {
                // Opening exclusively fails while the writer (this or another process) holds its lock.
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                File.Delete(path);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use, already gone, or not ours to delete.
            }
        }
        return removed;
    }

    /// <summary>
    /// Checks that <paramref name="path"/> can be an output file: not an existing directory, in an existing folder.
    /// </summary>
    /// <returns>The full path.</returns>
    /// <exception cref="OutputPathException">It cannot.</exception>
    public static string CheckTarget(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OutputPathException(path, $"is not a valid file name ({e.Message})", e);
        }
        if (Directory.Exists(full))
            throw new OutputPathException(path, "is a directory; give a file name for the output (e.g. " + Path.Combine(path, "out.extxyz") + ")");
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir))
            throw new OutputPathException(path, $"cannot be written: the folder {dir} does not exist");
        return full;
    }

    /// <summary>Syncs the temporary file to disk and renames it over <see cref="TargetPath"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        File.Move(TempPath, TargetPath, overwrite: true);
        _committed = true;
        _disposed = true;
    }

    /// <summary>Without a <see cref="Commit"/>: closes and deletes the temporary file, even when closing fails (a full disk).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // Flushing the last buffered bytes failed (e.g. no space left); the file is deleted below regardless.
        }
        finally
        {
            if (!_committed)
            {
                try { File.Delete(TempPath); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
    }

    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
