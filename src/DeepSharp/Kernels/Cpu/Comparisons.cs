using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Which elementwise comparison <see cref="Comparisons.Compare"/> makes.</summary>
internal enum ComparisonKind { Equal, NotEqual, Greater, GreaterEqual, Less, LessEqual }

/// <summary>
/// Elementwise comparisons giving 1f where true and 0f where false, and the select of Where with
/// its gradient, all on the vector driver.
/// </summary>
/// <remarks>
/// A vector comparison gives an all-ones lane mask; AND with 1f's bits turns it into 1f or 0f.
/// IEEE semantics: a comparison with NaN is false, except NotEqual, which is true. Where treats
/// every non-zero condition (NaN included) as true, as NumPy's where on a float mask does.
/// </remarks>
internal static class Comparisons
{
    /// <summary>d[i] = x[i] ⋈ y[i] ? 1 : 0.</summary>
    public static void Compare(ComparisonKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (kind)
        {
            case ComparisonKind.Equal: ElementwiseDriver.Map(default(EqualOperator), x, y, d); break;
            case ComparisonKind.NotEqual: ElementwiseDriver.Map(default(NotEqualOperator), x, y, d); break;
            case ComparisonKind.Greater: ElementwiseDriver.Map(default(GreaterOperator), x, y, d); break;
            case ComparisonKind.GreaterEqual: ElementwiseDriver.Map(default(GreaterEqualOperator), x, y, d); break;
            case ComparisonKind.Less: ElementwiseDriver.Map(default(GreaterOperator), y, x, d); break;
            default: ElementwiseDriver.Map(default(GreaterEqualOperator), y, x, d); break;
        }
    }

    /// <summary>d[i] = c[i] ≠ 0 ? a[i] : b[i].</summary>
    public static void Select(ReadOnlySpan<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) =>
        ElementwiseDriver.Map(default(SelectOperator), c, a, b, d);

    /// <summary>
    /// dx[i] += (c[i] ≠ 0) == <paramref name="whereTrue"/> ? dy[i] : 0: the gradient of Where for its
    /// first value (<paramref name="whereTrue"/>) or its second.
    /// </summary>
    public static void SelectBackward(ReadOnlySpan<float> c, ReadOnlySpan<float> dy, Span<float> dx, bool whereTrue)
    {
        if (whereTrue) ElementwiseDriver.Map(default(MaskedAddOperator), c, dy, dx, dx);
        else ElementwiseDriver.Map(default(InverseMaskedAddOperator), c, dy, dx, dx);
    }

    private readonly struct EqualOperator : IBinaryOperator
    {
        public float Invoke(float x, float y) => x == y ? 1f : 0f;
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.Equals(x, y) & Vector128<float>.One;
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Equals(x, y) & Vector256<float>.One;
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Equals(x, y) & Vector512<float>.One;
    }

    private readonly struct NotEqualOperator : IBinaryOperator
    {
        public float Invoke(float x, float y) => x != y ? 1f : 0f;
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.AndNot(Vector128<float>.One, Vector128.Equals(x, y));
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.AndNot(Vector256<float>.One, Vector256.Equals(x, y));
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.AndNot(Vector512<float>.One, Vector512.Equals(x, y));
    }

    private readonly struct GreaterOperator : IBinaryOperator
    {
        public float Invoke(float x, float y) => x > y ? 1f : 0f;
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.GreaterThan(x, y) & Vector128<float>.One;
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThan(x, y) & Vector256<float>.One;
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThan(x, y) & Vector512<float>.One;
    }

    private readonly struct GreaterEqualOperator : IBinaryOperator
    {
        public float Invoke(float x, float y) => x >= y ? 1f : 0f;
        public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.GreaterThanOrEqual(x, y) & Vector128<float>.One;
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThanOrEqual(x, y) & Vector256<float>.One;
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThanOrEqual(x, y) & Vector512<float>.One;
    }

    /// <summary>(c, a, b) → c ≠ 0 ? a : b.</summary>
    private readonly struct SelectOperator : ITernaryOperator
    {
        public float Invoke(float c, float a, float b) => c != 0f ? a : b;
        public Vector128<float> Invoke(Vector128<float> c, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(Vector128.Equals(c, Vector128<float>.Zero), b, a);
        public Vector256<float> Invoke(Vector256<float> c, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.Equals(c, Vector256<float>.Zero), b, a);
        public Vector512<float> Invoke(Vector512<float> c, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(Vector512.Equals(c, Vector512<float>.Zero), b, a);
    }

    /// <summary>(c, dy, dx) → dx + (c ≠ 0 ? dy : 0).</summary>
    private readonly struct MaskedAddOperator : ITernaryOperator
    {
        public float Invoke(float c, float dy, float dx) => c != 0f ? dx + dy : dx;
        public Vector128<float> Invoke(Vector128<float> c, Vector128<float> dy, Vector128<float> dx) => dx + Vector128.AndNot(dy, Vector128.Equals(c, Vector128<float>.Zero));
        public Vector256<float> Invoke(Vector256<float> c, Vector256<float> dy, Vector256<float> dx) => dx + Vector256.AndNot(dy, Vector256.Equals(c, Vector256<float>.Zero));
        public Vector512<float> Invoke(Vector512<float> c, Vector512<float> dy, Vector512<float> dx) => dx + Vector512.AndNot(dy, Vector512.Equals(c, Vector512<float>.Zero));
    }

    /// <summary>(c, dy, dx) → dx + (c = 0 ? dy : 0).</summary>
    private readonly struct InverseMaskedAddOperator : ITernaryOperator
    {
        public float Invoke(float c, float dy, float dx) => c == 0f ? dx + dy : dx;
        public Vector128<float> Invoke(Vector128<float> c, Vector128<float> dy, Vector128<float> dx) => dx + (dy & Vector128.Equals(c, Vector128<float>.Zero));
        public Vector256<float> Invoke(Vector256<float> c, Vector256<float> dy, Vector256<float> dx) => dx + (dy & Vector256.Equals(c, Vector256<float>.Zero));
        public Vector512<float> Invoke(Vector512<float> c, Vector512<float> dy, Vector512<float> dx) => dx + (dy & Vector512.Equals(c, Vector512<float>.Zero));
    }
}
