using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// MaxPool2D(Conv2D(x, kernel, bias, relu), poolSize, strides = poolSize, "valid") for a 'valid'
    /// convolution whose windows lie inside the input, in one pass: the convolution's output is never
    /// written (the values and gradients of the two ops in a row, within float32 rounding: the pooled
    /// values are the same bits, the kernel and bias gradients are summed in another order).
    /// Null when the shapes are not ones the fused kernels take or where the unfused ops are faster
    /// (<see cref="ConvPool2DKernel.Pays"/>): the caller runs the two ops.
    /// </summary>
    internal static Tensor? Conv2DMaxPool(Tensor x, Tensor kernel, Tensor? bias, (int H, int W) strides, (int H, int W) dilation, bool relu, (int H, int W) poolSize)
    {
        if (x.Rank != 4 || kernel.Rank != 4 || x.Shape[3] != kernel.Shape[2]) return null;
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != kernel.Shape[3])) return null;
        if (strides.H < 1 || strides.W < 1 || dilation.H < 1 || dilation.W < 1) return null;
        if (x.Shape[1] < (kernel.Shape[0] - 1L) * dilation.H + 1 || x.Shape[2] < (kernel.Shape[1] - 1L) * dilation.W + 1) return null;
        var g = Conv2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernel.Shape[3],
            kernel.Shape[0], kernel.Shape[1], strides.H, strides.W, samePadding: false, dilation.H, dilation.W);
        if (g.Batch == 0 || !ConvPool2DKernel.Pays(g, poolSize.H, poolSize.W)) return null;
        var p = NaiveConvPoolTraining.PoolGeometry(g, poolSize.H, poolSize.W);
        var outShape = new Shape(g.Batch, p.OutH, p.OutW, g.OutC);
        var y = Tensor.Temp(outShape);
        var argmax = Tensor.IntTemp(outShape);
        ConvPool2DKernel.Forward(x.Span, kernel.Span, bias is null ? default : bias.Span, y.Span, argmax.IntSpan, g, poolSize.H, poolSize.W, relu);
        return OpNode.Needed(x, kernel, bias) ? new Conv2DMaxPoolNode(x, kernel, bias, argmax, g, p, relu).Attach(y) : y;
    }

    private sealed class Conv2DMaxPoolNode : OpNode
    {
        private readonly Tensor _x, _kernel, _argmax;
        private readonly Tensor? _bias;
        private readonly Conv2DGeometry _g;
        private readonly Pool2DGeometry _p;
        private readonly bool _relu;

        public Conv2DMaxPoolNode(Tensor x, Tensor kernel, Tensor? bias, Tensor argmax, Conv2DGeometry g, Pool2DGeometry p, bool relu)
            : base(bias is null ? [x, kernel] : [x, kernel, bias])
        {
            (_x, _kernel, _bias, _argmax, _g, _p, _relu) = (x, kernel, bias, argmax, g, p, relu);
        }

        public override string Name => _relu ? "Conv2D+Relu+MaxPool2D" : "Conv2D+MaxPool2D";

        public override void Backward(Tensor output, Tensor dy)
        {
            var dx = GradOf(0);
            var dk = GradOf(1);
            var db = _bias is null ? null : GradOf(2);
            if (dx is null)
            {
                // A first layer: the kernel and bias gradients straight from the pooled gradient.
                if (dk is not null)
                    ConvPool2DKernel.BackwardKernel(_x.Span, dy.Span, output.Span, _argmax.IntSpan, dk.Span, db is null ? default : db.Span,
                        _g, _p.PoolH, _p.PoolW, _relu);
                else if (db is not null)
                    BiasFromPool(dy, output, db);
                return;
            }
            // The input gradient reads the convolution's whole gradient: scatter it (through the ReLU), then the unfused kernels.
            var dConv = Tensor.Temp(new Shape(_g.Batch, _g.OutH, _g.OutW, _g.OutC));
            MaxPool2DKernel.Backward(dy.Span, _argmax.IntSpan, dConv.Span, _p, accumulate: false, _relu ? output.Span : default);
            Conv2DKernel.BackwardInput(dConv.Span, _kernel.Span, dx.Span, _g);
            if (dk is not null)
                Conv2DKernel.BackwardKernelFused(_x.Span, dConv.Span, default, dk.Span, db is null ? default : db.Span, _g);
            else if (db is not null)
                Reductions.SumRows(dConv.Span, db.Span, _g.Batch * _g.OutH * _g.OutW, _g.OutC);
        }

        /// <summary>db += Σ over pooled pixels of dy, masked where the pooled ReLU output is ≤ 0.</summary>
        private void BiasFromPool(Tensor dy, Tensor output, Tensor db)
        {
            var masked = Tensor.Temp(dy.Shape);
            dy.Span.CopyTo(masked.Span);
            if (_relu) Activations.ReluMaskGradient(output.Span, masked.Span);
            Reductions.SumRows(masked.Span, db.Span, _p.OutputLength / _g.OutC, _g.OutC);
        }
    }
}
