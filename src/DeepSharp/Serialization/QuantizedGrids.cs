using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;

namespace DeepSharp.Serialization;

/// <summary>
/// The checks on a quantized layer's weights taken together, run on loaded values before they are
/// copied (each weight alone is checked by its layer's <see cref="Parameter.BeforeLoad"/>): a
/// <see cref="QuantizedAdd"/>'s three grids must add in fixed point (the output scale above 2⁻¹⁹ of
/// the larger input scale; a file could hold any positive scales, and <c>Predict</c> failed with an
/// <see cref="InvalidOperationException"/>), and an int8 Conv or Dense's input scale times each
/// channel's kernel scale (the epilogue's multiplier) must be a finite float32 (3e38 × 3e38 made it
/// infinite: every output NaN or ±∞).
/// </summary>
internal static class QuantizedGrids
{
    /// <summary>What is wrong with the layers of <paramref name="values"/> once they hold them (others keep their current values); null when nothing.</summary>
    public static string? Problem(IReadOnlyList<(Parameter Parameter, float[] Values)> values)
    {
        var loaded = new Dictionary<Parameter, float[]>(ReferenceEqualityComparer.Instance);
        var owners = new List<Layer>();
        var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        foreach (var (p, v) in values)
        {
            loaded[p] = v;
            if ((p.Owner is QuantizedAdd || p.Owner is IQuantizedLayer) && seen.Add(p.Owner)) owners.Add(p.Owner);
        }
        foreach (var layer in owners)
        {
            float[]? Get(string name)
            {
                foreach (var p in layer.Parameters)
                    if (p.Name == name && ReferenceEquals(p.Owner, layer)) return loaded.TryGetValue(p, out var v) ? v : p.Value.Span.ToArray();
                return null;
            }
            if (layer is QuantizedAdd add && Get("input_scale") is { Length: 2 } s && Get("input_zero_point") is { Length: 2 } z
                && Get("output_scale") is { Length: 1 } so && Get("output_zero_point") is { Length: 1 } zo)
            {
                try
                {
                    Int8AddParameters.Create(s[0], (int)z[0], s[1], (int)z[1], so[0], (int)zo[0], add.Activation == Activation.Relu);
                }
                catch (ArgumentOutOfRangeException e)
                {
                    return $"layer '{layer.Path}' (QuantizedAdd): its grids do not add in fixed point: {e.Message.Split(" (Parameter", 2)[0]}";
                }
            }
            else if (layer is IQuantizedLayer && Get("input_scale") is { Length: 1 } input && Get("kernel_scale") is { } channels)
            {
                for (int j = 0; j < channels.Length; j++)
                    if (!float.IsFinite(input[0] * channels[j]))
                        return $"layer '{layer.Path}' ({layer.TypeName}): input_scale {input[0]} × kernel_scale {channels[j]} of channel {j} is not a finite float32.";
            }
        }
        return null;
    }
}
