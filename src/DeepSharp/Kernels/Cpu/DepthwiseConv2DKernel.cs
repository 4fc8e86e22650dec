using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NHWC depthwise 2-D convolution with a (KH, KW, C, M) kernel; see <see cref="NaiveDepthwiseConv2D"/>
/// for the contract. A direct kernel (GEMM fits poorly: each output channel reads one input channel):
/// the kernel's flat layout (tap, c·M + m) is the output's channel layout, so each tap adds a whole
/// channel row, x-row · w-row when M = 1 (TensorPrimitives, every vector width) and x[c] · w-slice
/// per channel when M &gt; 1.
/// </summary>
/// <remarks>
/// Work is split so that each output element has one writer in a fixed order: forward by (image,
/// output row), the input gradient by image, the kernel gradient by tap (each tap sums over the
/// whole batch in order). Results are therefore bit-identical for any thread count.
/// </remarks>
internal static unsafe class DepthwiseConv2DKernel
{
    /// <summary>Writes y (N, OutH, OutW, C·M). An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in DepthwiseConv2DGeometry g)
    {
        Validate(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length < g.OutC)
            throw new ArgumentException($"Bias has {bias.Length} elements; expected {g.OutC} or none.", nameof(bias));
        fixed (float* px = x, pw = w, pb = bias, py = y)
            Body.Run(Pass.Forward, g, px, pw, bias.IsEmpty ? null : pb, py, g.Batch * g.OutH);
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in DepthwiseConv2DGeometry g)
    {
        Validate(g, dx.Length, w.Length, dy.Length);
        fixed (float* pdy = dy, pw = w, pdx = dx)
            Body.Run(Pass.BackwardInput, g, pdx, pw, null, pdy, g.Batch);
    }

    /// <summary>dw += ∂L/∂w given x and dy.</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in DepthwiseConv2DGeometry g)
    {
        Validate(g, x.Length, dw.Length, dy.Length);
        fixed (float* px = x, pdy = dy, pdw = dw)
            Body.Run(Pass.BackwardKernel, g, px, pdw, null, pdy, g.KernelH * g.KernelW);
    }

    // The passes use pointers, so a short span must fail here rather than read past its end.
    private static void Validate(in DepthwiseConv2DGeometry g, int inputLength, int kernelLength, int outputLength)
    {
        g.Validate();
        if (inputLength < g.InputLength || kernelLength < g.KernelLength || outputLength < g.OutputLength)
            throw new ArgumentException($"Depthwise convolution buffers of {inputLength} (input), {kernelLength} (kernel) and {outputLength} (output) elements; " +
                $"geometry {g} needs {g.InputLength}, {g.KernelLength} and {g.OutputLength}.");
    }

    private enum Pass { Forward, BackwardInput, BackwardKernel }

    /// <summary>One pass's pointers; x is the input (or its gradient), y the output (or its gradient).</summary>
    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;

        private Pass _pass;
        private DepthwiseConv2DGeometry _g;
        private float* _x, _w, _bias, _y;

        public static void Run(Pass pass, in DepthwiseConv2DGeometry g, float* x, float* w, float* bias, float* y, int items)
        {
            if (g.OutputLength == 0 || g.InputLength == 0) return;
            var body = t_instance ??= new Body();
            body._pass = pass;
            body._g = g;
            body._x = x;
            body._w = w;
            body._bias = bias;
            body._y = y;
            try
            {
                WorkerPool.Shared.For(items, body);
            }
            finally
            {
                body._x = body._w = body._bias = body._y = null;
            }
        }

        public void Execute(int index)
        {
            switch (_pass)
            {
                case Pass.Forward: ForwardRow(index / _g.OutH, index % _g.OutH); break;
                case Pass.BackwardInput: BackwardInputImage(index); break;
                default: BackwardKernelTap(index / _g.KernelW, index % _g.KernelW); break;
            }
        }

        // One pixel's channels of the input (C), output (C·M) or one tap's kernel row (C·M); Debug builds check each range.
        private Span<float> InputRow(int n, int ih, int iw)
        {
            long at = (((long)n * _g.InH + ih) * _g.InW + iw) * _g.Channels;
            KernelBounds.Range(at, _g.Channels, _g.InputLength);
            return new Span<float>(_x + at, _g.Channels);
        }

