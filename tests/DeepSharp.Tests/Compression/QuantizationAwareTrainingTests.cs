using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Compression;

public class QuantizationAwareTrainingTests
{
    [Fact]
    public void FakeQuantizeRoundsToTheU8GridAndPassesTheGradientStraightThroughInsideItsRange()
    {
        const float scale = 0.1f;
        const int zeroPoint = 20; // the grid spans [−2.0, 23.5]
        var x = Tensor.FromArray(new[] { -3f, -2f, -0.04f, 0.06f, 1.26f, 23.5f, 24f, 7.349f }, 8);
        x.RequiresGrad = true;
        var y = Ops.FakeQuantize(x, scale, zeroPoint);
        var expected = new[] { -2f, -2f, 0f, 0.1f, 1.3f, 23.5f, 23.5f, 7.3f };
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], y.Span[i], 1e-5f);

        // Straight-through estimator: d/dx of clamp(x, −2, 23.5), the function STE differentiates,
        // checked against its central finite difference.
        var upstream = new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f };
        Ops.Sum(Ops.Multiply(y, Tensor.FromArray(upstream, 8))).Backward();
        var grad = x.Grad!.ToArray();
        const float h = 1e-3f;
        for (int i = 0; i < 8; i++)
        {
            float v = x.Span[i];
            float fd = (Math.Clamp(v + h, -2f, 23.5f) - Math.Clamp(v - h, -2f, 23.5f)) / (2 * h);
            if (Math.Abs(v - -2f) < h || Math.Abs(v - 23.5f) < h) fd = 1f; // on the edge the range is closed
            Assert.Equal(upstream[i] * fd, grad[i], 1e-3f);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.FakeQuantize(x, 0f, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.FakeQuantize(x, 1f, 256));
    }

    [Fact]
    public void FakeQuantizedKernelsUseTheInt8GridAndTheIdentityGradient()
    {
        var w = Tensor.RandomUniform(new Shape(6, 3), -1f, 1f, new RandomGenerator(2));
        w.RequiresGrad = true;
        var y = Ops.FakeQuantizeChannels(w);
        var (q, scales) = Quantization.QuantizeKernel(w.Span, 3);
        for (int i = 0; i < 18; i++) Assert.Equal(q[i] * scales[i % 3], y.Span[i], 1e-6f);
        GradCheckLike(w, y);
    }

    private static void GradCheckLike(Tensor w, Tensor y)
    {
        var c = Tensor.RandomUniform(y.Shape, -1f, 1f, new RandomGenerator(3));
        Ops.Sum(Ops.Multiply(y, c)).Backward();
        Assert.Equal(c.ToArray(), w.Grad!.ToArray());
    }

    [Fact]
    public void TrainingThenConvertingGivesAnInt8ModelThatPredictsAsTheTrainedOne()
    {
        var model = QuantizationTestModels.Cnn();
        var x = QuantizationTestModels.Images(128, 21);
        var labels = new int[128];
        for (int i = 0; i < 128; i++) labels[i] = x.Span[i * 200] + x.Span[i * 200 + 1] > 1f ? 1 : (x.Span[i * 200 + 3] > 0.5f ? 2 : 0);
        var yTrue = Tensor.FromArray(labels, 128);
        Assert.Throws<ArgumentException>(() => Quantization.Convert(model));

        var qat = Quantization.PrepareForTraining(model);
        Assert.Throws<ArgumentException>(() => Quantization.Convert(qat)); // no range yet
        qat.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(fromLogits: true));
        var history = qat.Fit(x, yTrue, batchSize: 32, epochs: 4, verbose: 0);
        var losses = history["loss"];
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]} → {losses[^1]}");

        var int8 = Quantization.Convert(qat);
        Assert.IsType<QuantizedConv2D>(int8.Layers[0]);
        Assert.IsType<QuantizedDense>(int8.Layers[^1]);
        var expected = qat.Predict(x).ToArray();
        var actual = int8.Predict(x).ToArray();
        float largest = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.02f * largest, $"output {i}: trained {expected[i]}, int8 {actual[i]}");
    }
}
