using DeepSharp.Tensors;

namespace DeepSharp.Data.Audio;

/// <summary>Additive white noise at a chosen signal-to-noise ratio, drawn from a seeded generator (the same seed, the same noise).</summary>
public static class AudioNoise
{
    /// <summary>
    /// Adds Gaussian noise to <paramref name="signal"/> in place so that the ratio of the signal's mean
    /// power to the noise's is <paramref name="snrDb"/> decibels. A silent signal is left unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="snrDb"/> is not finite.</exception>
    public static void Add(Span<float> signal, float snrDb, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!float.IsFinite(snrDb)) throw new ArgumentOutOfRangeException(nameof(snrDb), snrDb, "The SNR must be a finite number of decibels.");
        double power = 0;
        foreach (float v in signal) power += (double)v * v;
        if (signal.Length == 0 || power == 0) return;
        power /= signal.Length;
        float stddev = (float)Math.Sqrt(power / Math.Pow(10, snrDb / 10.0));
        var noise = new float[signal.Length];
        generator.FillNormal(noise, 0f, stddev);
        for (int i = 0; i < signal.Length; i++) signal[i] += noise[i];
    }
}
