using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The VNNI windows read in place, 8 pixels × one 16-channel tile per call (<see cref="Int8WindowKernels.Eight"/>,
/// Intel's choice for 16-channel layers) and 4 pixels per call, each against the naive twin: output widths 8, 9,
/// 15, 16, 17 and 28 (the last group of 8 overlapping the one before), strides, padding, 1 to 16 input channels,
/// bytes and floats out; then the int8 convolution checks rerun with each choice. Where VNNI is absent
/// the kernel is not called.
/// </summary>
public static class Int8EightPixelChecks
{
    public static unsafe void EightPixelsMatchTwin()
    {
        if (!AvxVnni.IsSupported) return;
        (int H, int W, int C, int S, bool Same)[] cases =
        [
            (3, 8, 1, 1, true), (4, 9, 3, 1, true), (5, 17, 16, 1, false), (2, 15, 5, 1, true), (6, 16, 2, 1, false), (28, 28, 16, 1, true), (9, 33, 7, 2, true),
        ];
        bool chosen = Int8WindowKernels.EightPixels;
        try
        {
            int seed = 7100;
            foreach (var c in cases)
                foreach (bool eight in new[] { true, false })
                {
                    Int8WindowKernels.EightPixels = eight;
                    seed++;
                    var g = Conv2DGeometry.Create(2, c.H, c.W, c.C, 16, 3, 3, c.S, c.S, c.Same);
                    int k = 9 * c.C;
                    var q = new byte[g.InputLength];
                    var w = new sbyte[k * 16];
                    var rng = new Random(seed);
                    rng.NextBytes(q);
                    for (int i = 0; i < w.Length; i++) w[i] = seed % 3 == 0 ? (sbyte)(i % 2 == 0 ? -128 : 127) : (sbyte)rng.Next(-128, 128);
                    var scales = Enumerable.Range(0, 16).Select(i => 1e-4f * (1 + i % 5)).ToArray();
                    var output = new Int8Output(0.02f, 7 + seed % 200, scales, Enumerable.Range(0, 16).Select(i => 0.01f * i).ToArray(), seed % 2 == 0);
                    var floats = new float[g.OutputLength];
                    NaiveInt8.Conv2D(g, q, w, output, floats);
                    var expected = NaiveInt8.Quantize(floats, 0.01f, 3);
                    var packed = Int8Weights.Pack(w, k, 16, Int8Path.Vnni256);
                    var bytes = new byte[g.OutputLength];
                    var asFloats = new float[g.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = bytes)
                    fixed (float* pf = asFloats)
                    {
                        Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToBytes(py, 0.01f, 3));
                        Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToFloats(pf));
                    }
                    Check.Equal<byte>(expected, bytes, $"Int8 windows in place, {(eight ? 8 : 4)} pixels per call, to u8 {c}");
                    Check.Equal<float>(floats, asFloats, $"Int8 windows in place, {(eight ? 8 : 4)} pixels per call, to float {c}");
                }
            foreach (bool eight in new[] { !chosen, chosen })
            {
                Int8WindowKernels.EightPixels = eight;
                Int8Checks.Conv2DMatchesTwinOnEveryPath();
                Int8Checks.Conv2DToBytesMatchesTwinOnEveryPath();
                Int8ConvAddChecks.ConvAddMatchesTheStepsOnEveryPath();
            }
        }
        finally
        {
            Int8WindowKernels.EightPixels = chosen;
        }
    }
}
