using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Keras's unit_forget_bias for LSTM biases (i, f, c, o): the bias initializer on i and (c, o), ones on f.</summary>
internal sealed class ForgetBiasOne(Initializer inner, int units) : Initializer
{
    public override string Name => inner.Name;

    public override void Fill(Span<float> values, Shape shape, RandomGenerator generator)
    {
        inner.Fill(values[..units], new Shape(units), generator);
        values.Slice(units, units).Fill(1f);
        inner.Fill(values[(2 * units)..], new Shape(2 * units), generator);
    }
}
