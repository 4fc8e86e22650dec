namespace DeepSharp.Nn.Layers;

/// <summary>
/// The mel filter bank (bins, melBins): triangular filters equally spaced on the HTK mel scale,
/// mel(f) = 2595·log₁₀(1 + f/700), as TensorFlow's linear_to_mel_weight_matrix and Keras's
/// MelSpectrogram build it. Bin k sits at k·rate/fftLength Hz; filter m rises from edge m to edge
/// m + 1 and falls to edge m + 2 (melBins + 2 edges from minFreq to maxFreq), the slopes measured in
/// mels; the DC bin weighs nothing. Filters are not area-normalised (no "slaney" norm).
/// </summary>
internal static class MelSpectrogramWeights
{
    public static double HzToMel(double hz) => 2595.0 * Math.Log10(1.0 + hz / 700.0);

    /// <summary>Row-major (bins, melBins) weights.</summary>
    public static float[] Matrix(int bins, int melBins, double samplingRate, double minFreq, double maxFreq)
    {
        var w = new float[bins * melBins];
        double lo = HzToMel(minFreq), hi = HzToMel(maxFreq);
        var edges = new double[melBins + 2];
        for (int i = 0; i < edges.Length; i++) edges[i] = lo + (hi - lo) * i / (melBins + 1);
        double nyquist = samplingRate / 2;
        for (int k = 1; k < bins; k++) // bin 0 (DC) weighs nothing
        {
            double mel = HzToMel(nyquist * k / (bins - 1));
            for (int m = 0; m < melBins; m++)
            {
                double lower = (mel - edges[m]) / (edges[m + 1] - edges[m]);
                double upper = (edges[m + 2] - mel) / (edges[m + 2] - edges[m + 1]);
                w[k * melBins + m] = (float)Math.Max(0.0, Math.Min(lower, upper));
            }
        }
        return w;
    }
}
