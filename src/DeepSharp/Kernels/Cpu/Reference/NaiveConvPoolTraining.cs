namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <c>ConvPool2DKernel</c>, the training convolution + ReLU + max-pool: the
/// unfused chain. Forward: <see cref="NaiveConv2D"/>, ReLU if asked, then a 'valid' max-pool whose
/// strides equal its size (<see cref="NaiveMaxPool2D"/>, argmax the flat index into the convolution's
/// output). Kernel gradient: the pool's scatter of dy to the argmax, through the ReLU mask (y &gt; 0 at
/// the argmax), then <see cref="NaiveConv2D.BackwardKernel"/> and the bias gradient's column sums.
/// </summary>
internal static class NaiveConvPoolTraining
{
    /// <summary>Writes y and argmax (N, ⌊OutH/poolH⌋, ⌊OutW/poolW⌋, Cout). An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, Span<int> argmax,
        in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        var conv = new float[g.OutputLength];
        NaiveConv2D.Forward(x, w, bias, conv, g);
        if (relu) NaiveActivations.Relu(conv, conv);
        NaiveMaxPool2D.Forward(conv, y, argmax, PoolGeometry(g, poolH, poolW));
    }

    /// <summary>dw += ∂L/∂w and db += ∂L/∂b (skipped when empty) given the pooled gradient dy.</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<int> argmax,
        Span<float> dw, Span<float> db, in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        var dConv = new float[g.OutputLength];
        int pooled = PoolGeometry(g, poolH, poolW).OutputLength;
        for (int i = 0; i < pooled; i++)
            if (!relu || y[i] > 0) dConv[argmax[i]] += dy[i];
        NaiveConv2D.BackwardKernel(x, dConv, dw, g);
        if (!db.IsEmpty) NaiveReductions.SumRows(dConv, db, g.Batch * g.OutH * g.OutW, g.OutC);
    }

    public static Pool2DGeometry PoolGeometry(in Conv2DGeometry g, int poolH, int poolW) =>
        Pool2DGeometry.Create(g.Batch, g.OutH, g.OutW, g.OutC, poolH, poolW, poolH, poolW, samePadding: false);
}
