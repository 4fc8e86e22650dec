using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Compression;

/// <summary>
/// A Dense, Conv2D or Conv1D under quantization-aware training (made by
/// <see cref="Quantization.PrepareForTraining"/>): it trains its float kernel and bias, but computes
/// with the kernel fake-quantized to per-channel int8 and the input fake-quantized to u8 on a range
/// it tracks while training (the batch's minimum and maximum, then an exponential moving average
/// with momentum 0.99, as tfmot's MovingAverageQuantizer), so the loss sees the int8 model's
/// rounding. Gradients pass by the straight-through estimator. <see cref="Quantization.Convert"/>
/// turns it into a <see cref="QuantizedDense"/>, <see cref="QuantizedConv2D"/> or <see cref="QuantizedConv1D"/> with that range.
/// </summary>
internal sealed class FakeQuantLayer : Layer
{
    /// <summary>Weight of the old range in the moving average.</summary>
    public const float Momentum = 0.99f;

    private readonly Layer _float;
    private Parameter? _kernel, _bias, _range;

    public FakeQuantLayer(Layer floatLayer) : base(floatLayer.Name, null)
    {
        if (!Quantization.Quantizes(floatLayer)) throw new ArgumentException($"Layer '{floatLayer.Name}' ({floatLayer.TypeName}) has no quantization-aware form.", nameof(floatLayer));
        _float = floatLayer;
    }

    /// <summary>The float layer this one trains in place of (its config; its weights are copied once).</summary>
    public Layer Original => _float;

    /// <inheritdoc/>
    public override string TypeName => "FakeQuant" + _float.TypeName;

    /// <summary>The input range observed so far, (min, max); (0, 0) before the first training batch.</summary>
    public (float Min, float Max) InputRange => (_range!.Value.Span[0], _range.Value.Span[1]);

    /// <summary>The kernel and bias being trained.</summary>
    public Tensor Kernel => _kernel!.Value;

    /// <summary>The bias being trained, or null.</summary>
    public Tensor? Bias => _bias?.Value;

    /// <summary>Whether a training batch has set the input range.</summary>
    public bool Observed => _range!.Value.Span[2] > 0f;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var source = _float.Parameters;
        _kernel = AddWeight("kernel", source[0].Shape, Initializer.Zeros, true);
        source[0].Value.Span.CopyTo(_kernel.Value.Span);
        if (source.Count > 1)
        {
            _bias = AddWeight("bias", source[1].Shape, Initializer.Zeros, true);
            source[1].Value.Span.CopyTo(_bias.Value.Span);
        }
        _range = AddWeight("input_range", new Shape(3), Initializer.Zeros, false); // min, max, observed (0/1)
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => _float.ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (training) Observe(x.Span);
        var (min, max) = InputRange;
        var (scale, zeroPoint) = ActivationRange.Affine(min, max);
        var xq = Observed ? Ops.FakeQuantize(x, scale, zeroPoint) : x;
        var wq = Ops.FakeQuantizeChannels(_kernel!.Value);
        switch (_float)
        {
            case Dense d:
                {
                    int features = wq.Shape[0];
                    var y = xq.Rank == 2
                        ? Ops.Linear(xq, wq, _bias?.Value)
                        : Ops.Reshape(Ops.Linear(Ops.Reshape(xq, -1, features), wq, _bias?.Value), xq.Shape.With(-1, d.Units));
                    return d.Activation.Apply(y);
                }
            case Conv1D c1:
                {
                    // As Conv1D: a convolution of height 1 over free views of the input and kernel.
                    var image = Ops.Reshape(xq, xq.Shape[0], 1, xq.Shape[1], xq.Shape[2]);
                    if (c1.CausalPadding > 0) image = Ops.ZeroPad2D(image, (0, 0), (c1.CausalPadding, 0));
                    var kernel = Ops.Reshape(wq, 1, c1.KernelSize, wq.Shape[1], c1.Filters);
                    var y = Ops.Conv2D(image, kernel, _bias?.Value, (1, c1.Strides), c1.Padding == Padding.Same, (1, c1.DilationRate));
                    return c1.Activation.Apply(Ops.Reshape(y, xq.Shape[0], y.Shape[2], c1.Filters));
                }
            default:
                {
                    var c = (Conv2D)_float;
                    bool relu = c.Activation == Activation.Relu;
                    var y = Ops.Conv2D(xq, wq, _bias?.Value, c.Strides, c.Padding == Padding.Same, c.DilationRate, relu);
                    return relu ? y : c.Activation.Apply(y);
                }
        }
    }

    private void Observe(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (min > max) return;
        var range = _range!.Value.Span;
        if (range[2] == 0f) (range[0], range[1], range[2]) = (min, max, 1f);
        else (range[0], range[1]) = (Momentum * range[0] + (1 - Momentum) * min, Momentum * range[1] + (1 - Momentum) * max);
    }
}
