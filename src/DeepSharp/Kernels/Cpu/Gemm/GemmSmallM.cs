using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The small-M path (M = 1..MaxRows, B not transposed): batch-1 inference and small recurrent steps.
// The packed path copies every KC×NC panel of B before using it once or a few times, which for a
// Dense layer at batch 1 costs more than the multiply itself (5408×128 floats packed per call).
// Here B is read in place, row by row, each B row streamed once per row of C: one C row at a
// time, a block of eight vectors (128 columns at 512 bits, 64 at 256: a B row's 512 contiguous
// bytes, eight independent FMA chains) in registers, k in order.
// Summation order is the packed path's exactly: k cut into blocks of GemmBlocking.Kc, each block
// summed from zero with one fused multiply-add per product, then added to C; so the result is
// bit-identical to the packed path (and so to any batch size and thread count). It runs on the
// calling thread: the work is memory-bound and small, and a hand-off would cost more than it saves.
// Used at the 512-bit and 256-bit+FMA levels; the 128-bit and scalar kernels keep the packed path
// (their multiply-add is not always fused, so the order argument would not hold).

/// <summary>C (+)= op(A)·B for a few rows of C, without packing B (see the notes above).</summary>
internal static unsafe class GemmSmallM
{
    /// <summary>The most rows of C this path takes.</summary>
    public const int MaxRows = 8;

    /// <summary>Whether a call with these operands runs here (on this CPU).</summary>
    public static bool Applies(in GemmArgs args) =>
        args.M <= MaxRows && !args.TransB && (Vector512.IsHardwareAccelerated || (Vector256.IsHardwareAccelerated && Fma.IsSupported));

    /// <summary>Runs the call; the caller has checked <see cref="Applies"/>.</summary>
    public static void Multiply(in GemmArgs args)
    {
        KernelBounds.Check(Applies(args));
        int k = args.K;
        for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
        {
            int kc = Math.Min(GemmBlocking.Kc, k - pc);
            bool accumulate = args.Accumulate || pc > 0;
            nint aStep = args.TransA ? args.Lda : 1;
            for (int i = 0; i < args.M; i++)
            {
                float* a = args.TransA ? args.A + pc * args.Lda + i : args.A + i * args.Lda + pc;
                KernelBounds.Range(a - args.A, (kc - 1) * aStep + 1, args.LengthA);
                KernelBounds.Range(pc * args.Ldb, (kc - 1) * args.Ldb + args.N, args.LengthB);
                KernelBounds.Range(i * args.Ldc, args.N, args.LengthC);
                float* b = args.B + pc * args.Ldb, c = args.C + i * args.Ldc;
                int done = Vector512.IsHardwareAccelerated
                    ? Row512(kc, a, aStep, b, args.Ldb, c, args.N, accumulate)
                    : Row256(kc, a, aStep, b, args.Ldb, c, args.N, accumulate);
                for (int j = done; j < args.N; j++)
                {
                    float sum = 0;
                    for (int p = 0; p < kc; p++) sum = MathF.FusedMultiplyAdd(a[p * aStep], b[p * args.Ldb + j], sum);
                    c[j] = accumulate ? c[j] + sum : sum;
                }
            }
        }
    }

    /// <summary>One C row, whole 16-wide vectors only; returns the columns done.</summary>
    private static int Row512(int kc, float* a, nint aStep, float* b, nint ldb, float* c, int n, bool accumulate)
    {
        const int W = 16;
        int j = 0;
        for (; j + 8 * W <= n; j += 8 * W)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
            float* bp = b + j, ap = a;
            for (int p = 0; p < kc; p++, bp += ldb, ap += aStep)
            {
                var av = Vector512.Create(*ap);
                s0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp), s0);
                s1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + W), s1);
                s2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 2 * W), s2);
                s3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 3 * W), s3);
                s4 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 4 * W), s4);
                s5 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 5 * W), s5);
                s6 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 6 * W), s6);
                s7 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 7 * W), s7);
            }
            Store(c + j, s0, accumulate);
            Store(c + j + W, s1, accumulate);
            Store(c + j + 2 * W, s2, accumulate);
            Store(c + j + 3 * W, s3, accumulate);
            Store(c + j + 4 * W, s4, accumulate);
            Store(c + j + 5 * W, s5, accumulate);
            Store(c + j + 6 * W, s6, accumulate);
            Store(c + j + 7 * W, s7, accumulate);
        }
        for (; j + W <= n; j += W)
        {
            Vector512<float> s0 = default;
            float* bp = b + j, ap = a;
            for (int p = 0; p < kc; p++, bp += ldb, ap += aStep)
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(*ap), Vector512.Load(bp), s0);
            Store(c + j, s0, accumulate);
        }
        return j;
    }

    /// <summary>One C row, whole 8-wide vectors only; returns the columns done.</summary>
    private static int Row256(int kc, float* a, nint aStep, float* b, nint ldb, float* c, int n, bool accumulate)
    {
        const int W = 8;
        int j = 0;
        for (; j + 8 * W <= n; j += 8 * W)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
            float* bp = b + j, ap = a;
            for (int p = 0; p < kc; p++, bp += ldb, ap += aStep)
            {
                var av = Vector256.Create(*ap);
                s0 = Fma.MultiplyAdd(av, Vector256.Load(bp), s0);
                s1 = Fma.MultiplyAdd(av, Vector256.Load(bp + W), s1);
                s2 = Fma.MultiplyAdd(av, Vector256.Load(bp + 2 * W), s2);
                s3 = Fma.MultiplyAdd(av, Vector256.Load(bp + 3 * W), s3);
                s4 = Fma.MultiplyAdd(av, Vector256.Load(bp + 4 * W), s4);
                s5 = Fma.MultiplyAdd(av, Vector256.Load(bp + 5 * W), s5);
                s6 = Fma.MultiplyAdd(av, Vector256.Load(bp + 6 * W), s6);
                s7 = Fma.MultiplyAdd(av, Vector256.Load(bp + 7 * W), s7);
            }
            Store(c + j, s0, accumulate);
            Store(c + j + W, s1, accumulate);
            Store(c + j + 2 * W, s2, accumulate);
            Store(c + j + 3 * W, s3, accumulate);
            Store(c + j + 4 * W, s4, accumulate);
            Store(c + j + 5 * W, s5, accumulate);
            Store(c + j + 6 * W, s6, accumulate);
            Store(c + j + 7 * W, s7, accumulate);
        }
        for (; j + W <= n; j += W)
        {
            Vector256<float> s0 = default;
            float* bp = b + j, ap = a;
            for (int p = 0; p < kc; p++, bp += ldb, ap += aStep)
                s0 = Fma.MultiplyAdd(Vector256.Create(*ap), Vector256.Load(bp), s0);
            Store(c + j, s0, accumulate);
        }
        return j;
    }

    private static void Store(float* c, Vector512<float> v, bool accumulate) =>
        (accumulate ? v + Vector512.Load(c) : v).Store(c);

    private static void Store(float* c, Vector256<float> v, bool accumulate) =>
        (accumulate ? v + Vector256.Load(c) : v).Store(c);
}
