using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for the layers beyond the seed's: pooling, normalization, Conv1D, Embedding, Reshape, Rescaling.</summary>
internal static class OnnxMoreRules
{
    /// <summary>Conv1D (batch, steps, cin) → Transpose to NCW, Conv with a (cout, cin, k) kernel, Transpose back.</summary>
    public static string Conv1D(OnnxGraphBuilder g, Conv1D layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (k, cin, cout) → ONNX (cout, cin, k)
        int k = kernel.Shape[0], cin = kernel.Shape[1], cout = kernel.Shape[2];
        var oik = new float[kernel.Size];
        var src = kernel.Span;
        for (int t = 0; t < k; t++)
            for (int i = 0; i < cin; i++)
                for (int o = 0; o < cout; o++)
                    oik[(o * cin + i) * k + t] = src[(t * cin + i) * cout + o];
        string ncw = g.AddNode("Transpose", layer.Name + "/to_ncw", [x], Ints("perm", 0, 2, 1));
        var inputs = new List<string> { ncw, g.AddInitializer(layer.Parameters[0].Path, oik, cout, cin, k) };
        if (layer.UseBias)
        {
            var bias = layer.Parameters[1].Value;
            inputs.Add(g.AddInitializer(layer.Parameters[1].Path, bias.Span, cout));
        }
        bool same = layer.Padding == Padding.Same;
        var (outLength, left) = Kernels.Cpu.Conv2DGeometry.OutputSize(inputShape[0], k, layer.Strides, layer.DilationRate, same);
        long right = Math.Max(0, (outLength - 1) * layer.Strides + (k - 1) * layer.DilationRate + 1 - inputShape[0] - left);
        string y = g.AddNode("Conv", layer.Name, inputs,
            Ints("kernel_shape", k), Ints("strides", layer.Strides), Ints("dilations", layer.DilationRate),
            Ints("pads", same ? left : 0, same ? right : 0));
        string nwc = g.AddNode("Transpose", layer.Name + "/to_nwc", [y], Ints("perm", 0, 2, 1));
        return OnnxActivations.Emit(g, layer.Activation, nwc, layer.Name);
    }

    /// <summary>Keras's average pooling leaves padding out of each mean: ONNX's count_include_pad = 0.</summary>
    public static string AveragePool(OnnxGraphBuilder g, AveragePooling2D layer, string x, Shape inputShape)
    {
        bool same = layer.Padding == Padding.Same;
        var geometry = Kernels.Cpu.Pool2DGeometry.Create(1, inputShape[0], inputShape[1], inputShape[2],
            layer.PoolSize.H, layer.PoolSize.W, layer.Strides.H, layer.Strides.W, same);
        long bottom = Math.Max(0, (geometry.OutH - 1) * layer.Strides.H + layer.PoolSize.H - inputShape[0] - geometry.PadTop);
        long right = Math.Max(0, (geometry.OutW - 1) * layer.Strides.W + layer.PoolSize.W - inputShape[1] - geometry.PadLeft);
        string y = g.AddNode("AveragePool", layer.Name, [OnnxLayerRules.ToChannelsFirst(g, x, layer.Name)],
            Ints("kernel_shape", layer.PoolSize.H, layer.PoolSize.W),
            Ints("strides", layer.Strides.H, layer.Strides.W),
            Ints("pads", same ? geometry.PadTop : 0, same ? geometry.PadLeft : 0, same ? bottom : 0, same ? right : 0),
            Int("count_include_pad", 0));
        return OnnxLayerRules.ToChannelsLast(g, y, layer.Name);
    }

