namespace DeepSharp.Nn.Layers;

/// <summary>The window a spectrogram layer multiplies each frame by before its FFT (Keras's <c>window</c>).</summary>
public enum StftWindow
{
    /// <summary>Hann: 0.5 − 0.5·cos(2πt/D).</summary>
    Hann,
    /// <summary>Hamming: 0.54 − 0.46·cos(2πt/D).</summary>
    Hamming,
    /// <summary>No window (rectangular): every weight 1.</summary>
    None,
}

/// <summary>Window names as configs spell them, and the window weights.</summary>
internal static class StftWindows
{
    public static string ToName(StftWindow window) => window switch
    {
        StftWindow.Hann => "hann",
        StftWindow.Hamming => "hamming",
        _ => "none",
    };

    public static StftWindow Parse(string name) => name switch
    {
        "hann" => StftWindow.Hann,
        "hamming" => StftWindow.Hamming,
        "none" or "" => StftWindow.None,
        _ => throw new DeepSharpException($"unknown window '{TerminalText.Escape(name)}' (known: hann, hamming, none)."),
    };

    /// <summary>
    /// The <paramref name="length"/> weights: D = length for a periodic window (the DFT-even one
    /// that spectral analysis uses), length − 1 for a symmetric one (Keras's default, periodic=False).
    /// </summary>
    public static float[] Weights(StftWindow window, int length, bool periodic)
    {
        var w = new float[length];
        double d = periodic ? length : length - 1;
        for (int t = 0; t < length; t++)
        {
            double c = d > 0 ? Math.Cos(2 * Math.PI * t / d) : 1.0;
            w[t] = window switch
            {
                StftWindow.Hann => (float)(0.5 - 0.5 * c),
                StftWindow.Hamming => (float)(0.54 - 0.46 * c),
                _ => 1f,
            };
        }
        if (length == 1) w[0] = 1f; // a one-sample window weighs its sample fully
        return w;
    }
}
