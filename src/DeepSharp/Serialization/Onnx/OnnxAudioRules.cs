using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the audio front end. The STFT is written as a Conv whose 2·K filters are the
/// windowed DFT basis (w[t]·cos(2πkt/N) and −w[t]·sin(2πkt/N), t &lt; frame length: the frame's zero
/// padding to N contributes nothing), strided by the hop: the same sums as opset 17's STFT op, in an
/// operator every runtime has. The mel filter bank is a MatMul by its (K, mel) matrix, decibels are
/// Log·10/ln 10, and the top-dB floor takes each sample's ReduceMax. SpecAugment is the identity at inference.
/// </summary>
internal static class OnnxAudioRules
{
    public static string Stft(OnnxGraphBuilder g, StftSpectrogram layer, string x)
    {
        string power = Power(g, layer.Name, x, layer.FrameLength, layer.FrameStep, layer.FftLength, layer.WindowWeights);
        return layer.Mode switch
        {
            StftMode.Psd => g.AddNode("Identity", layer.Name, [power]),
            StftMode.Magnitude => g.AddNode("Sqrt", layer.Name, [power]),
            _ => g.AddNode("Log", layer.Name, [g.AddNode("Max", layer.Name + "/floor", [power, g.AddInitializer(layer.Name + "/log_floor", [StftSpectrogram.LogFloor])])]),
        };
    }

    public static string Mel(OnnxGraphBuilder g, MelSpectrogram layer, string x)
    {
        string power = Power(g, layer.Name, x, layer.SequenceLength, layer.SequenceStride, layer.FftLength, layer.WindowWeights);
        string magnitude = layer.MagPower == 2f ? power
            : g.AddNode("Pow", layer.Name + "/magnitude", [power, g.AddInitializer(layer.Name + "/half_power", [0.5f * layer.MagPower])]);
        int bins = layer.FftLength / 2 + 1;
        string mel = g.AddNode("MatMul", layer.Name + "/mel", [magnitude, g.AddInitializer(layer.Name + "/filters", layer.Filters, bins, layer.NumMelBins)]);
        if (!layer.PowerToDb) return g.AddNode("Identity", layer.Name, [mel]);
        string floored = g.AddNode("Max", layer.Name + "/min_power", [mel, g.AddInitializer(layer.Name + "/min_power", [layer.MinPower])]);
        string ln = g.AddNode("Log", layer.Name + "/log", [floored]);
        string db = g.AddNode("Mul", layer.Name + "/db", [ln, g.AddInitializer(layer.Name + "/db_per_neper", [(float)(10.0 / Math.Log(10.0))])]);
        if (layer.ReferenceDb != 0f) db = g.AddNode("Sub", layer.Name + "/reference", [db, g.AddInitializer(layer.Name + "/reference_db", [layer.ReferenceDb])]);
        if (layer.TopDb is not { } top) return g.AddNode("Identity", layer.Name, [db]);
        string peak = g.AddNode("ReduceMax", layer.Name + "/peak", [db], Ints("axes", 1, 2), Int("keepdims", 1));
        string floor = g.AddNode("Sub", layer.Name + "/top_db", [peak, g.AddInitializer(layer.Name + "/top_db", [top])]);
        return g.AddNode("Max", layer.Name, [db, floor]);
    }

    /// <summary>(batch, frames, N/2 + 1) |X|² of x (batch, samples) or (batch, samples, 1).</summary>
    private static string Power(OnnxGraphBuilder g, string name, string x, int frameLength, int hop, int fftLength, float[] window)
    {
        int bins = fftLength / 2 + 1;
        var basis = new float[2 * bins * frameLength]; // (2K, 1, L)
        for (int k = 0; k < bins; k++)
            for (int t = 0; t < frameLength; t++)
            {
                double angle = 2.0 * Math.PI * ((long)k * t % fftLength) / fftLength;
                basis[k * frameLength + t] = (float)(window[t] * Math.Cos(angle));
                basis[(bins + k) * frameLength + t] = (float)(-window[t] * Math.Sin(angle));
            }
        // (batch, samples) or (batch, samples, 1) → (batch, 1, samples), Conv's NCW.
        string signal = g.Unsqueeze(g.AddNode("Flatten", name + "/samples", [x], Int("axis", 1)), name + "/channel", 1);
        string spectrum = g.AddNode("Conv", name + "/dft", [signal, g.AddInitializer(name + "/dft_basis", basis, 2 * bins, 1, frameLength)],
            Ints("kernel_shape", frameLength), Ints("strides", hop));
        string frames = g.Transpose(spectrum, name + "/frames", 0, 2, 1); // (batch, frames, 2K)
        var parts = g.AddNode("Split", name + "/parts", [frames, g.AddInt64Initializer(name + "/split", bins, bins)], 2, Int("axis", 2));
        string re2 = g.AddNode("Mul", name + "/re2", [parts[0], parts[0]]);
        string im2 = g.AddNode("Mul", name + "/im2", [parts[1], parts[1]]);
        return g.AddNode("Add", name + "/power", [re2, im2]);
    }
}
