using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The per-row steps of <see cref="AttentionHead"/>, each a few vector passes over one score row (a
/// head's rows are ≤ 64 keys at the char-GPT's context: a TensorPrimitives call per step cost about
/// as much as its arithmetic): softmax(scale·s) forward, and dS = scale·P∘(dP − rowsum(dP∘P)) backward.
/// </summary>
/// <remarks>
/// <see cref="Vector{T}"/> passes with a scalar tail doing the same operations; e^x is the runtime's
/// vector <c>Exp</c> (what TensorPrimitives.Exp runs), a tail element through a one-lane Vector128,
/// so every element gets the vector bits. The row's sums (Σe, Σ dP·P) add lanes, then the tail; only
/// their order differs from TensorPrimitives.Sum/Dot (float rounding).
/// </remarks>
internal static unsafe class AttentionRows
{
    /// <summary>
    /// x ← softmax(x) in place, for x already scaled; −∞ entries (masked keys) become exactly 0.
    /// The row must hold at least one finite entry.
    /// </summary>
    public static void Softmax(float* x, int n)
    {
        float max = Max(x, n);
        int w = Vector<float>.Count, j = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vmax = new(max), acc = default;
            for (; j + w <= n; j += w)
            {
                var e = Vector.Exp(Vector.Load(x + j) - vmax);
                e.Store(x + j);
                acc += e;
            }
            sum = Vector.Sum(acc);
        }
        for (; j < n; j++)
        {
            float e = Vector128.Exp(Vector128.CreateScalar(x[j] - max)).ToScalar();
            x[j] = e;
            sum += e;
        }
        Scale(x, 1f / sum, n);
    }

    /// <summary>x ← scale·x (the padding mask is applied between the scaling and <see cref="Softmax"/>).</summary>
    public static void Scale(float* x, float scale, int n)
    {
        int w = Vector<float>.Count, j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> s = new(scale);
            for (; j + w <= n; j += w) (Vector.Load(x + j) * s).Store(x + j);
        }
        for (; j < n; j++) x[j] *= scale;
    }

    /// <summary>dP ← ((dP − Σ dP∘P)∘P)·scale in place over one row of <paramref name="n"/>.</summary>
    public static void SoftmaxBackward(float* dp, float* p, float scale, int n)
    {
        int w = Vector<float>.Count, j = 0;
        float dot = 0f;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> acc = default;
            for (; j + w <= n; j += w) acc += Vector.Load(dp + j) * Vector.Load(p + j);
            dot = Vector.Sum(acc);
        }
        for (; j < n; j++) dot += dp[j] * p[j];
        j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vdot = new(dot), s = new(scale);
            for (; j + w <= n; j += w) ((Vector.Load(dp + j) - vdot) * Vector.Load(p + j) * s).Store(dp + j);
        }
        for (; j < n; j++) dp[j] = (dp[j] - dot) * p[j] * scale;
    }

    private static float Max(float* x, int n)
    {
        int w = Vector<float>.Count, j = 0;
        float max = float.NegativeInfinity;
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            var acc = Vector.Load(x);
            for (j = w; j + w <= n; j += w) acc = Vector.Max(acc, Vector.Load(x + j));
            for (int k = 0; k < w; k++) max = MathF.Max(max, acc[k]);
        }
        for (; j < n; j++) max = MathF.Max(max, x[j]);
        return max;
    }
}
