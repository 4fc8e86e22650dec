namespace DeepSharp.Nn.Layers;

/// <summary>What <see cref="StftSpectrogram"/> outputs per frame and frequency bin (Keras's <c>mode</c>).</summary>
public enum StftMode
{
    /// <summary>|X|, the magnitude of the FFT bin.</summary>
    Magnitude,
    /// <summary>|X|², the power (Keras's "psd", without its density scaling).</summary>
    Psd,
    /// <summary>ln(max(|X|², 1e-10)): the power on a natural-log scale, floored so silence stays finite.</summary>
    Log,
}
