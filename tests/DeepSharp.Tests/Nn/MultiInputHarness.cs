using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// <see cref="LayerHarness"/> for layers with weights and several inputs (attention, cross-attention
/// blocks): output shape, parameter count, config round trip (the clone, given the same weights,
/// computes the same output), a gradient check with respect to every input and weight, and one
/// training step that lowers a squared-error loss.
/// </summary>
public static class MultiInputHarness
{
    public static void Run(Func<Layer> create, int[][] inputShapes, int[] expectedOutputShape, int expectedParameterCount, int batch = 2)
    {
        RandomGenerator.SetGlobalSeed(123);
        var layer = create();
        var xs = inputShapes.Select((s, i) => GradCheck.Random(i + 1, new Shape(s).WithBatch(batch).ToArray())).ToArray();
        var shapes = inputShapes.Select(s => new Shape(s)).ToArray();

        var y = layer.Call(xs);
        Assert.Equal(new Shape(expectedOutputShape).WithBatch(batch), y.Shape);
        Assert.Equal(new Shape(expectedOutputShape), layer.ComputeOutputShape(shapes));
        Assert.Equal(expectedParameterCount, layer.ParameterCount);

        var config = layer.GetConfig();
        var clone = LayerRegistry.Create(layer.TypeName, config);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        clone.Build(shapes);
        Assert.Equal(layer.Parameters.Select(p => (p.Path, p.Shape)), clone.Parameters.Select(p => (p.Path, p.Shape)));
        for (int i = 0; i < layer.Parameters.Count; i++) layer.Parameters[i].Value.Span.CopyTo(clone.Parameters[i].Value.Span);
        Assert.Equal(y.ToArray(), clone.Call(xs).ToArray());

        var weights = layer.Parameters.Where(p => p.Trainable).Select(p => p.Value).ToArray();
        GradCheck.Check(t => layer.Call(t[..xs.Length]), [.. xs, .. weights], epsilon: 1e-3f, maxElementsPerInput: 20);

        var target = GradCheck.Random(99, y.Shape.ToArray());
        float before = SquaredError(layer, xs, target, out var loss);
        foreach (var p in layer.Parameters) p.Value.Grad = null;
        loss.Backward();
        new Sgd(0.05f).Apply(layer.Parameters);
        float after = SquaredError(layer, xs, target, out _);
        Assert.True(after < before, $"{layer}: loss {before} did not fall after one SGD step ({after}).");
    }

    private static float SquaredError(Layer layer, Tensor[] xs, Tensor target, out Tensor loss)
    {
        var d = Ops.Subtract(layer.Call(xs, training: true), target);
        loss = Ops.Mean(Ops.Multiply(d, d));
        return loss.Item();
    }
}
