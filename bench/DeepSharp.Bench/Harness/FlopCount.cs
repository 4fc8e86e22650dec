namespace DeepSharp.Bench.Harness;

/// <summary>
/// Analytic floating-point operation counts (one multiply-add = 2 FLOP), the numerators of the
/// roofline's GFLOP/s. Only the multiply-adds of the contraction are counted: bias, activation and
/// pooling are a few FLOP per output and memory-bound, so leaving them out keeps the figures
/// comparable with the FMA peak (a kernel can reach at most 100 %).
/// </summary>
internal static class FlopCount
{
    /// <summary>GEMM C = op(A)·op(B) with A m×k and B k×n: 2·m·n·k.</summary>
    public static double Gemm(long m, long n, long k)
    {
        Check(m, nameof(m)); Check(n, nameof(n)); Check(k, nameof(k));
        return 2.0 * m * n * k;
    }

    /// <summary>
    /// Conv2D forward: 2·N·Ho·Wo·Co·Ci·Kh·Kw, with the output size given (so 'same', 'valid', stride
    /// and dilation are all covered by the caller's Ho, Wo).
    /// </summary>
    public static double ConvForward(long batch, long outH, long outW, long outC, long inC, long kernelH, long kernelW)
    {
        Check(batch, nameof(batch)); Check(outH, nameof(outH)); Check(outW, nameof(outW));
        Check(outC, nameof(outC)); Check(inC, nameof(inC)); Check(kernelH, nameof(kernelH)); Check(kernelW, nameof(kernelW));
        return 2.0 * batch * outH * outW * outC * inC * kernelH * kernelW;
    }

    /// <summary>
    /// Conv2D backward: the kernel gradient costs one forward's FLOP, the input gradient another;
    /// a first layer (no input gradient) costs one.
    /// </summary>
    public static double ConvBackward(double forwardFlops, bool inputGradient) => forwardFlops * (inputGradient ? 2 : 1);

    /// <summary>Output side of a convolution: 'same' keeps ceil(size / stride), 'valid' floor((size − k) / stride) + 1.</summary>
    public static int ConvOutput(int size, int kernel, int stride, bool same)
    {
        Check(size, nameof(size)); Check(kernel, nameof(kernel));
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Stride must be at least 1.");
        if (same) return (size + stride - 1) / stride;
        if (kernel > size) throw new ArgumentOutOfRangeException(nameof(kernel), kernel, $"A {kernel}-wide 'valid' kernel does not fit a side of {size}.");
        return (size - kernel) / stride + 1;
    }

    /// <summary>
    /// One LSTM layer forward over a sequence: per step the input projection x·W (2·B·I·4H) and the
    /// recurrent h·U (2·B·H·4H); backward costs twice the forward (input/recurrent gradients and weight gradients).
    /// </summary>
    public static double LstmForward(long batch, long steps, long inputs, long units)
    {
        Check(batch, nameof(batch)); Check(steps, nameof(steps)); Check(inputs, nameof(inputs)); Check(units, nameof(units));
        return steps * (Gemm(batch, 4 * units, inputs) + Gemm(batch, 4 * units, units));
    }

    /// <summary>Training (forward + backward) of layers whose forward costs <paramref name="forwardFlops"/>: 3× the forward.</summary>
    public static double Training(double forwardFlops) => 3 * forwardFlops;

    private static void Check(long value, string name)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
    }
}

/// <summary>FLOP counts of the bench's whole-model workloads, from <see cref="FlopCount"/>'s layer formulas.</summary>
internal static class ModelFlops
{
    /// <summary>
    /// The seed CNN's forward per image: Conv2D 28×28×1 → 32 (3×3 valid), max-pool 2, Dense 5408 → 128, Dense 128 → 10.
    /// </summary>
    public static double SeedForwardPerImage =>
        FlopCount.ConvForward(1, 26, 26, 32, 1, 3, 3) + FlopCount.Gemm(1, 128, 13 * 13 * 32) + FlopCount.Gemm(1, 10, 128);

    /// <summary>
    /// The seed CNN's training step per image: the first convolution has no input gradient (forward + kernel
    /// gradient = 2× its forward), the Dense layers need both gradients (3× their forward).
    /// </summary>
    public static double SeedTrainingPerImage
    {
        get
        {
            double conv = FlopCount.ConvForward(1, 26, 26, 32, 1, 3, 3);
            double dense = FlopCount.Gemm(1, 128, 13 * 13 * 32) + FlopCount.Gemm(1, 10, 128);
            return conv + FlopCount.ConvBackward(conv, inputGradient: false) + FlopCount.Training(dense);
        }
    }

    /// <summary>
    /// A decoder-only Transformer's training FLOP per token: per block the QKV, output and 4× MLP
    /// projections (12·d² multiply-adds) and attention's Q·Kᵀ and A·V over the whole context (2·T·d,
    /// the masked half included, as both engines compute it), plus the vocabulary head; 3× the forward.
    /// </summary>
    public static double TransformerTrainingPerToken(int blocks, int width, int context, int vocabulary)
    {
        double perBlock = FlopCount.Gemm(1, 12L * width, width) + 2 * FlopCount.Gemm(1, context, width);
        return FlopCount.Training(blocks * perBlock + FlopCount.Gemm(1, vocabulary, width));
    }
}
