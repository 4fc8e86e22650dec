using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// One geometry of a Winograd kernel-gradient check, shared by <see cref="WinogradChecks"/> (F(2,3)) and
/// <see cref="WinogradF43Checks"/> (F(4,3)): random x, dy, a ReLU output on every other case, and dW, db to
/// accumulate onto; the naive twin against <c>Conv2DKernel.BackwardKernelFused</c> run under the class's
/// forcing. The masked dy must be the same bits, db close, dW within the class's bound.
/// </summary>
internal static class WinogradKernelGradientCase
{
    /// <summary>A class's element-wise bound on |dŵ − dw| for x, the masked dy and the twin's dw.</summary>
    public delegate double[] Bound(float[] x, float[] dy, float[] expected, in Conv2DGeometry g);

    /// <summary>The class's bound test: throws when an element of <c>actual</c> is outside its bound.</summary>
    public delegate void WithinBound(float[] expected, float[] actual, double[] bound, string context);

    public static void Run(Conv2DGeometry g, ref int seed, string label, Action<Action> forced, Bound bound, WithinBound withinBound)
    {
        var x = Check.Random(g.InputLength, ++seed);
        var reluOutput = Check.Random(g.OutputLength, ++seed);
        for (int i = 0; i < reluOutput.Length; i++) reluOutput[i] = Math.Max(reluOutput[i], 0f);
        var dy1 = Check.Random(g.OutputLength, ++seed);
        var dy2 = (float[])dy1.Clone();
        var dw1 = Check.Random(g.KernelLength, ++seed);
        var dw2 = (float[])dw1.Clone();
        var db1 = Check.Random(g.OutC, ++seed);
        var db2 = (float[])db1.Clone();
        bool relu = seed % 2 == 0;
        if (relu) NaiveActivations.ReluMaskGradient(reluOutput, dy1);
        NaiveConv2D.BackwardKernel(x, dy1, dw1, g);
        NaiveReductions.SumRows(dy1, db1, g.Batch * g.OutH * g.OutW, g.OutC);
        forced(() => Conv2DKernel.BackwardKernelFused(x, dy2, relu ? reluOutput : [], dw2, db2, g));
        Check.Equal<float>(dy1, dy2, $"{label} kernel gradient: masked dy {g} relu={relu}");
        Check.Close(db1, db2, 1e-4f, 1e-3f, $"{label} kernel gradient: db {g} relu={relu}");
        withinBound(dw1, dw2, bound(x, dy1, dw1, g), $"{label} kernel gradient {g} relu={relu}");
    }
}
