using System.Buffers;
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
/// Every value must be finite. A model with several inputs takes every input's block in turn (input 0's
/// N samples, then input 1's, …; <c>X-Shape: N,2,3;N,4</c>) and answers every output's block in turn,
/// the shapes in the model's output order separated by ";".
/// </summary>
internal static class BinaryTensors
{
    /// <summary>The header that carries a binary body's shape, batch axis first.</summary>
    public const string ShapeHeader = "X-Shape";

    /// <summary>The inputs of <paramref name="body"/> in an array rented from <see cref="ArrayPool{T}.Shared"/> (maybe longer; return it once the model has read them); 400 or 413 when they do not fit the model or the limits.</summary>
    public static (float[] Values, int Count) Parse(ReadOnlySpan<byte> body, HttpRequest request, ServedModel model, int maxInputs)
    {
        long rowBytes = model.InputSize * 4L;
        if (body.Length == 0 || body.Length % rowBytes != 0)
            throw new BadRequestException(400, $"the body has {body.Length} bytes; raw float32 inputs of shape {JsonInputs.Describe(model.InputShape)} take {rowBytes} bytes each, so a body is a positive multiple of {rowBytes}");
        int count = (int)(body.Length / rowBytes);
        if (count > maxInputs) throw new BadRequestException(413, $"the body holds {count} inputs; send at most {maxInputs}");
        CheckShapeHeader(request, count, [model.InputShape]);
        int length = count * model.InputSize;
        var values = ArrayPool<float>.Shared.Rent(length);
        var span = values.AsSpan(0, length);
        body.CopyTo(MemoryMarshal.AsBytes(span));
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<float, int>(span);
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }
        int bad = IndexOfNonFinite(span);
        if (bad >= 0)
        {
            string value = span[bad].ToString(CultureInfo.InvariantCulture);
            ArrayPool<float>.Shared.Return(values);
            throw new BadRequestException(400, $"input {bad / model.InputSize}, value {bad % model.InputSize}: {value} is not a finite float32");
        }
        return (values, count);
    }

    /// <summary>
    /// The samples of a body holding each input's block in turn, as packed rows (<see cref="PackedRows"/>);
    /// 400 or 413 when they do not fit the model or the limits.
    /// </summary>
    public static (float[] Rows, int Count) ParseMany(ReadOnlySpan<byte> body, HttpRequest request, ServedModel model, int maxInputs)
    {
        long sampleBytes = model.PackedInputSize * 4L;
        if (body.Length == 0 || body.Length % sampleBytes != 0)
            throw new BadRequestException(400, $"the body has {body.Length} bytes; a sample of this model's {model.InputShapes.Count} inputs ({Describe(model.InputNames, model.InputShapes)}) takes {sampleBytes} bytes of raw float32, so a body is a positive multiple of {sampleBytes}: every input's samples in turn");
        int count = (int)(body.Length / sampleBytes);
        if (count > maxInputs) throw new BadRequestException(413, $"the body holds {count} samples; send at most {maxInputs}");
        CheckShapeHeader(request, count, model.InputShapes);
        var blocks = new float[model.InputShapes.Count][];
        int offset = 0;
        for (int t = 0; t < blocks.Length; t++)
        {
            int size = model.InputShapes[t].Size;
            blocks[t] = Floats(body.Slice(offset, count * size * 4), size, model.InputNames[t]);
            offset += count * size * 4;
        }
        var rows = new float[count * model.PackedInputSize];
        PackedRows.FromBlocks(blocks, model.InputShapes, count, rows);
        return (rows, count);
    }

    /// <summary>Writes <paramref name="count"/> packed output rows as each output's block in turn, raw float32, their shapes in the <c>X-Shape</c> header.</summary>
    public static Task WriteManyResponse(HttpContext context, float[] outputs, int count, ServedModel model)
    {
        var (buffer, _) = ResponseBuffer.Get();
        int total = count * model.PackedOutputSize;
        var target = MemoryMarshal.Cast<byte, float>(buffer.GetSpan(total * 4)[..(total * 4)]);
        int offset = 0;
        for (int o = 0; o < model.OutputShapes.Count; o++)
        {
            int size = count * model.OutputShapes[o].Size;
            PackedRows.ToBlock(outputs.AsSpan(0, total), model.OutputShapes, o, count, target.Slice(offset, size));
            offset += size;
        }
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<float, int>(target);
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }
        buffer.Advance(total * 4);
        context.Response.Headers[ShapeHeader] = ShapesText(count, model.OutputShapes);
        return ResponseBuffer.Send(context, buffer, "application/octet-stream");
    }

    /// <summary>Raw little-endian float32 values, each finite; a bad one is named by its sample and index within <paramref name="input"/>.</summary>
    private static float[] Floats(ReadOnlySpan<byte> bytes, int size, string input)
    {
        var values = new float[bytes.Length / 4];
        bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new BadRequestException(400, $"input '{Shorten(input)}', sample {i / size}, value {i % size}: {values[i].ToString(CultureInfo.InvariantCulture)} is not a finite float32");
        return values;
    }

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 (vectorised: x − x is 0 only for finite x).</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var floats = MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(values);
            for (int v = 0; v < floats.Length; v++)
            {
                var d = floats[v] - floats[v];
                if (!System.Numerics.Vector.EqualsAll(d, System.Numerics.Vector<float>.Zero)) break;
                i += System.Numerics.Vector<float>.Count;
            }
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>"N,d1,d2;N,e1" for the shapes with a batch of <paramref name="count"/>.</summary>
    private static string ShapesText(int count, IReadOnlyList<Shape> shapes)
    {
        var text = new System.Text.StringBuilder();
        foreach (var shape in shapes)
        {
            if (text.Length > 0) text.Append(';');
            text.Append(count.ToString(CultureInfo.InvariantCulture));
            foreach (int d in shape.ToArray()) text.Append(',').Append(d.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    [ThreadStatic] private static (Shape Shape, string Text)? t_oneRow;

    /// <summary>The X-Shape of one output row, kept per thread (a server answers one model's shape).</summary>
    private static string OneRowHeader(Shape shape)
    {
        if (t_oneRow is { } cached && cached.Shape == shape) return cached.Text;
        string text = ShapesText(1, [shape]);
        t_oneRow = (shape, text);
        return text;
    }

    private static string Describe(IReadOnlyList<string> names, IReadOnlyList<Shape> shapes) =>
        string.Join(", ", names.Select((n, i) => $"'{n}' {JsonInputs.Describe(shapes[i])}"));

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
        context.Response.Headers[ShapeHeader] = count == 1 ? OneRowHeader(outputShape) : ShapesText(count, [outputShape]);
        return ResponseBuffer.Send(context, buffer, "application/octet-stream");
    }

    private static void CheckShapeHeader(HttpRequest request, int count, IReadOnlyList<Shape> shapes)
    {
        if (!request.Headers.TryGetValue(ShapeHeader, out var header)) return;
        string expected = ShapesText(count, shapes);
        string given = string.Concat(header.ToString().Where(c => !char.IsWhiteSpace(c)));
        if (given != expected)
            throw new BadRequestException(400, shapes.Count == 1
                ? $"{ShapeHeader} is '{Shorten(header.ToString())}', but the body holds {count} inputs of shape {JsonInputs.Describe(shapes[0])} ({expected})"
                : $"{ShapeHeader} is '{Shorten(header.ToString())}', but the body holds {count} samples of every input ({expected})");
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
