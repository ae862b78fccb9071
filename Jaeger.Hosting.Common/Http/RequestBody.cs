using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Jaeger.Hosting.Http;

/// <summary>A request body read into a pooled buffer; dispose to return the buffer.</summary>
internal readonly struct PooledBody : IDisposable
{
    private readonly byte[]? _buffer;

    public PooledBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

/// <summary>
/// Reads a request body, gunzipping it when <c>Content-Encoding: gzip</c>, never holding more than the limit:
/// Kestrel bounds the bytes on the wire and this bounds the decompressed size.
/// </summary>
internal static class RequestBody
{
    public static async Task<(PooledBody Body, int Status, string? Error)> ReadAsync(HttpRequest request, int maxBytes)
    {
        Stream stream = request.Body;
        GZipStream? gzip = null;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            {
                return (default, StatusCodes.Status415UnsupportedMediaType, $"Unsupported Content-Encoding: {encoding}; use gzip or none");
            }

            gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            stream = gzip;
        }

        var initial = request.ContentLength is long declared && declared > 0 && gzip is null ? (int)Math.Min(declared, maxBytes) + 1 : 16 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initial, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (default, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxBytes} bytes");
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (default, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxBytes} bytes");
                }
            }

            return (new PooledBody(buffer, length), StatusCodes.Status200OK, null);
        }
        catch (InvalidDataException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (default, StatusCodes.Status400BadRequest, "The gzip body is corrupt: " + ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (default, ex.StatusCode, ex.Message);
        }
        finally
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The media type of the Content-Type header, lower-case, without parameters.</summary>
    public static string MediaType(HttpRequest request)
    {
        var contentType = request.ContentType ?? string.Empty;
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
    }
}
