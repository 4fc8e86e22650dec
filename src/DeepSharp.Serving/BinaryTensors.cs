using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Tensors;
using Microsoft.AspNetCore.Http;

namespace DeepSharp.Serving;

/// <summary>
/// Inputs and outputs as raw float32, little-endian, row-major (<c>application/octet-stream</c>): the
/// cheap way in and out of /v1/predict. A request body holds N inputs back to back (its length a
/// multiple of the input size × 4 bytes; an optional <c>X-Shape: N,28,28,1</c> header is checked
/// against it); the answer holds N outputs, with the batch shape in its <c>X-Shape</c> header.
/// Every value must be finite.
/// </summary>
internal static class BinaryTensors
{
    /// <summary>The header that carries a binary body's shape, batch axis first.</summary>
    public const string ShapeHeader = "X-Shape";

    /// <summary>The inputs of <paramref name="body"/>; 400 or 413 when they do not fit the model or the limits.</summary>
    public static (float[] Values, int Count) Parse(ReadOnlySpan<byte> body, HttpRequest request, ServedModel model, int maxInputs)
    {
        long rowBytes = model.InputSize * 4L;
        if (body.Length == 0 || body.Length % rowBytes != 0)
            throw new BadRequestException(400, $"the body has {body.Length} bytes; raw float32 inputs of shape {JsonInputs.Describe(model.InputShape)} take {rowBytes} bytes each, so a body is a positive multiple of {rowBytes}");
        int count = (int)(body.Length / rowBytes);
        if (count > maxInputs) throw new BadRequestException(413, $"the body holds {count} inputs; send at most {maxInputs}");
        CheckShapeHeader(request, count, model);
        var values = new float[count * model.InputSize];
        body.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new BadRequestException(400, $"input {i / model.InputSize}, value {i % model.InputSize}: {values[i].ToString(CultureInfo.InvariantCulture)} is not a finite float32");
        return (values, count);
    }

    /// <summary>Writes <paramref name="count"/> outputs as raw float32 little-endian, their shape in the <c>X-Shape</c> header.</summary>
    public static Task WriteResponse(HttpContext context, float[] outputs, int count, Shape outputShape)
    {
        var (buffer, _) = ResponseBuffer.Get();
        var values = outputs.AsSpan(0, count * outputShape.Size);
        var target = MemoryMarshal.Cast<byte, float>(buffer.GetSpan(values.Length * 4)[..(values.Length * 4)]);
        values.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<float, int>(target);
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }
        buffer.Advance(values.Length * 4);
        context.Response.Headers[ShapeHeader] = count.ToString(CultureInfo.InvariantCulture) + string.Concat(outputShape.ToArray().Select(d => "," + d.ToString(CultureInfo.InvariantCulture)));
        return ResponseBuffer.Send(context, buffer, "application/octet-stream");
    }

    private static void CheckShapeHeader(HttpRequest request, int count, ServedModel model)
    {
        if (!request.Headers.TryGetValue(ShapeHeader, out var header)) return;
        string expected = count.ToString(CultureInfo.InvariantCulture) + string.Concat(model.InputShape.ToArray().Select(d => "," + d.ToString(CultureInfo.InvariantCulture)));
        string given = string.Concat(header.ToString().Where(c => !char.IsWhiteSpace(c)));
        if (given != expected)
            throw new BadRequestException(400, $"{ShapeHeader} is '{Shorten(header.ToString())}', but the body holds {count} inputs of shape {JsonInputs.Describe(model.InputShape)} ({expected})");
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
