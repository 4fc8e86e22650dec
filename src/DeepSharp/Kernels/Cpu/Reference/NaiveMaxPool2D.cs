namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="MaxPool2DKernel"/>. Each output is the maximum of its window
/// (padding never wins); <c>argmax</c> records the flat input index of the first maximum in
/// scan order (kh, then kw), or −1 for a window with no input element. Backward routes each
/// output gradient to that one element: ties (frequent after ReLU) never split the gradient.
/// </summary>
internal static class NaiveMaxPool2D
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in Pool2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        float best = float.NegativeInfinity;
                        int bestIndex = -1;
                        for (int kh = 0; kh < g.PoolH; kh++)
                        {
                            int ih = oh * g.StrideH - g.PadTop + kh;
                            if ((uint)ih >= (uint)g.InH) continue;
                            for (int kw = 0; kw < g.PoolW; kw++)
                            {
                                int iw = ow * g.StrideW - g.PadLeft + kw;
                                if ((uint)iw >= (uint)g.InW) continue;
                                int index = ((n * g.InH + ih) * g.InW + iw) * g.Channels + c;
                                if (bestIndex < 0 || x[index] > best)
                                {
                                    best = x[index];
                                    bestIndex = index;
                                }
                            }
                        }
                        int o = ((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c;
                        y[o] = bestIndex < 0 ? 0f : best;
                        argmax[o] = bestIndex;
                    }
    }

    /// <summary>
    /// The max-pool's input gradient carried on through the ReLU that made its input x (x ≥ 0, the
    /// ReLU's output): dx[argmax[i]] += dy[i] only where x[argmax[i]] &gt; 0. Into a zeroed dx this is
    /// the pool's scatter followed by the ReLU's mask dx[j] = x[j] &gt; 0 ? dx[j] : 0, bit for bit.
    /// </summary>
    public static void BackwardThroughRelu(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, ReadOnlySpan<float> x, Span<float> dx)
    {
        for (int i = 0; i < dy.Length; i++)
            if (argmax[i] >= 0 && x[argmax[i]] > 0) dx[argmax[i]] += dy[i];
    }

    /// <summary>dx[argmax[i]] += dy[i].</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        for (int i = 0; i < dy.Length; i++)
            if (argmax[i] >= 0) dx[argmax[i]] += dy[i];
    }
}
