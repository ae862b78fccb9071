using System.Globalization;
using Jaeger.Model;

namespace Jaeger.Storage.Memory;

/// <summary>
/// One tag of a search: matches a key-value whose value renders as the query's text (as <see cref="KeyValue.ValueEquals"/>),
/// with the text parsed once so numbers compare without formatting each candidate.
/// </summary>
internal readonly struct TagCondition
{
    private readonly long _int;
    private readonly long _floatBits;
    private readonly bool _isInt;
    private readonly bool _isFloat;
    private readonly bool _isFloatNaN;
    private readonly ulong _textSignature;
    private readonly ulong _intSignature;
    private readonly ulong _floatSignature;
    private readonly byte[]? _keyUtf8;
    private readonly byte[]? _textUtf8;
    private readonly byte[]? _binary;

    public TagCondition(string key, string text)
    {
        Key = key;
        Text = text;
        _keyUtf8 = SpanEncoding.Utf8OrNull(key);
        _textUtf8 = SpanEncoding.Utf8OrNull(text);
        _textSignature = SpanSignature.TextValue(key, text);

        // Only canonical text can equal a formatted number: "0123" or "+5" never match, so they parse to nothing here.
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) &&
            string.Equals(i.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal))
        {
            _int = i;
            _isInt = true;
            _intSignature = SpanSignature.IntValue(key, i);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) &&
            string.Equals(d.ToString("R", CultureInfo.InvariantCulture), text, StringComparison.Ordinal))
        {
            _floatBits = BitConverter.DoubleToInt64Bits(d);
            _isFloat = true;
            _isFloatNaN = double.IsNaN(d);
            _floatSignature = SpanSignature.FloatValue(key, d);
        }

        // Binary values render as lower-case hex: only such text can match one.
        if (text.Length % 2 == 0 && IsLowerHex(text))
        {
            _binary = Convert.FromHexString(text);
        }
    }

    public string Key { get; }

    public string Text { get; }

    /// <summary>False when no value of a span with this <see cref="SpanSignature"/> can match.</summary>
    public bool MayMatch(ulong signature) =>
        (signature & _textSignature) == _textSignature ||
        (_isInt && (signature & _intSignature) == _intSignature) ||
        (_isFloat && (signature & _floatSignature) == _floatSignature);

    public bool Matches(in KeyValue tag)
    {
        if (!string.Equals(tag.Key, Key, StringComparison.Ordinal))
        {
            return false;
        }

        switch (tag.Type)
        {
            case KeyValueType.String:
                return string.Equals(tag.StringValue, Text, StringComparison.Ordinal);
            case KeyValueType.Int64:
                return _isInt && tag.Int64Value == _int;
            case KeyValueType.Float64:
                if (!_isFloat)
                {
                    return false;
                }

                var value = tag.Float64Value;
                return BitConverter.DoubleToInt64Bits(value) == _floatBits || (_isFloatNaN && double.IsNaN(value));
            default:
                return tag.ValueEquals(Text);
        }
    }

    /// <summary>As <see cref="Matches(in KeyValue)"/>, for a key-value of an encoded span.</summary>
    public bool Matches(in EncodedKeyValue value, StringTable strings)
    {
        if (!value.Key.TextEquals(Key, _keyUtf8, strings))
        {
            return false;
        }

        switch (value.Type)
        {
            case SpanEncoding.TypeString:
                return value.Text.TextEquals(Text, _textUtf8, strings);
            case SpanEncoding.TypeFalse:
                return string.Equals(Text, "false", StringComparison.Ordinal);
            case SpanEncoding.TypeTrue:
                return string.Equals(Text, "true", StringComparison.Ordinal);
            case SpanEncoding.TypeInt64:
                return _isInt && value.Bits == _int;
            case SpanEncoding.TypeFloat64:
                return _isFloat && (value.Bits == _floatBits || (_isFloatNaN && double.IsNaN(BitConverter.Int64BitsToDouble(value.Bits))));
            default:
                return _binary is not null && value.Bytes.SequenceEqual(_binary);
        }
    }

    private static bool IsLowerHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