        private Span<float> OutputRow(int n, int oh, int ow)
        {
            long at = (((long)n * _g.OutH + oh) * _g.OutW + ow) * _g.OutC;
            KernelBounds.Range(at, _g.OutC, _g.OutputLength);
            return new Span<float>(_y + at, _g.OutC);
        }

        private Span<float> KernelRow(int kh, int kw)
        {
            long at = (long)(kh * _g.KernelW + kw) * _g.OutC;
            KernelBounds.Range(at, _g.OutC, _g.KernelLength);
            return new Span<float>(_w + at, _g.OutC);
        }

        private void ForwardRow(int n, int oh)
        {
            var g = _g;
            int oc = g.OutC;
            for (int ow = 0; ow < g.OutW; ow++)
            {
                var yRow = OutputRow(n, oh, ow);
                if (_bias is null) yRow.Clear();
                else new ReadOnlySpan<float>(_bias, oc).CopyTo(yRow);
                for (int kh = 0; kh < g.KernelH; kh++)
                {
                    int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                    if ((uint)ih >= (uint)g.InH) continue;
                    for (int kw = 0; kw < g.KernelW; kw++)
                    {
                        int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                        if ((uint)iw >= (uint)g.InW) continue;
                        ReadOnlySpan<float> xRow = InputRow(n, ih, iw);
                        ReadOnlySpan<float> wRow = KernelRow(kh, kw);
                        if (g.Multiplier == 1) TensorPrimitives.MultiplyAdd(xRow, wRow, yRow, yRow);
                        else
                            for (int c = 0; c < g.Channels; c++)
                            {
                                var slice = yRow.Slice(c * g.Multiplier, g.Multiplier);
                                TensorPrimitives.MultiplyAdd(wRow.Slice(c * g.Multiplier, g.Multiplier), xRow[c], slice, slice);
                            }
                    }
                }
            }
        }

        /// <summary>One image: every output pixel's gradient goes back through each tap to its input pixel.</summary>
        private void BackwardInputImage(int n)
        {
            var g = _g;
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    ReadOnlySpan<float> dyRow = OutputRow(n, oh, ow);
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                        if ((uint)ih >= (uint)g.InH) continue;
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                            if ((uint)iw >= (uint)g.InW) continue;
                            var dxRow = InputRow(n, ih, iw);
                            ReadOnlySpan<float> wRow = KernelRow(kh, kw);
                            if (g.Multiplier == 1) TensorPrimitives.MultiplyAdd(dyRow, wRow, dxRow, dxRow);
                            else
                                for (int c = 0; c < g.Channels; c++)
                                    dxRow[c] += TensorPrimitives.Dot(dyRow.Slice(c * g.Multiplier, g.Multiplier), wRow.Slice(c * g.Multiplier, g.Multiplier));
                        }
                    }
                }
        }

        /// <summary>One tap: its kernel row sums x-row · dy-row over every output pixel of the batch, in order.</summary>
        private void BackwardKernelTap(int kh, int kw)
        {
            var g = _g;
            var dwRow = KernelRow(kh, kw);
            for (int n = 0; n < g.Batch; n++)
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                    if ((uint)ih >= (uint)g.InH) continue;
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                        if ((uint)iw >= (uint)g.InW) continue;
                        ReadOnlySpan<float> xRow = InputRow(n, ih, iw);
                        ReadOnlySpan<float> dyRow = OutputRow(n, oh, ow);
                        if (g.Multiplier == 1) TensorPrimitives.MultiplyAdd(xRow, dyRow, dwRow, dwRow);
                        else
                            for (int c = 0; c < g.Channels; c++)
                            {
                                var slice = dwRow.Slice(c * g.Multiplier, g.Multiplier);
                                TensorPrimitives.MultiplyAdd(dyRow.Slice(c * g.Multiplier, g.Multiplier), xRow[c], slice, slice);
                            }
                    }
                }
        }
    }
}
