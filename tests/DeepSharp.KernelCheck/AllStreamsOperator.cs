using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>
/// A test update that changes w and all three states, each from every input, so a stream the driver
/// skipped or mixed up shows: s1 += g; s2 = s2·w − s1; s3 = s3 − s2·g; w += s1 − s3.
/// </summary>
internal readonly struct AllStreamsOperator : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float s1, ref float s2, ref float s3)
    {
        s1 += g;
        s2 = s2 * w - s1;
        s3 -= s2 * g;
        w += s1 - s3;
    }

    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> s1, ref Vector128<float> s2, ref Vector128<float> s3)
    {
        s1 += g;
        s2 = s2 * w - s1;
        s3 -= s2 * g;
        w += s1 - s3;
    }

    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> s1, ref Vector256<float> s2, ref Vector256<float> s3)
    {
        s1 += g;
        s2 = s2 * w - s1;
        s3 -= s2 * g;
        w += s1 - s3;
    }

    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> s1, ref Vector512<float> s2, ref Vector512<float> s3)
    {
        s1 += g;
        s2 = s2 * w - s1;
        s3 -= s2 * g;
        w += s1 - s3;
    }
}
