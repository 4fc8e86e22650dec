using System.Buffers;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Connectionist temporal classification (Graves et al., 2006) for one sample, in log space.
/// Shapes: T frames, C classes (the blank among them), L labels, S = 2L + 1 extended positions
/// (a blank before, between and after the labels: ε l₁ ε l₂ … l_L ε).
///
/// Implementation notes: log-probabilities come from a log-softmax of each frame's logits. The forward
/// variable α[t, s] is the log-probability of all paths over frames 0..t that end at extended position s
/// having emitted l'₁..l'_s; a path moves from s to s, s + 1, or s + 2 when l'_{s+2} is a label different
/// from l'_s (a blank between two equal labels cannot be skipped). The backward variable β[t, s] is the
/// same from frame t to the end, emission at t included. log P(l | x) = logsumexp(α[T−1, S−1], α[T−1, S−2]);
/// the gradient of −log P with respect to the logits z[t, k] is softmax(z)[t, k] − Σ_{s: l'_s = k}
/// exp(α[t, s] + β[t, s] − log p[t, k] − log P). Sums of exponentials are taken as max + log(1 + e^(−|a−b|))
/// in double precision, so nothing underflows however long the sequence. A label that cannot fit the frames
/// (L plus the repeats that need a blank between them exceeds T) has probability 0: the loss is +∞ and its
/// gradient 0. This scalar code is the reference itself; tests check it against enumerating every alignment.
/// </summary>
internal static class Ctc
{
    /// <summary>
    /// −log P(labels | logits) for one sample, and when <paramref name="dLogits"/> is not empty its gradient
    /// with respect to the logits (written, not accumulated; T·C values).
    /// </summary>
    /// <param name="logits">(T', C) the sample's frames, row-major, T' ≥ T.</param>
    /// <param name="frames">T, the frames that count (the first T rows of <paramref name="logits"/>).</param>
    /// <param name="classes">C, the classes per frame.</param>
    /// <param name="labels">(L) the label sequence, each in [0, C) and not <paramref name="blank"/>.</param>
    /// <param name="blank">The blank class.</param>
    /// <param name="dLogits">(T, C), or empty when no gradient is wanted.</param>
    public static double Loss(ReadOnlySpan<float> logits, int frames, int classes, ReadOnlySpan<int> labels, int blank, Span<float> dLogits)
    {
        int extended = 2 * labels.Length + 1;
        if (frames == 0)
        {
            return labels.Length == 0 ? 0 : double.PositiveInfinity;
        }
        var logProbs = ArrayPool<double>.Shared.Rent(frames * classes);
        var alpha = ArrayPool<double>.Shared.Rent(frames * extended);
        var ext = ArrayPool<int>.Shared.Rent(extended);
        try
        {
            for (int s = 0; s < extended; s++) ext[s] = (s & 1) == 0 ? blank : labels[s >> 1];
            LogSoftmax(logits, frames, classes, logProbs);
            Forward(logProbs, frames, classes, ext, extended, alpha);
            int last = (frames - 1) * extended;
            double logLikelihood = extended > 1 ? LogAdd(alpha[last + extended - 1], alpha[last + extended - 2]) : alpha[last];
            if (!dLogits.IsEmpty) Gradient(logProbs, frames, classes, ext, extended, alpha, logLikelihood, dLogits);
            return -logLikelihood;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(logProbs);
            ArrayPool<double>.Shared.Return(alpha);
            ArrayPool<int>.Shared.Return(ext);
        }
    }

    /// <summary>log(eᵃ + eᵇ), exact where either is −∞.</summary>
    public static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return Math.Max(a, b) + Math.Log(1 + Math.Exp(-Math.Abs(a - b)));
    }

    private static void LogSoftmax(ReadOnlySpan<float> logits, int frames, int classes, double[] logProbs)
    {
        for (int t = 0; t < frames; t++)
        {
            var z = logits.Slice(t * classes, classes);
            double max = double.NegativeInfinity;
            foreach (float v in z) max = Math.Max(max, v);
            double sum = 0;
            foreach (float v in z) sum += Math.Exp(v - max);
            double logSum = max + Math.Log(sum);
            for (int k = 0; k < classes; k++) logProbs[t * classes + k] = z[k] - logSum;
        }
    }

    /// <summary>Whether a path may move from extended position s − 2 to s (skipping the blank between two different labels).</summary>
    private static bool CanSkip(int[] ext, int s) => s >= 2 && ext[s] != ext[s - 2];

    private static void Forward(double[] logProbs, int frames, int classes, int[] ext, int extended, double[] alpha)
    {
        Array.Fill(alpha, double.NegativeInfinity, 0, frames * extended);
        alpha[0] = logProbs[ext[0]];
        if (extended > 1) alpha[1] = logProbs[ext[1]];
        for (int t = 1; t < frames; t++)
        {
            int row = t * extended, previous = row - extended;
            for (int s = 0; s < extended; s++)
            {
                double a = alpha[previous + s];
                if (s >= 1) a = LogAdd(a, alpha[previous + s - 1]);
                if (CanSkip(ext, s)) a = LogAdd(a, alpha[previous + s - 2]);
                alpha[row + s] = double.IsNegativeInfinity(a) ? a : a + logProbs[t * classes + ext[s]];
            }
        }
    }

    private static void Gradient(double[] logProbs, int frames, int classes, int[] ext, int extended, double[] alpha, double logLikelihood, Span<float> dLogits)
    {
        if (double.IsNegativeInfinity(logLikelihood))
        {
            dLogits[..(frames * classes)].Clear();   // impossible alignment: +∞ loss, no gradient
            return;
        }
        var beta = ArrayPool<double>.Shared.Rent(2 * extended);
        var perClass = ArrayPool<double>.Shared.Rent(classes);
        try
        {
            // β is kept for two frames only: the current one and the next.
            var next = beta.AsSpan(0, extended);
            var current = beta.AsSpan(extended, extended);
            for (int t = frames - 1; t >= 0; t--)
            {
                for (int s = 0; s < extended; s++)
                {
                    double b;
                    if (t == frames - 1) b = s >= extended - 2 ? 0 : double.NegativeInfinity;
                    else
                    {
                        b = next[s];
                        if (s + 1 < extended) b = LogAdd(b, next[s + 1]);
                        if (s + 2 < extended && CanSkip(ext, s + 2)) b = LogAdd(b, next[s + 2]);
                    }
                    current[s] = double.IsNegativeInfinity(b) ? b : b + logProbs[t * classes + ext[s]];
                }
                Array.Fill(perClass, double.NegativeInfinity, 0, classes);
                for (int s = 0; s < extended; s++)
                    perClass[ext[s]] = LogAdd(perClass[ext[s]], alpha[t * extended + s] + current[s]);
                for (int k = 0; k < classes; k++)
                {
                    double lp = logProbs[t * classes + k];
                    double occupied = double.IsNegativeInfinity(perClass[k]) ? 0 : Math.Exp(perClass[k] - lp - logLikelihood);
                    dLogits[t * classes + k] = (float)(Math.Exp(lp) - occupied);
                }
                var swap = next;
                next = current;
                current = swap;
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(beta);
            ArrayPool<double>.Shared.Return(perClass);
        }
    }
}
