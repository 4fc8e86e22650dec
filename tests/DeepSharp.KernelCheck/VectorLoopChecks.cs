using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>
/// <see cref="VectorLoop"/> visits every index exactly once, at every length 0..256 and large
/// primes, with the widest block it can (max pooling's checks test the bodies themselves).
/// </summary>
public static unsafe class VectorLoopChecks
{
    public static void EveryIndexOnceWidestFirst()
    {
        int widest = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 16
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 8
            : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 4 : 1;
        foreach (int n in DriverData.Lengths)
        {
            var width = new int[n + 1];
            fixed (int* w = width)
                VectorLoop.For(new RecordingBody(w), n);
            for (int i = 0; i < n; i++)
            {
                if (width[i] == 0) throw new CheckFailedException($"VectorLoop n={n}: index {i} not visited");
                if (width[i] < 0) throw new CheckFailedException($"VectorLoop n={n}: index {i} visited twice");
                if (i < n / widest * widest && width[i] != widest)
                    throw new CheckFailedException($"VectorLoop n={n}: index {i} in a block of {width[i]}, expected {widest}");
            }
            if (width[n] != 0) throw new CheckFailedException($"VectorLoop n={n}: visited index n");
        }
    }

    /// <summary>Writes each visited index's block width (−1 when visited again).</summary>
    private readonly struct RecordingBody(int* width) : IVectorLoopBody
    {
        public void Invoke(nuint i) => Mark(i, 1);
        public void Invoke128(nuint i) => Mark(i, 4);
        public void Invoke256(nuint i) => Mark(i, 8);
        public void Invoke512(nuint i) => Mark(i, 16);

        private void Mark(nuint i, int count)
        {
            for (int k = 0; k < count; k++) width[(int)i + k] = width[(int)i + k] == 0 ? count : -1;
        }
    }
}
