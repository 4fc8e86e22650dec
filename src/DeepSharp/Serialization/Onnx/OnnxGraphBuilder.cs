using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;
using Google.Protobuf;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// Accumulates an ONNX graph: nodes in topological order, float initializers, unique value names.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphProto Graph => _graph;

    /// <summary>A value name not used yet, derived from <paramref name="stem"/>.</summary>
    public string NewName(string stem)
    {
        if (_names.Add(stem)) return stem;
        for (int i = 1; ; i++)
            if (_names.Add($"{stem}_{i}")) return $"{stem}_{i}";
    }

    /// <summary>Adds a float32 initializer (constant tensor) and returns its name.</summary>
    public string AddInitializer(string stem, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = NewName(stem), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian) ReverseEach(bytes);
        tensor.RawData = ByteString.CopyFrom(bytes);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds an int8 (<paramref name="signed"/>) or uint8 initializer of shape <paramref name="dims"/> and returns its name.</summary>
    public string AddByteInitializer(string stem, ReadOnlySpan<byte> values, bool signed, params long[] dims)
    {
        var type = signed ? TensorProto.Types.DataType.Int8 : TensorProto.Types.DataType.Uint8;
        var tensor = new TensorProto { Name = NewName(stem), DataType = (int)type, RawData = ByteString.CopyFrom(values) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds an int64 initializer (shapes, axes) and returns its name.</summary>
    public string AddInt64Initializer(string stem, params long[] values)
    {
        var tensor = new TensorProto { Name = NewName(stem), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a bool initializer (constant masks) of shape <paramref name="dims"/> and returns its name.</summary>
    public string AddBoolInitializer(string stem, ReadOnlySpan<bool> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = NewName(stem), DataType = (int)TensorProto.Types.DataType.Bool };
        tensor.Dims.AddRange(dims);
        foreach (bool v in values) tensor.Int32Data.Add(v ? 1 : 0);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string AddNode(string opType, string nodeName, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = NewName(nodeName);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>
    /// Adds a node with <paramref name="outputCount"/> outputs (RNN, LSTM, GRU return the sequence
    /// and the final states) and returns their names; "" in <paramref name="inputs"/> skips an optional input.
    /// </summary>
    public string[] AddNode(string opType, string nodeName, IEnumerable<string> inputs, int outputCount, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = NewName(nodeName) };
        node.Input.AddRange(inputs);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i] = NewName($"{node.Name}/out{i}");
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Unsqueeze (opset 13: the axes are an input).</summary>
    public string Unsqueeze(string x, string nodeName, params long[] axes) =>
        AddNode("Unsqueeze", nodeName, [x, AddInt64Initializer(nodeName + "/axes", axes)]);

    /// <summary>Squeeze (opset 13: the axes are an input).</summary>
    public string Squeeze(string x, string nodeName, params long[] axes) =>
        AddNode("Squeeze", nodeName, [x, AddInt64Initializer(nodeName + "/axes", axes)]);

    public string Transpose(string x, string nodeName, params long[] perm) => AddNode("Transpose", nodeName, [x], Ints("perm", perm));

    /// <summary>Cast to <paramref name="to"/>.</summary>
    public string Cast(string x, string nodeName, TensorProto.Types.DataType to) => AddNode("Cast", nodeName, [x], Int("to", (long)to));

    public void AddInput(string name, Shape perSample, DType dtype = DType.Float32) => _graph.Input.Add(ValueInfo(name, perSample, dtype));
    public void AddOutput(string name, Shape perSample) => _graph.Output.Add(ValueInfo(name, perSample));

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Floats(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public static AttributeProto Str(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Strs(string name, params string[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        foreach (string v in values) a.Strings.Add(ByteString.CopyFromUtf8(v));
        return a;
    }

    /// <summary>A float32 (or int32) tensor value with a symbolic batch axis ("batch") before the per-sample shape.</summary>
    private static ValueInfoProto ValueInfo(string name, Shape perSample, DType dtype = DType.Float32)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in perSample.Dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        var type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)(dtype == DType.Int32 ? TensorProto.Types.DataType.Int32 : TensorProto.Types.DataType.Float),
                Shape = shape,
            },
        };
        return new ValueInfoProto { Name = name, Type = type };
    }

    private static void ReverseEach(byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
    }
}
