namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of the fused inference kernels <c>DirectConvPool</c> and <c>WinogradConvPool</c>:
/// the convolution (<see cref="NaiveConv2D"/>, double-precision sums), ReLU if asked, then a 'valid'
/// max-pool whose strides equal its size (<see cref="NaiveMaxPool2D"/>), which drops convolution rows
/// and columns past the last whole window.
/// </summary>
internal static class NaiveConvPool
{
    /// <summary>Writes y (N, ⌊OutH/poolH⌋, ⌊OutW/poolW⌋, Cout). An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        in Conv2DGeometry g, int poolH, int poolW, bool relu)
    {
        var conv = new float[g.OutputLength];
        NaiveConv2D.Forward(x, w, bias, conv, g);
        if (relu) NaiveActivations.Relu(conv, conv);
        var p = Pool2DGeometry.Create(g.Batch, g.OutH, g.OutW, g.OutC, poolH, poolW, poolH, poolW, samePadding: false);
        NaiveMaxPool2D.Forward(conv, y, new int[p.OutputLength], p);
    }
}
