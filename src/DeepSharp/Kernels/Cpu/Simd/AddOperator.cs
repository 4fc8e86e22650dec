using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>x + y: the accumulation <c>acc += row</c> of row sums and col2im, as a driver call.</summary>
/// <remarks>
/// TensorPrimitives.Add gives the same bits; the driver's call costs less on the short rows
/// (a few dozen channels) these kernels add.
/// </remarks>
internal readonly struct AddOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x + y;
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
}
