using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Compression;

/// <summary>
/// Structured pruning that shrinks the network: in a Sequential chain of Dense and Conv2D layers,
/// each one but the last loses the output units (Dense) or filters (Conv2D) with the smallest
/// weight norms, and the next Dense or Conv2D loses the matching inputs, so the result is a new,
/// smaller <see cref="Sequential"/> whose kept units compute what they computed before. Between two
/// such layers only channel-wise layers may stand (BatchNormalization on the last axis, which is
/// sliced too; pooling; Flatten, whose flattened inputs are mapped back to channels; Dropout and
/// activations). The original model is not changed. Only a shrunk dense kernel runs faster: masks
/// (<see cref="Pruning"/>) keep a kernel's size.
/// </summary>
public static class StructuredPruning
{
    private static readonly HashSet<string> ChannelWise = new(StringComparer.Ordinal)
    {
        "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Flatten",
        "Dropout", "SpatialDropout2D", "Activation", "ReLU", "LeakyReLU", "ELU", "BatchNormalization",
    };

    /// <summary>
    /// Returns a new Sequential model with <paramref name="fraction"/> of the units of every Dense and
    /// Conv2D layer but the last removed (n − round(n·(1 − fraction)) of n, at least one kept), the
    /// units of smallest <paramref name="norm"/> first (ties: the later unit goes).
    /// </summary>
    /// <param name="model">A built Sequential of Dense/Conv2D layers and channel-wise layers between them.</param>
    /// <param name="fraction">The fraction of units removed per layer, in [0, 1).</param>
    /// <param name="norm">L1 or L2 norm of each unit's weights (the incoming weights of a Dense unit, the kernel of a filter).</param>
    /// <exception cref="DeepSharpException">A layer stands between two prunable ones that the method cannot shrink through, naming it.</exception>
    public static Sequential Prune(Sequential model, float fraction, StructuredNorm norm = StructuredNorm.L1)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(fraction is >= 0f and < 1f)) throw new ArgumentException($"fraction must be in [0, 1); got {fraction}.", nameof(fraction));
        if (!model.IsBuilt || model.Layers[0].BuiltInputShape is not { } inputShape)
            throw new InvalidOperationException($"StructuredPruning: model '{model.Name}' is not built.");
        var layers = model.Layers;
        int last = -1;
        for (int i = 0; i < layers.Count; i++) if (layers[i] is Dense or Conv2D) last = i;
        var shapes = model.LayerOutputShapes();

        // keptIn: the kept indices of the current activation's last axis (null: all of it).
        int[]? keptIn = null;
        var newLayers = new List<Layer>();
        var slices = new List<Func<Parameter, int[]?[]>>();
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            int[]? inRows = keptIn;
            if (layer is Dense or Conv2D)
            {
                int[]? kept = i < last ? KeptUnits(layer, fraction, norm) : null;
                var config = layer.GetConfig();
                if (kept is not null) config[layer is Dense ? "units" : "filters"] = kept.Length;
                newLayers.Add(LayerRegistry.Create(layer.TypeName, config));
                int[]? inputs = inRows;
                slices.Add(p => p.Name == "kernel" ? KernelSlices(p.Shape.Rank, inputs, kept) : [kept]);
                keptIn = kept;
                continue;
            }
            if (keptIn is not null && !ChannelWise.Contains(layer.TypeName))
                throw new DeepSharpException($"StructuredPruning: layer '{layer.Name}' ({layer.TypeName}) stands between a pruned layer and the next Dense/Conv2D; " +
                    "only BatchNormalization, pooling, Flatten, Dropout and activations can be shrunk through. Prune a chain of Dense/Conv2D layers.");
            if (keptIn is not null && layer is BatchNormalization bn && bn.Axis != -1 && bn.Axis != shapes[i].Rank)
                throw new DeepSharpException($"StructuredPruning: BatchNormalization '{layer.Name}' normalizes axis {bn.Axis}, not the channels (the last axis).");
            if (keptIn is not null && layer.TypeName == "Flatten")
            {
                var before = i == 0 ? inputShape : shapes[i - 1];
                keptIn = FlattenedIndices(before.Size / before[-1], before[-1], keptIn);
            }
            newLayers.Add(LayerRegistry.Create(layer.TypeName, layer.GetConfig()));
            int[]? channels = inRows;
            slices.Add(p => [.. Enumerable.Repeat<int[]?>(null, p.Shape.Rank - 1), channels]);
        }

        var result = new Sequential(newLayers, model.Name + "_pruned");
        result.Build(inputShape);
        for (int i = 0; i < layers.Count; i++)
        {
            var oldParams = layers[i].Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var p in newLayers[i].Parameters)
                Gather(oldParams[p.Name].Value, slices[i](p), p.Value);
        }
        return result;
    }

    /// <summary>The kept output units of a Dense or Conv2D layer, in their original order.</summary>
    private static int[] KeptUnits(Layer layer, float fraction, StructuredNorm norm)
    {
        var kernel = layer.Parameters.First(p => p.Name == "kernel").Value;
        int units = kernel.Shape[-1], rows = kernel.Size / units;
        var norms = new double[units];
        var w = kernel.Span;
        for (int r = 0; r < rows; r++)
            for (int u = 0; u < units; u++)
            {
                double x = w[r * units + u];
                norms[u] += norm == StructuredNorm.L1 ? Math.Abs(x) : x * x;
            }
        int keep = Math.Max(1, (int)Math.Round(units * (1.0 - fraction), MidpointRounding.ToEven));
        var order = Enumerable.Range(0, units).OrderByDescending(u => norms[u]).ThenBy(u => u).Take(keep).ToArray();
        Array.Sort(order);
        return order;
    }

    /// <summary>A kernel's slices: its input axis (second to last) by the kept inputs, its last axis by the kept units.</summary>
    private static int[]?[] KernelSlices(int rank, int[]? inputs, int[]? outputs)
    {
        var s = new int[]?[rank];
        s[rank - 2] = inputs;
        s[rank - 1] = outputs;
        return s;
    }

    /// <summary>Flatten of (positions, channels) in (h, w, c) order: the kept flat indices for kept channels.</summary>
    private static int[] FlattenedIndices(int positions, int channels, int[] kept)
    {
        var result = new int[positions * kept.Length];
        for (int p = 0, at = 0; p < positions; p++)
            foreach (int c in kept) result[at++] = p * channels + c;
        return result;
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="target"/>, taking on each axis the indices of <paramref name="slices"/> (null: all).</summary>
    private static void Gather(Tensor source, int[]?[] slices, Tensor target)
    {
        int rank = source.Shape.Rank;
        var index = new int[rank];
        var src = source.Span;
        var dst = target.Span;
        for (int at = 0; at < dst.Length; at++)
        {
            int offset = 0;
            for (int axis = 0; axis < rank; axis++)
                offset = offset * source.Shape[axis] + (slices[axis] is { } s ? s[index[axis]] : index[axis]);
            dst[at] = src[offset];
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                if (++index[axis] < target.Shape[axis]) break;
                index[axis] = 0;
            }
        }
    }
}
