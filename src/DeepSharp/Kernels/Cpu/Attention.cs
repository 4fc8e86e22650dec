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
// A backward that writes its gradients (a fresh buffer: no zero fill by the caller on one thread)
// spreads batch elements instead: each item clears its element's gradient rows, then runs its H
// heads while those rows are in its cache. Fewer passes over the gradients on every CPU, so not gated.

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
    /// With <paramref name="overwrite"/> the gradients' heads' columns are written instead (what they
    /// held is ignored; the floats between rows are not touched): each batch element's rows are cleared
    /// inside its own parallel item, just before its heads add into them, and the bits are those of
    /// accumulating into zeros.
    /// </summary>
    public static void Backward(in AttentionGeometry g, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        ReadOnlySpan<float> dropout, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> outputGrad,
        Span<float> queryGrad, Span<float> keyGrad, Span<float> valueGrad, bool overwrite = false)
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
            if (overwrite) RunOverwriting(args);
            else Run(args);
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

    /// <summary>
    /// Backward writing the gradients: with at least as many batch elements as threads, item b clears
    /// batch element b's gradient rows and runs its H heads (each head's arithmetic as in <see cref="Run"/>,
    /// so the same bits); otherwise every row is cleared first and the heads run as in <see cref="Run"/>.
    /// </summary>
    private static void RunOverwriting(in AttentionArgs args)
    {
        ref readonly var g = ref args.G;
        int threads = WorkerPool.Shared.ThreadCount;
        if (g.Batch >= threads && threads > 1 && g.Heads > 0 && g.QueryLength > 0)
        {
            var tasks = AttentionTasks.ForThisThread;
            tasks.Set(args, byBatch: true);
            WorkerPool.Shared.For(g.Batch, tasks);
            return;
        }
        for (int b = 0; b < g.Batch; b++) ClearGradients(args, b);
        Run(args);
    }

    /// <summary>Batch element <paramref name="b"/>'s item of <see cref="RunOverwriting"/>: clear its gradient rows, then its heads.</summary>
    internal static void RunBatch(in AttentionArgs args, int b)
    {
        ClearGradients(args, b);
        for (int h = 0; h < args.G.Heads; h++) RunHead(args, b * args.G.Heads + h);
    }

    /// <summary>Zeros the heads' columns of batch element <paramref name="b"/>'s rows of dQ, dK and dV.</summary>
    private static void ClearGradients(in AttentionArgs a, int b)
    {
        ref readonly var g = ref a.G;
        int keyWidth = g.Heads * g.KeyDim, valueWidth = g.Heads * g.ValueDim;
        if (a.DQ is not null)
            for (long i = (long)b * g.QueryLength, end = i + g.QueryLength; i < end; i++) new Span<float>(a.DQ + i * g.QueryLd, keyWidth).Clear();
        for (long j = (long)b * g.KeyLength, end = j + g.KeyLength; j < end; j++)
        {
            if (a.DK is not null) new Span<float>(a.DK + j * g.KeyLd, keyWidth).Clear();
            if (a.DV is not null) new Span<float>(a.DV + j * g.ValueLd, valueWidth).Clear();
        }
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

/// <summary>
/// The worker-pool body of one attention call: item t is head t of B·H, or (a backward that writes its
/// gradients) batch element t. One instance per calling thread, reused.
/// </summary>
internal sealed class AttentionTasks : IParallelBody
{
    [ThreadStatic] private static AttentionTasks? t_instance;

    private AttentionArgs _args;
    private bool _byBatch;

    public static AttentionTasks ForThisThread => t_instance ??= new AttentionTasks();

    public void Set(in AttentionArgs args, bool byBatch = false)
    {
        _args = args;
        _byBatch = byBatch;
    }

    public void Execute(int index)
    {
        if (_byBatch) Attention.RunBatch(_args, index);
        else Attention.RunHead(_args, index);
    }
}
