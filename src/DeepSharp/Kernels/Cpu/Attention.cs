using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Per (batch, head), with Q, K, V, O read in place from the (B, T, H, D) layout (leading dimension H·D),
// in blocks of 64 query rows (a block's GEMMs stop at the last key its last row may see, so a causal
// head costs about half a full one):
//   forward   S = Q·Kᵀ                         packed GEMM into the head's (Tq, Tk) probability block
//             P = softmax(scale·S) per row     fused: scale, causal prefix, padding mask, max, exp, sum
//             O = (P ∘ M)·V                    M: the inverted-dropout mask, when training with dropout
//   backward  dV += (P ∘ M)ᵀ·dO,   dP = (dO·Vᵀ) ∘ M,   dS = scale · P ∘ (dP − rowsum(dP ∘ P)),
//             dQ += dS·K,   dK += dSᵀ·Q
// Only the (Tq, Tk) probabilities of each head are ever materialised: into the caller's buffer
// when backward needs them, else into a per-thread scratch block of 64 rows reused block after
// block; dP and P ∘ M live in per-thread scratch blocks too. Masked scores become −∞ before the row maximum, so masked
// probabilities are exactly 0; a row with every key masked gives probabilities and output 0
// (never NaN), and its gradients are 0.
// Threads: heads are independent, so B·H heads are spread over the worker pool (each head's GEMMs
// then run inline) when there are at least as many heads as threads or the heads are small;
// otherwise heads run in turn and each GEMM spreads itself. Neither choice changes any bit.

/// <summary>Fused scaled dot-product attention; see <see cref="NaiveAttention"/> for the contract.</summary>
internal static unsafe class Attention
{
    /// <summary>
    /// output = softmax(scale·Q·Kᵀ, masked)·V per head. <paramref name="mask"/> (may be empty) is
    /// the padding/attention mask; <paramref name="dropout"/> (may be empty) multiplies the
    /// probabilities before they meet V; <paramref name="probabilities"/> (may be empty) receives
    /// the softmax output for <see cref="Backward"/>.
    /// </summary>
    public static void Forward(in AttentionGeometry g, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        ReadOnlySpan<float> mask, ReadOnlySpan<float> dropout, Span<float> probabilities, Span<float> output)
    {
        g.Validate();
        g.Require(nameof(query), query.Length, g.QuerySize);
        g.Require(nameof(key), key.Length, g.KeySize);
        g.Require(nameof(value), value.Length, g.ValueSize);
        g.Require(nameof(mask), mask.Length, g.MaskSize, optional: true);
        g.Require(nameof(dropout), dropout.Length, g.ProbabilitiesSize, optional: true);
        g.Require(nameof(probabilities), probabilities.Length, g.ProbabilitiesSize, optional: true);
        g.Require(nameof(output), output.Length, g.OutputSize);
        fixed (float* q = query, k = key, v = value, m = mask, d = dropout, p = probabilities, o = output)
        {
            var args = new AttentionArgs
            {
                G = g, Q = q, K = k, V = v, Mask = mask.IsEmpty ? null : m, Dropout = dropout.IsEmpty ? null : d,
                P = probabilities.IsEmpty ? null : p, O = o,
            };
            Run(args);
        }
    }

    /// <summary>
    /// Accumulates the gradients of <see cref="Forward"/> into <paramref name="queryGrad"/>,
    /// <paramref name="keyGrad"/> and <paramref name="valueGrad"/> (each may be empty: not needed),
    /// from the saved <paramref name="probabilities"/> and the same <paramref name="dropout"/> mask.
    /// </summary>
    public static void Backward(in AttentionGeometry g, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        ReadOnlySpan<float> dropout, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> outputGrad,
        Span<float> queryGrad, Span<float> keyGrad, Span<float> valueGrad)
    {
        g.Validate();
        g.Require(nameof(query), query.Length, g.QuerySize);
        g.Require(nameof(key), key.Length, g.KeySize);
        g.Require(nameof(value), value.Length, g.ValueSize);
        g.Require(nameof(dropout), dropout.Length, g.ProbabilitiesSize, optional: true);
        g.Require(nameof(probabilities), probabilities.Length, g.ProbabilitiesSize);
        g.Require(nameof(outputGrad), outputGrad.Length, g.OutputSize);
        g.Require(nameof(queryGrad), queryGrad.Length, g.QuerySize, optional: true);
        g.Require(nameof(keyGrad), keyGrad.Length, g.KeySize, optional: true);
        g.Require(nameof(valueGrad), valueGrad.Length, g.ValueSize, optional: true);
        if (queryGrad.IsEmpty && keyGrad.IsEmpty && valueGrad.IsEmpty) return;
        fixed (float* q = query, k = key, v = value, d = dropout, p = probabilities, dO = outputGrad, dq = queryGrad, dk = keyGrad, dv = valueGrad)
        {
            var args = new AttentionArgs
            {
                G = g, Q = q, K = k, V = v, Dropout = dropout.IsEmpty ? null : d, P = p, DO = dO,
                DQ = queryGrad.IsEmpty ? null : dq, DK = keyGrad.IsEmpty ? null : dk, DV = valueGrad.IsEmpty ? null : dv,
                IsBackward = true,
            };
            Run(args);
        }
    }

    private static void Run(in AttentionArgs args)
    {
        ref readonly var g = ref args.G;
        int heads = g.Batch * g.Heads;
        if (heads == 0 || g.QueryLength == 0) return;
        long perHead = (long)g.QueryLength * g.KeyLength * ((long)g.KeyDim + g.ValueDim);
        int threads = WorkerPool.Shared.ThreadCount;
        if (heads > 1 && threads > 1 && (heads >= threads || perHead < GemmBlocking.ParallelThreshold))
        {
            var tasks = AttentionTasks.ForThisThread;
            tasks.Set(args);
            WorkerPool.Shared.For(heads, tasks);
            return;
        }
        for (int head = 0; head < heads; head++) RunHead(args, head);
    }

    internal static void RunHead(in AttentionArgs args, int head)
    {
        if (args.IsBackward) AttentionHead.Backward(args, head);
        else AttentionHead.Forward(args, head);
    }
}

/// <summary>Pointers of one attention call (validated by <see cref="Attention"/>); null pointers are absent buffers.</summary>
internal unsafe struct AttentionArgs
{
    public AttentionGeometry G;
    public float* Q, K, V, Mask, Dropout, P, O;
    public float* DO, DQ, DK, DV;
    public bool IsBackward;
}

/// <summary>The worker-pool body of one attention call: item t is head t of B·H. One instance per calling thread, reused.</summary>
internal sealed class AttentionTasks : IParallelBody
{
    [ThreadStatic] private static AttentionTasks? t_instance;

    private AttentionArgs _args;

    public static AttentionTasks ForThisThread => t_instance ??= new AttentionTasks();

    public void Set(in AttentionArgs args) => _args = args;

    public void Execute(int index) => Attention.RunHead(_args, index);
}
