namespace DeepSharp.Data.Audio;

/// <summary>A mono signal: samples in [−1, 1) (16-bit PCM divided by 32,768) at <see cref="SampleRate"/> Hz.</summary>
/// <param name="SampleRate">Samples per second.</param>
/// <param name="Samples">The signal.</param>
public sealed record WavAudio(int SampleRate, float[] Samples)
{
    /// <summary>The length in seconds.</summary>
    public double Seconds => (double)Samples.Length / SampleRate;
}
