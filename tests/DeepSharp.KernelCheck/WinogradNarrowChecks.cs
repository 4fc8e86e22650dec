using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The 16-filter Winograd paths (<see cref="WinogradF23Narrow512"/>, <see cref="WinogradF23Narrow512KernelGradient"/>)
/// as <see cref="Conv2DKernel"/> picks them: the same bits with one thread as with two. (Their bits against
/// the general Winograd path and the error bound against the naive twin: <see cref="WinogradChecks"/>.)
/// </summary>
public static class WinogradNarrowChecks
{
    public static void IdenticalForAnyThreadCount()
    {
        foreach (var g in new[]
        {
            Conv2DGeometry.Create(37, 11, 9, 16, 16, 3, 3, 1, 1, samePadding: true),
            Conv2DGeometry.Create(19, 7, 13, 32, 16, 3, 3, 1, 1, samePadding: false),
        })
        {
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated
                && !(WinogradF23.Applies(g) && WinogradF23Narrow512.Applies(g) && WinogradF23Narrow512KernelGradient.Applies(g)))
                throw new CheckFailedException($"Winograd 16-filter path: not picked for {g}.");
            var x = Check.Random(g.InputLength, 1);
            var w = Check.Random(g.KernelLength, 2);
            var bias = Check.Random(g.OutC, 3);
            var dy = Check.Random(g.OutputLength, 4);
            float[][] Run()
            {
                var y = new float[g.OutputLength];
                var dx = Check.Random(g.InputLength, 5);
                var dw = Check.Random(g.KernelLength, 6);
                var db = Check.Random(g.OutC, 7);
                Conv2DKernel.Forward(x, w, bias, y, g, relu: true);
                Conv2DKernel.BackwardInput(dy, w, dx, g);
                Conv2DKernel.BackwardKernelFused(x, (float[])dy.Clone(), y, dw, db, g);
                return [y, dx, dw, db];
            }
            var one = ThreadCounts.With(1, Run);
            var two = ThreadCounts.With(2, Run);
            for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], two[i], $"Winograd 16-filter path {g}, pass {i}, 1 vs 2 threads");
        }
    }
}
