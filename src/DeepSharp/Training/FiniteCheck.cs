using System.Numerics;
using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Fit's check that its data holds no NaN or infinity, made once when Fit starts. It reads the
/// float tensors of a <see cref="TensorDataset"/> (which every tensor Fit overload trains from) —
/// inputs, targets, sample weights — in one vectorised pass at memory speed; integer labels need no
/// check. Batches from <see cref="DataLoader.FromBatches"/> or from a <see cref="Dataset"/> of your
/// own are not read ahead (that would load a streamed data set twice) and are not checked.
/// </summary>
internal static class FiniteCheck
{
    /// <summary>Throws <see cref="NonFiniteDataException"/> for the first NaN or infinity in <paramref name="data"/>'s tensors.</summary>
    public static void Check(DataLoader data, string prefix)
    {
        if (data.Dataset is not TensorDataset set) return;
        var inputs = set.Inputs;
        var targets = set.Targets;
        for (int i = 0; i < inputs.Count; i++) Check(inputs[i], prefix + Name("x", i, inputs.Count));
        for (int o = 0; o < targets.Count; o++)
            if (targets[o] is { } t) Check(t, prefix + Name("y", o, targets.Count));
        if (set.SampleWeight is { } w) Check(w, prefix + "sampleWeight");
        if (set.SampleWeights is { } weights)
            for (int o = 0; o < weights.Count; o++)
                if (weights[o] is { } wo) Check(wo, prefix + $"sampleWeights[{o}]");
    }

    private static string Name(string name, int index, int count) => count == 1 ? name : $"{name}[{index}]";

    /// <summary>Throws for the first NaN or infinity of a float tensor, naming its sample.</summary>
    public static void Check(Tensor t, string name)
    {
        if (t.DType != DType.Float32) return;
        ReadOnlySpan<float> span = t.Span[..t.Size];
        int bad = IndexOfNonFinite(span);
        if (bad < 0) return;
        int perSample = t.Rank == 0 || t.Shape[0] == 0 ? 1 : Math.Max(1, t.Size / t.Shape[0]);
        throw new NonFiniteDataException(name, bad / perSample, bad % perSample, span[bad]);
    }

    /// <summary>
    /// The index of the first NaN or ±∞, or -1. Vectorised: v − v is 0 for a finite v and NaN
    /// otherwise, so a block is clean when every v − v equals 0; a dirty block is searched in scalar code.
    /// </summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> span)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= span.Length - width; i += width)
            {
                var v = new Vector<float>(span[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break;
            }
        }
        for (; i < span.Length; i++)
            if (!float.IsFinite(span[i])) return i;
        return -1;
    }
}
