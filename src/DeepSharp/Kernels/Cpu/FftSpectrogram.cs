using System.Buffers;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

// Shapes: B batch, S samples per signal, L frame length, H hop, N FFT length (≥ L), K = N/2 + 1 bins,
// F = 1 + (S − L)/H frames (0 when S < L: "valid" framing, no padding).

/// <summary>
/// The short-time Fourier transform's magnitude, raised to a power: frame f of signal b is
/// x[b, f·H .. f·H + L) times the window, zero-padded to N samples, and
/// out[b, f, k] = |FFT(frame)[k]|^p. <see cref="NaiveSpectrogram"/> is its specification.
/// </summary>
internal static unsafe class FftSpectrogram
{
    /// <summary>Frames of a signal of <paramref name="samples"/> samples: 1 + (S − L)/H, or 0 when S &lt; L.</summary>
    public static int FrameCount(int samples, int frameLength, int hop) =>
        samples < frameLength ? 0 : 1 + (samples - frameLength) / hop;

    /// <summary>
    /// out (B, F, K) = |STFT(signal (B, S))|^<paramref name="exponent"/>; p = 2 is the power spectrum,
    /// 1 the magnitude. Rows are spread over <see cref="WorkerPool.Shared"/>.
    /// </summary>
    public static void Magnitude(ReadOnlySpan<float> signal, int batch, int samples, int frameLength, int hop, int fftLength,
        ReadOnlySpan<float> window, float exponent, Span<float> output)
    {
        int frames = FrameCount(samples, frameLength, hop);
        int bins = fftLength / 2 + 1;
        if (frameLength < 1 || hop < 1 || fftLength < frameLength || window.Length != frameLength
            || signal.Length < (long)batch * samples || output.Length < (long)batch * frames * bins)
            throw new ArgumentException($"STFT of ({batch}, {samples}) with frame {frameLength}, hop {hop}, FFT {fftLength}, window {window.Length}: " +
                $"spans of {signal.Length} and {output.Length} do not fit.");
        int rows = batch * frames;
        if (rows == 0) return;
        fixed (float* x = signal, w = window, y = output)
        {
            var body = new Body(x, w, y, samples, frames, frameLength, hop, fftLength, exponent);
            int chunks = Math.Min(rows, 4 * WorkerPool.Shared.ThreadCount);
            body.RowsPerChunk = (rows + chunks - 1) / chunks;
            body.Rows = rows;
            long work = (long)rows * fftLength * Math.Max(1, (int)Math.Log2(fftLength));
            WorkerPool.Shared.For((rows + body.RowsPerChunk - 1) / body.RowsPerChunk, body, work);
        }
    }

    private sealed class Body(float* x, float* w, float* y, int samples, int frames, int frameLength, int hop, int fftLength, float exponent) : IParallelBody
    {
        public int RowsPerChunk;
        public int Rows;

        public void Execute(int index)
        {
            int bins = fftLength / 2 + 1;
            float[] buffer = ArrayPool<float>.Shared.Rent(2 * fftLength + 2 * bins);
            try
            {
                var frame = buffer.AsSpan(0, fftLength);
                var scratch = buffer.AsSpan(fftLength, fftLength);
                var re = buffer.AsSpan(2 * fftLength, bins);
                var im = buffer.AsSpan(2 * fftLength + bins, bins);
                frame[frameLength..].Clear();
                int end = Math.Min(Rows, (index + 1) * RowsPerChunk);
                for (int row = index * RowsPerChunk; row < end; row++)
                {
                    int b = row / frames, f = row - b * frames;
                    float* start = x + (long)b * samples + (long)f * hop;
                    for (int t = 0; t < frameLength; t++) frame[t] = start[t] * w[t];
                    Fft.Real(frame, re, im, scratch);
                    float* o = y + (long)row * bins;
                    for (int k = 0; k < bins; k++)
                    {
                        float p = re[k] * re[k] + im[k] * im[k];
                        o[k] = exponent == 2f ? p : exponent == 1f ? MathF.Sqrt(p) : MathF.Pow(p, 0.5f * exponent);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }
}
