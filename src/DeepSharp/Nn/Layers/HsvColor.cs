using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// RGB ↔ HSV for RandomHue and RandomSaturation, written with autograd ops so gradients reach the pixels. Images are
/// (N, H, W, 3) in [0, 1]; hue is kept on the [0, 6) scale (TensorFlow's <c>rgb_to_hsv</c> hue times 6), and the
/// colour is carried as chroma c = max − min (= s·v) beside the value v = max, each (N, H, W, 1).
/// </summary>
/// <remarks>
/// Implementation notes: hue is (g − b)/c where the maximum is red (tried first, as TensorFlow), (b − r)/c + 2 where it
/// is green, (r − g)/c + 4 otherwise, wrapped into [0, 6); 0 for greys (c = 0). Back: channel n ∈ {R: 5, G: 3, B: 1} is
/// v − c·clamp(min(k, 4 − k), 0, 1) with k = (n + hue) mod 6, the closed form of the six-sector table.
/// </remarks>
internal static class HsvColor
{
    /// <summary>(hue on [0, 6), chroma, value) of RGB images in [0, 1].</summary>
    public static (Tensor Hue, Tensor Chroma, Tensor Value) FromRgb(Tensor rgb)
    {
        Tensor r = Ops.Slice(rgb, 3, 0, 1), g = Ops.Slice(rgb, 3, 1, 1), b = Ops.Slice(rgb, 3, 2, 1);
        var value = Ops.Max(rgb, 3, keepDims: true);
        var chroma = Ops.Subtract(value, Ops.Min(rgb, 3, keepDims: true));
        var grey = Ops.LessEqual(chroma, 0f);
        var safe = Ops.Where(grey, 1f, chroma); // no 0/0 in the branches Where discards
        var fromRed = Ops.Divide(Ops.Subtract(g, b), safe);
        var fromGreen = Ops.Add(Ops.Divide(Ops.Subtract(b, r), safe), 2f);
        var fromBlue = Ops.Add(Ops.Divide(Ops.Subtract(r, g), safe), 4f);
        var hue = Ops.Where(Ops.Equal(r, value), fromRed, Ops.Where(Ops.Equal(g, value), fromGreen, fromBlue));
        hue = Ops.Where(grey, 0f, Wrap(hue));
        return (hue, chroma, value);
    }

    /// <summary>RGB images from (hue on [0, 6), chroma, value).</summary>
    public static Tensor ToRgb(Tensor hue, Tensor chroma, Tensor value)
    {
        var channels = new Tensor[3];
        for (int i = 0; i < 3; i++)
        {
            var k = Wrap(Ops.Add(hue, 5 - 2 * i));
            var weight = Ops.Clip(Ops.Minimum(k, Ops.Subtract(4f, k)), 0f, 1f);
            channels[i] = Ops.Subtract(value, Ops.Multiply(chroma, weight));
        }
        return Ops.Concatenate(channels, 3);
    }

    /// <summary>A hue within one turn of [0, 6) brought into [0, 6).</summary>
    public static Tensor Wrap(Tensor hue) =>
        Ops.Where(Ops.GreaterEqual(hue, 6f), Ops.Subtract(hue, 6f), Ops.Where(Ops.Less(hue, 0f), Ops.Add(hue, 6f), hue));
}
