using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// The backward operators of Softmax and CrossEntropy; each holds its row's scalars and is the
// twin's scalar expression per vector width (same operations, same order).

/// <summary>(y, dy, dx) → dx + y·(dy − dot), dot = Σ dy·y over the row.</summary>
internal readonly struct SoftmaxBackwardOperator(float dot) : ITernaryOperator
{
    public float Invoke(float y, float dy, float dx) => dx + y * (dy - dot);
    public Vector128<float> Invoke(Vector128<float> y, Vector128<float> dy, Vector128<float> dx) => dx + y * (dy - Vector128.Create(dot));
    public Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy, Vector256<float> dx) => dx + y * (dy - Vector256.Create(dot));
    public Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy, Vector512<float> dx) => dx + y * (dy - Vector512.Create(dot));
}

/// <summary>(p, dy, dx) → dx + (dy − p·sum), p = exp(log-softmax output), sum = Σ dy over the row.</summary>
internal readonly struct LogSoftmaxBackwardOperator(float sum) : ITernaryOperator
{
    public float Invoke(float p, float dy, float dx) => dx + (dy - p * sum);
    public Vector128<float> Invoke(Vector128<float> p, Vector128<float> dy, Vector128<float> dx) => dx + (dy - p * Vector128.Create(sum));
    public Vector256<float> Invoke(Vector256<float> p, Vector256<float> dy, Vector256<float> dx) => dx + (dy - p * Vector256.Create(sum));
    public Vector512<float> Invoke(Vector512<float> p, Vector512<float> dy, Vector512<float> dx) => dx + (dy - p * Vector512.Create(sum));
}

/// <summary>(p, t, d) → d + scale·(p·tsum − t), tsum = Σ t over the row, scale = the row's dLoss.</summary>
internal readonly struct CrossEntropyBackwardOperator(float scale, float tsum) : ITernaryOperator
{
    public float Invoke(float p, float t, float d) => d + scale * (p * tsum - t);
    public Vector128<float> Invoke(Vector128<float> p, Vector128<float> t, Vector128<float> d) => d + Vector128.Create(scale) * (p * Vector128.Create(tsum) - t);
    public Vector256<float> Invoke(Vector256<float> p, Vector256<float> t, Vector256<float> d) => d + Vector256.Create(scale) * (p * Vector256.Create(tsum) - t);
    public Vector512<float> Invoke(Vector512<float> p, Vector512<float> t, Vector512<float> d) => d + Vector512.Create(scale) * (p * Vector512.Create(tsum) - t);
}

/// <summary>(p, d) → d + scale·p: the sparse cross-entropy gradient off the label's column.</summary>
internal readonly struct ScaledAddOperator(float scale) : IBinaryOperator
{
    public float Invoke(float p, float d) => d + scale * p;
    public Vector128<float> Invoke(Vector128<float> p, Vector128<float> d) => d + Vector128.Create(scale) * p;
    public Vector256<float> Invoke(Vector256<float> p, Vector256<float> d) => d + Vector256.Create(scale) * p;
    public Vector512<float> Invoke(Vector512<float> p, Vector512<float> d) => d + Vector512.Create(scale) * p;
}
