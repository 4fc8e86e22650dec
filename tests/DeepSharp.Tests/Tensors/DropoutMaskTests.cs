using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>
/// <c>RandomGenerator.FillDropoutMask</c> (the state in registers) against its twin, the loop over
/// <c>NextFloat</c>: the same mask and the same generator state after, at lengths around the
/// dropout op's chunk and the vector widths; and the dropout op's output against x·mask.
/// </summary>
public class DropoutMaskTests
{
    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.1f)]
    [InlineData(0f)]
    [InlineData(0.999f)]
    public void MaskEqualsTheNextFloatLoop(float rate)
    {
        float keep = 1f / (1f - rate);
        foreach (int length in new[] { 0, 1, 2, 7, 16, 17, 31, 2047, 2048, 2049, 5003 })
        {
            var fast = new RandomGenerator(length + 3);
            var twin = new RandomGenerator(length + 3);
            var mask = new float[length];
            fast.FillDropoutMask(mask, rate, keep);
            var expected = new float[length];
            for (int i = 0; i < length; i++) expected[i] = twin.NextFloat() >= rate ? keep : 0f;
            Assert.Equal(expected, mask);
            Assert.Equal(twin.GetState(), fast.GetState());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2048)]
    [InlineData(4099)]
    public void DropoutOpEqualsXTimesTheMask(int length)
    {
        var x = Tensor.RandomUniform(new Shape(length), -1f, 1f, new RandomGenerator(5));
        var y = Ops.Dropout(x, 0.3f, new RandomGenerator(9));
        var twin = new RandomGenerator(9);
        var xs = x.ToArray();
        var ys = y.ToArray();
        for (int i = 0; i < length; i++) Assert.Equal(xs[i] * (twin.NextFloat() >= 0.3f ? 1f / 0.7f : 0f), ys[i]);
    }
}
