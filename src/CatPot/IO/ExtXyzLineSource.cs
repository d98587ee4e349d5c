using System.Text;

namespace CatPot.IO;

/// <summary>
/// Reads a text stream line by line into a reusable buffer, so a line costs no allocation.
/// Handles LF and CRLF and a missing final newline. Invalid UTF-8 decodes to U+FFFD, which the
/// reader reports with the exact line number.
/// </summary>
internal sealed class ExtXyzLineSource : IDisposable
{
    /// <summary>Lines longer than this are not text extxyz (binary data without newlines).</summary>
    public const int MaxLineChars = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Decoder _decoder;
    private readonly byte[] _bytes = new byte[1 << 16];
    private long? _streamLength;
    private char[] _chars = new char[(1 << 17) + 8];
    private int _start;
    private int _end;
    private bool _eof;

    public ExtXyzLineSource(Stream stream, bool leaveOpen, long? streamLength)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _streamLength = streamLength;
        _decoder = new UTF8Encoding(false, false).GetDecoder();
        _decoder.Fallback = new DecoderReplacementFallback("\uFFFD");
    }

    /// <summary>
    /// Drops the buffered text and counts lines and bytes afresh from the stream's current position, which the caller
    /// has moved (reading frames by index); <paramref name="streamLength"/> is what remains readable from there.
    /// </summary>
    public void Restart(long? streamLength)
    {
        _start = _end = 0;
        _eof = false;
        _decoder.Reset();
        LineNumber = 0;
        BytesRead = 0;
        _streamLength = streamLength;
    }

    /// <summary>1-based number of the line last returned (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes read from the underlying stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>
    /// An upper bound on the bytes not yet returned as lines, or null when the stream length is unknown
    /// (compressed input). Used to reject absurd atom counts before allocating.
    /// </summary>
    public long? RemainingBytesUpperBound =>
        _streamLength is long len ? Math.Max(0, len - BytesRead) + 3L * (_end - _start) + 4 : null;

    /// <summary>Returns the next line without its terminator; false at end of input.</summary>
    /// <exception cref="InvalidDataException">A line exceeds <see cref="MaxLineChars"/>.</exception>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        int searchFrom = _start;
        while (true)
        {
            int nl = _chars.AsSpan(searchFrom, _end - searchFrom).IndexOf('\n');
            if (nl >= 0)
            {
                int stop = searchFrom + nl;
                line = TrimCr(_chars.AsSpan(_start, stop - _start));
                _start = stop + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                if (_start < _end)
                {
                    line = TrimCr(_chars.AsSpan(_start, _end - _start));
                    _start = _end;
                    LineNumber++;
                    return true;
                }
                line = default;
                return false;
            }
            searchFrom = _end - _start;
            Fill();
            if (_end - _start > MaxLineChars)
                throw new InvalidDataException($"line {LineNumber + 1} is longer than {MaxLineChars} characters");
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Array.Copy(_chars, _start, _chars, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        // UTF-8 never yields more chars than bytes (plus a little for a pending sequence).
        if (_chars.Length - _end < _bytes.Length + 8)
            Array.Resize(ref _chars, Math.Max(2 * _chars.Length, _end + _bytes.Length + 8));
        int n = _stream.Read(_bytes, 0, _bytes.Length);
        BytesRead += n;
        _eof = n == 0;
        _end += _decoder.GetChars(_bytes, 0, n, _chars, _end, flush: _eof);
    }

    private static ReadOnlySpan<char> TrimCr(ReadOnlySpan<char> s) => s.Length > 0 && s[^1] == '\r' ? s[..^1] : s;

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
