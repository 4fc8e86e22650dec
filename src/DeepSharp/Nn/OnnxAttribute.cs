namespace DeepSharp.Nn;

/// <summary>An attribute of an ONNX node (<see cref="OnnxBuilder.AddNode"/>): a name and an integer, float, string or list value.</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeKind kind, long[]? ints = null, float[]? floats = null, string? text = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        (Name, Kind, IntValues, FloatValues, Text) = (name, kind, ints ?? [], floats ?? [], text);
    }

    /// <summary>The attribute's name, as the operator's specification gives it ("axis", "perm").</summary>
    public string Name { get; }

    internal OnnxAttributeKind Kind { get; }
    internal long[] IntValues { get; }
    internal float[] FloatValues { get; }
    internal string? Text { get; }

    /// <summary>An integer attribute, e.g. Softmax's <c>axis</c>.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeKind.Int, ints: [value]);

    /// <summary>A list of integers, e.g. Transpose's <c>perm</c>.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, OnnxAttributeKind.Ints, ints: [.. values]);

    /// <summary>A float attribute, e.g. LeakyRelu's <c>alpha</c>.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeKind.Float, floats: [value]);

    /// <summary>A list of floats.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) => new(name, OnnxAttributeKind.Floats, floats: [.. values]);

    /// <summary>A string attribute, e.g. Resize's <c>mode</c>.</summary>
    public static OnnxAttribute String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(name, OnnxAttributeKind.String, text: value);
    }
}

/// <summary>The kinds of value an <see cref="OnnxAttribute"/> holds.</summary>
internal enum OnnxAttributeKind
{
    Int,
    Ints,
    Float,
    Floats,
    String,
}