    /// <summary>
    /// Inference batch normalization, folded into one scale and shift per channel: y = x·s + t with
    /// s = γ/√(var + ε), t = β − mean·s (computed in double). For a channel axis other than the last
    /// the two initializers have shape (channels, 1, …, 1) so that they broadcast along it.
    /// </summary>
    public static string BatchNormalization(OnnxGraphBuilder g, BatchNormalization layer, string x, Shape inputShape)
    {
        var mean = layer.MovingMean!.Span;
        var variance = layer.MovingVariance!.Span;
        var gamma = layer.Parameters.FirstOrDefault(p => p.Name == "gamma")?.Value;
        var beta = layer.Parameters.FirstOrDefault(p => p.Name == "beta")?.Value;
        int c = mean.Length;
        var scale = new float[c];
        var shift = new float[c];
        for (int i = 0; i < c; i++)
        {
            double s = (gamma is null ? 1.0 : gamma.Span[i]) / Math.Sqrt(variance[i] + (double)layer.Epsilon);
            scale[i] = (float)s;
            shift[i] = (float)((beta is null ? 0.0 : beta.Span[i]) - mean[i] * s);
        }
        int rank = inputShape.Rank + 1, axis = layer.Axis < 0 ? layer.Axis + rank : layer.Axis;
        var dims = new long[rank - axis];
        Array.Fill(dims, 1L);
        dims[0] = c;
        string scaled = g.AddNode("Mul", layer.Name + "/scale", [x, g.AddInitializer(layer.Name + "/folded_scale", scale, dims)]);
        return g.AddNode("Add", layer.Name, [scaled, g.AddInitializer(layer.Name + "/folded_shift", shift, dims)]);
    }

    /// <summary>
    /// Opset 17's LayerNormalization over the trailing axes from the first normalised one; axes that
    /// are not trailing are moved there by a Transpose and back. A missing γ/β becomes ones/zeros.
    /// </summary>
    public static string LayerNormalization(OnnxGraphBuilder g, LayerNormalization layer, string x, Shape inputShape)
    {
        int rank = inputShape.Rank + 1;
        var axes = layer.Axis.Select(a => a < 0 ? a + rank : a).Order().ToArray();
        var kept = Enumerable.Range(0, rank).Where(a => !axes.Contains(a));
        var perm = kept.Concat(axes).Select(a => (long)a).ToArray();
        bool move = !perm.Select((a, i) => a == i).All(same => same);
        var dims = axes.Select(a => (long)inputShape[a - 1]).ToArray();
        int size = (int)dims.Aggregate(1L, (p, d) => p * d);
        var gamma = layer.Parameters.FirstOrDefault(p => p.Name == "gamma")?.Value;
        var beta = layer.Parameters.FirstOrDefault(p => p.Name == "beta")?.Value;
        string scale = gamma is null ? g.AddInitializer(layer.Name + "/ones", Enumerable.Repeat(1f, size).ToArray(), dims) : g.AddInitializer(layer.Name + "/gamma", gamma.Span, dims);
        string input = move ? g.AddNode("Transpose", layer.Name + "/to_last", [x], Ints("perm", perm)) : x;
        var inputs = new List<string> { input, scale };
        if (beta is not null) inputs.Add(g.AddInitializer(layer.Name + "/beta", beta.Span, dims));
        string y = g.AddNode("LayerNormalization", move ? layer.Name + "/normalize" : layer.Name, inputs, Int("axis", rank - axes.Length), Float("epsilon", layer.Epsilon));
        if (!move) return y;
        var inverse = new long[rank];
        for (int k = 0; k < rank; k++) inverse[perm[k]] = k;
        return g.AddNode("Transpose", layer.Name, [y], Ints("perm", inverse));
    }

    /// <summary>Gather rows of the table; indices (int32 or float holding integers) are cast to int64 first.</summary>
    public static string Embedding(OnnxGraphBuilder g, Embedding layer, string x)
    {
        var table = layer.Parameters[0].Value;
        string indices = g.AddNode("Cast", layer.Name + "/indices", [x], Int("to", (long)Proto.TensorProto.Types.DataType.Int64));
        return g.AddNode("Gather", layer.Name, [g.AddInitializer(layer.Parameters[0].Path, table.Span, table.Shape[0], table.Shape[1]), indices], Int("axis", 0));
    }

    public static string Reshape(OnnxGraphBuilder g, Layer layer, string x, Shape inputShape)
    {
        var output = layer.ComputeOutputShape(inputShape);
        var dims = new long[output.Rank + 1];
        dims[0] = -1;
        for (int i = 0; i < output.Rank; i++) dims[i + 1] = output[i];
        return g.AddNode("Reshape", layer.Name, [x, g.AddInt64Initializer(layer.Name + "/shape", dims)]);
    }

    public static string Rescaling(OnnxGraphBuilder g, Rescaling layer, string x)
    {
        string y = g.AddNode("Mul", layer.Name + "/scale", [x, g.AddInitializer(layer.Name + "/scale", [layer.Scale])]);
        return layer.Offset == 0f ? y : g.AddNode("Add", layer.Name, [y, g.AddInitializer(layer.Name + "/offset", [layer.Offset])]);
    }
}
