using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Jaeger.Storage.Elasticsearch.Writing;

/// <summary>
/// Writes JSON tokens straight into a <see cref="PooledBufferWriter"/>, for documents whose structure is fixed (the
/// span document): the caller writes separators and property names as pre-composed UTF-8 fragments, this writer the
/// values. No depth or separator state is kept, so the caller is responsible for well-formed JSON.
/// </summary>
/// <remarks>
/// The bytes are those <see cref="Utf8JsonWriter"/> writes with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>
/// (the bulk's encoder): a string is transcoded to UTF-8 and checked against that encoder in one pass; the rare string
/// that needs escaping (quotes, backslashes, control or non-BMP characters, invalid UTF-16), a very long one, and
/// floating-point numbers go through a <see cref="Utf8JsonWriter"/> with the same options writing into the same buffer.
/// </remarks>
internal sealed class RawJsonWriter
{
    internal static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    // Longer strings go through Utf8JsonWriter, which sizes its buffer exactly instead of reserving 3 bytes a character.
    private const int MaxDirectLength = 4096;

    private const int MaxAsciiLoopLength = 48;

    // The ASCII characters the encoder writes as they are, asked of the encoder itself.
    private static readonly bool[] AsciiVerbatim = BuildAsciiVerbatim();

    private readonly PooledBufferWriter _buffer;
    private Utf8JsonWriter? _fallback;

    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="fallback">A writer with <see cref="Options"/> over <paramref name="buffer"/>, or null to create one when needed.</param>
    public RawJsonWriter(PooledBufferWriter buffer, Utf8JsonWriter? fallback)
    {
        _buffer = buffer;
        _fallback = fallback;
    }

    /// <summary>How many bytes the buffer holds.</summary>
    public int WrittenCount => _buffer.WrittenCount;

    /// <summary>The bytes written from <paramref name="start"/> on.</summary>
    public ReadOnlySpan<byte> WrittenFrom(int start) => _buffer.WrittenMemory.Span[start..];

    /// <summary>Copies <paramref name="utf8"/> (JSON text) as is.</summary>
    public void Raw(ReadOnlySpan<byte> utf8) => _buffer.Write(utf8);

    /// <summary>A JSON string (quoted, escaped as <see cref="Utf8JsonWriter"/> escapes it), or <c>null</c>.</summary>
    public void String(string? value)
    {
        if (value is null)
        {
            Raw("null"u8);
            return;
        }

        if (value.Length <= MaxAsciiLoopLength && TryAscii(value))
        {
            return;
        }

        if (value.Length <= MaxDirectLength)
        {
            // At most 3 UTF-8 bytes per UTF-16 unit, plus the quotes.
            var span = _buffer.GetSpan((value.Length * 3) + 2);
            var status = Utf8.FromUtf16(value, span[1..], out _, out var written, replaceInvalidSequences: false);
            if (status == OperationStatus.Done && Options.Encoder!.FindFirstCharacterToEncodeUtf8(span.Slice(1, written)) < 0)
            {
                span[0] = (byte)'"';
                span[written + 1] = (byte)'"';
                _buffer.Advance(written + 2);
                return;
            }
        }

        var fallback = Fallback();
        fallback.WriteStringValue(value);
        fallback.Flush();
        fallback.Reset();
    }

    // Short strings (keys, most values) are usually printable ASCII: one loop copies and checks them, cheaper than the
    // two vectorized passes below at these lengths.
    private bool TryAscii(string value)
    {
        var span = _buffer.GetSpan(value.Length + 2);
        var verbatim = AsciiVerbatim;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 128 || !verbatim[c])
            {
                return false;
            }

            span[i + 1] = (byte)c;
        }

        span[0] = (byte)'"';
        span[value.Length + 1] = (byte)'"';
        _buffer.Advance(value.Length + 2);
        return true;
    }

    /// <summary>A JSON string of UTF-8 text that needs no escaping (hex, digits).</summary>
    public void AsciiString(ReadOnlySpan<byte> ascii)
    {
        var span = _buffer.GetSpan(ascii.Length + 2);
        span[0] = (byte)'"';
        ascii.CopyTo(span[1..]);
        span[ascii.Length + 1] = (byte)'"';
        _buffer.Advance(ascii.Length + 2);
    }

    /// <summary>An integer.</summary>
    public void Number(long value)
    {
        var span = _buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        _buffer.Advance(written);
    }

    /// <summary>An integer as a JSON string (<c>"123"</c>).</summary>
    public void NumberString(long value)
    {
        var span = _buffer.GetSpan(22);
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[0] = (byte)'"';
        span[written + 1] = (byte)'"';
        _buffer.Advance(written + 2);
    }

    /// <summary>A floating-point number, formatted as <see cref="Utf8JsonWriter.WriteNumberValue(double)"/> formats it.</summary>
    public void Number(double value)
    {
        var fallback = Fallback();
        fallback.WriteNumberValue(value);
        fallback.Flush();
        fallback.Reset();
    }

    /// <summary><paramref name="value"/> as 16 lower-case hex digits, zero-padded, without quotes.</summary>
    public void Hex(ulong value)
    {
        var span = _buffer.GetSpan(16);
        for (var i = 15; i >= 0; i--)
        {
            span[i] = HexDigits[(int)(value & 0xF)];
            value >>= 4;
        }

        _buffer.Advance(16);
    }

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    private static bool[] BuildAsciiVerbatim()
    {
        var verbatim = new bool[128];
        for (var c = 0; c < verbatim.Length; c++)
        {
            verbatim[c] = !Options.Encoder!.WillEncode(c);
        }

        return verbatim;
    }

    private Utf8JsonWriter Fallback() => _fallback ??= new Utf8JsonWriter(_buffer, Options);
}
