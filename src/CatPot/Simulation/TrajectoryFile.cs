using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using CatPot.Chemistry;
using CatPot.IO;

namespace CatPot.Simulation;

/// <summary>
/// A trajectory written frame by frame into the real output file (extxyz; <c>.gz</c> compresses), so that a run that
/// is stopped — Ctrl+C, <c>kill -9</c>, a crash, a power cut after the OS wrote its cache — keeps every frame flushed
/// before it. Nothing goes through a hidden temporary file.
/// </summary>
/// <remarks>
/// Frames are collected in memory and handed to the operating system whole, in one write, every
/// <see cref="FlushInterval"/>: by default after every frame for plain extxyz and every 10 s for <c>.gz</c>. A flushed
/// <c>.gz</c> block is a complete gzip member (concatenated members are one valid gzip file for gzip, Python and .NET),
/// so a killed <c>.gz</c> run is readable up to its last flush. <see cref="Dispose"/> flushes the rest and syncs the
/// file to disk. Opening truncates an existing file at the path, and first removes stale CatPot temporary files
/// (<see cref="AtomicFile.RemoveStale"/>) from its folder.
/// </remarks>
public sealed class TrajectoryFile : IDisposable
{
    /// <summary>The flush interval of plain extxyz when none is given: every frame.</summary>
    public static readonly TimeSpan DefaultTextFlushInterval = TimeSpan.Zero;

    /// <summary>The flush interval of <c>.gz</c> when none is given (each flush costs a gzip member header and a reset dictionary).</summary>
    public static readonly TimeSpan DefaultGzipFlushInterval = TimeSpan.FromSeconds(10);

    private readonly FileStream _file;
    private readonly bool _gzip;
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture) { NewLine = "\n" };
    private readonly ExtXyzWriter _formatter;
    private readonly MemoryStream _pending = new();
    private readonly UTF8Encoding _utf8 = new(false);
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private int _pendingFrames;
    private bool _disposed;

    private TrajectoryFile(string path, FileStream file, bool gzip, TimeSpan flushInterval)
    {
        Path = path;
        _file = file;
        _gzip = gzip;
        FlushInterval = flushInterval;
        _formatter = new ExtXyzWriter(_text, leaveOpen: true);
    }

    /// <summary>The file (full path).</summary>
    public string Path { get; }

    /// <summary>How often written frames are handed to the OS.</summary>
    public TimeSpan FlushInterval { get; }

    /// <summary>Frames written so far (flushed or pending).</summary>
    public int FramesWritten { get; private set; }

    /// <summary>Frames already handed to the OS: these survive a kill of the process.</summary>
    public int FramesFlushed { get; private set; }

    /// <summary>Creates (or truncates) the trajectory at <paramref name="path"/>.</summary>
    /// <param name="path">The file; <c>.gz</c> compresses.</param>
    /// <param name="flushInterval">Null for the default (<see cref="DefaultTextFlushInterval"/> or <see cref="DefaultGzipFlushInterval"/>).</param>
    /// <exception cref="OutputPathException"><paramref name="path"/> is a directory or its folder does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="flushInterval"/> is negative.</exception>
    public static TrajectoryFile Create(string path, TimeSpan? flushInterval = null)
    {
        if (flushInterval is { } given && given < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(flushInterval), given, "The flush interval must be ≥ 0 s.");
        string full = AtomicFile.CheckTarget(path);
        AtomicFile.RemoveStale(System.IO.Path.GetDirectoryName(full)!);
        bool gzip = full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        var file = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        return new TrajectoryFile(full, file, gzip, flushInterval ?? (gzip ? DefaultGzipFlushInterval : DefaultTextFlushInterval));
    }

    /// <summary>Appends one frame; flushes when <see cref="FlushInterval"/> has passed since the last flush.</summary>
    public void Write(Structure frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _formatter.Write(frame);
        var sb = _text.GetStringBuilder();
        foreach (var chunk in sb.GetChunks())
        {
            int max = _utf8.GetMaxByteCount(chunk.Length);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
            int bytes = _utf8.GetBytes(chunk.Span, buffer);
            _pending.Write(buffer, 0, bytes);
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        sb.Clear();
        _pendingFrames++;
        FramesWritten++;
        if (_sinceFlush.Elapsed >= FlushInterval) Flush();
    }

    /// <summary>Hands every pending frame to the OS in one write (a complete gzip member for <c>.gz</c>).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sinceFlush.Restart();
        if (_pendingFrames == 0) return;
        if (_gzip)
        {
            var member = new MemoryStream();
            using (var gz = new GZipStream(member, CompressionLevel.Optimal, leaveOpen: true))
                gz.Write(_pending.GetBuffer(), 0, (int)_pending.Length);
            _file.Write(member.GetBuffer(), 0, (int)member.Length);
        }
        else
        {
            _file.Write(_pending.GetBuffer(), 0, (int)_pending.Length);
        }
        _pending.SetLength(0);
        FramesFlushed += _pendingFrames;
        _pendingFrames = 0;
    }

    /// <summary>Flushes the pending frames, syncs the file to disk and closes it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            Flush();
            _file.Flush(flushToDisk: true);
        }
        finally
        {
            _disposed = true;
            _file.Dispose();
            _formatter.Dispose();
        }
    }
}
