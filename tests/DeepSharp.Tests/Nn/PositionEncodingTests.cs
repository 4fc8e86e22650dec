using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

public class PositionEncodingTests
{
    [Fact]
    public void PositionEmbeddingReturnsTableRowsForEverySample()
    {
        RandomGenerator.SetGlobalSeed(1);
        var layer = new PositionEmbedding(6);
        var x = GradCheck.Random(1, 3, 4, 5);
        var y = layer.Call(x);
        Assert.Equal(new Shape(3, 4, 5), y.Shape);
        Assert.Equal(new Shape(4, 5), layer.ComputeOutputShape(new Shape(4, 5)));
        Assert.Equal(30, layer.ParameterCount);
        var table = layer.Parameters.Single().Value;
        Assert.Equal(new Shape(6, 5), table.Shape);
        for (int b = 0; b < 3; b++) Assert.Equal(table.Span[..20].ToArray(), y.Span.Slice(b * 20, 20).ToArray());
        // keras_hub's start_index.
        var shifted = layer.Call(x, startIndex: 2);
        Assert.Equal(table.Span.Slice(10, 20).ToArray(), shifted.Span[..20].ToArray());
        var e = Assert.Throws<ShapeMismatchException>(() => layer.Call(x, startIndex: 3));
        Assert.Contains("6 positions", e.Message);
    }

    [Fact]
    public void PositionEmbeddingConfigGradientAndTraining()
    {
        RandomGenerator.SetGlobalSeed(2);
        var layer = new PositionEmbedding(5, name: "pos");
        var x = GradCheck.Random(1, 2, 3, 4);
        layer.Call(x);
        var config = layer.GetConfig();
        var clone = LayerRegistry.Create("PositionEmbedding", config);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        Assert.Equal(5, (int?)config["sequence_length"]);
        var table = layer.Parameters.Single().Value;
        GradCheck.Check(t => Ops.Multiply(layer.Call(t[0], startIndex: 1), t[0]), [x, table], epsilon: 1e-3f);

        var target = GradCheck.Random(3, 2, 3, 4);
        float Loss(out Tensor loss)
        {
            var d = Ops.Subtract(layer.Call(x, training: true), target);
            loss = Ops.Mean(Ops.Multiply(d, d));
            return loss.Item();
        }
        float before = Loss(out var l);
        table.Grad = null;
        l.Backward();
        new Sgd(0.1f).Apply(layer.Parameters);
        Assert.True(Loss(out _) < before);
    }

    [Fact]
    public void PositionEmbeddingRejectsLongSequences()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new PositionEmbedding(3, name: "pe").Call(GradCheck.Random(1, 2, 4, 2)));
        Assert.Contains("'pe'", e.Message);
        Assert.Contains("(None, 4, 2)", e.Message);
    }

    [Fact]
    public void SinusoidalEncodingFollowsTheFormula()
    {
        var layer = new SinusoidalPositionEncoding();
        var x = GradCheck.Random(1, 2, 7, 6);
        var y = layer.Call(x);
        Assert.Equal(x.Shape, y.Shape);
        Assert.Equal(0, layer.ParameterCount);
        for (int p = 0; p < 7; p++)
            for (int i = 0; i < 6; i++)
            {
                double angle = p / Math.Pow(10000, 2.0 * (i / 2) / 6);
                double expected = i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
                Assert.True(Math.Abs(expected - y[0, p, i]) < 1e-6, $"position {p} feature {i}: {y[0, p, i]}, expected {expected}");
                Assert.Equal(y[0, p, i], y[1, p, i]);
            }
        var shifted = layer.Call(x, startIndex: 3);
        Assert.Equal(y[0, 5, 1], shifted[0, 2, 1], 6);
        var config = new SinusoidalPositionEncoding(500f).GetConfig();
        Assert.Equal(500f, (float?)config["max_wavelength"]);
        Assert.Equal(config.ToJsonString(), LayerRegistry.Create("SinusoidalPositionEncoding", config).GetConfig().ToJsonString());
    }
}
