using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// The operators of Activations and CellActivationKernel: each is the twin's scalar expression, written
// again per vector width with the same operations in the same order (so the bits match the twin).

/// <summary>x &gt; 0 ? x : 0 (NaN and −0 give +0, as the twin).</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public float Invoke(float x) => x > 0 ? x : 0f;
    public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, Vector128<float>.Zero);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512<float>.Zero);
}

/// <summary>(x, d) → x &gt; 0 ? d : 0: the ReLU gradient masked through its input or output.</summary>
internal readonly struct ReluMaskOperator : IBinaryOperator
{
    public float Invoke(float x, float d) => x > 0 ? d : 0f;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> d) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), d, Vector128<float>.Zero);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> d) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), d, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> d) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), d, Vector512<float>.Zero);
}

/// <summary>(x, dy, dx) → x &gt; 0 ? dx + dy : dx.</summary>
internal readonly struct ReluBackwardOperator : ITernaryOperator
{
    public float Invoke(float x, float dy, float dx) => x > 0 ? dx + dy : dx;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dx) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), dx + dy, dx);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dx) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dx + dy, dx);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dx) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), dx + dy, dx);
}

/// <summary>(y, dy, dx) → dx + dy·y·(1 − y), from the sigmoid's output y.</summary>
internal readonly struct SigmoidBackwardOperator : ITernaryOperator
{
    public float Invoke(float y, float dy, float dx) => dx + dy * y * (1f - y);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy, Vector128<float> dx) => dx + dy * y * (Vector128<float>.One - y);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> dx) => dx + dy * y * (Vector256<float>.One - y);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> dx) => dx + dy * y * (Vector512<float>.One - y);
}

/// <summary>(y, dy, dx) → dx + dy·(1 − y²), from the tanh's output y.</summary>
internal readonly struct TanhBackwardOperator : ITernaryOperator
{
    public float Invoke(float y, float dy, float dx) => dx + dy * (1f - y * y);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy, Vector128<float> dx) => dx + dy * (Vector128<float>.One - y * y);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> dx) => dx + dy * (Vector256<float>.One - y * y);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> dx) => dx + dy * (Vector512<float>.One - y * y);
}

/// <summary>(y, d) → d·y·(1 − y) grouped as d·(y·(1 − y)): a recurrent cell's sigmoid derivative.</summary>
internal readonly struct SigmoidDerivativeOperator : IBinaryOperator
{
    public float Invoke(float y, float d) => d * (y * (1f - y));
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> d) => d * (y * (Vector128<float>.One - y));
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> d) => d * (y * (Vector256<float>.One - y));
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> d) => d * (y * (Vector512<float>.One - y));
}

/// <summary>(y, d) → d·(1 − y²): a recurrent cell's tanh derivative.</summary>
internal readonly struct TanhDerivativeOperator : IBinaryOperator
{
    public float Invoke(float y, float d) => d * (1f - y * y);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> d) => d * (Vector128<float>.One - y * y);
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> d) => d * (Vector256<float>.One - y * y);
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> d) => d * (Vector512<float>.One - y * y);
}
