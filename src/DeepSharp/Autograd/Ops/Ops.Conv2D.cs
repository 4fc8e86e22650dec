using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution: x (N, H, W, Cin), kernel (KH, KW, Cin, Cout), bias (Cout) or null →
    /// (N, OH, OW, Cout). Padding "same" follows Keras (the extra row/column goes bottom/right).
    /// With <paramref name="relu"/> the output is max(conv + bias, 0), fused into the kernel's
    /// stores (and its gradient mask into the backward pass): the same values as Relu(Conv2D(...))
    /// without a second pass over the output.
    /// </summary>
    public static Tensor Conv2D(Tensor x, Tensor kernel, Tensor? bias, (int H, int W) strides, bool samePadding, (int H, int W) dilation = default, bool relu = false)
    {
        if (x.Rank != 4 || kernel.Rank != 4 || x.Shape[3] != kernel.Shape[2])
            throw new ShapeMismatchException($"Conv2D needs x (N, H, W, Cin) and kernel (KH, KW, Cin, Cout) with matching Cin; got x {x.Shape}, kernel {kernel.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != kernel.Shape[3]))
            throw new ShapeMismatchException($"Conv2D bias {bias.Shape} does not match kernel {kernel.Shape}.");
        if (strides.H < 1 || strides.W < 1)
            throw new ArgumentException($"Conv2D strides must be positive; got {strides}.");
        if (dilation == default) dilation = (1, 1);
        var g = Conv2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernel.Shape[3],
            kernel.Shape[0], kernel.Shape[1], strides.H, strides.W, samePadding, dilation.H, dilation.W);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, g.OutC));
        Conv2DKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, g, relu);
        return OpNode.Needed(x, kernel, bias) ? new Conv2DNode(x, kernel, bias, g, relu).Attach(y) : y;
    }

    private sealed class Conv2DNode : OpNode, IReluOutputNode
    {
        private ReluMaskedGradient _masked;

        private readonly Tensor _x, _kernel;
        private readonly Tensor? _bias;
        private readonly Conv2DGeometry _g;
        private readonly bool _relu;

        public Conv2DNode(Tensor x, Tensor kernel, Tensor? bias, Conv2DGeometry g, bool relu) : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _bias, _g, _relu) = (x, kernel, bias, g, relu);
        }

        public override string Name => _relu ? "Conv2D+Relu" : "Conv2D";

        public bool ReluOutput => _relu;

        public void GradientMasked(Tensor gradient) => _masked.Record(gradient);

        public override void Backward(Tensor output, Tensor dy)
        {
            var dx = GradOf(0);
            var dk = GradOf(1);
            var db = _bias is null ? null : GradOf(2);
            // relu'(z) = [y > 0]: dy is masked in place, as ReluNode does (dy is complete here and
            // no rule reads it after this one). The kernel-gradient pass does the mask and the bias
            // sum on the fly unless the input gradient needs the masked dy first.
            // A consumer that wrote dy first may have masked it already (max-pooling does, as it
            // scatters): then no pass here masks it again.
            bool mask = _relu && !_masked.Holds(dy);
            if (mask && dx is not null) Activations.ReluMaskGradient(output.Span, dy.Span);
            if (dx is not null) Conv2DKernel.BackwardInput(dy.Span, _kernel.Span, dx.Span, _g);
            if (dk is not null)
            {
                Conv2DKernel.BackwardKernelFused(_x.Span, dy.Span, mask && dx is null ? output.Span : default,
                    dk.Span, db is null ? default : db.Span, _g);
                return;
            }
            if (mask && dx is null) Activations.ReluMaskGradient(output.Span, dy.Span);
            if (db is not null) Reductions.SumRows(dy.Span, db.Span, _g.Batch * _g.OutH * _g.OutW, _g.OutC);
        }
    }
}
