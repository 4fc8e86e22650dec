using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// ReLU on u8 activations: q = max(q, zeroPoint). Quantization is monotonic and maps 0.0 to the
/// zero point exactly, so this is the byte of the float ReLU's output. Naive twin:
/// <c>Reference.NaiveInt8.Relu</c>.
/// </summary>
internal static unsafe class Int8Relu
{
    /// <summary>In place over <paramref name="length"/> bytes.</summary>
    public static void Forward(byte* q, long length, byte zeroPoint)
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var z = Vector256.Create(zeroPoint);
            for (; i + 32 <= length; i += 32) Vector256.Max(Vector256.Load(q + i), z).Store(q + i);
        }
        for (; i < length; i++) q[i] = Math.Max(q[i], zeroPoint);
    }
}
