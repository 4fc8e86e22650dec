using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The one test every layer goes through (after Keras's run_layer_test): output shape, parameter
/// count, config round trip, a finite-difference gradient check, and one training step that
/// lowers a squared-error loss.
/// </summary>
public static class LayerHarness
{
    /// <param name="input">Makes the batch from its shape (default: uniform in [-1, 1]); e.g. indices for Embedding.</param>
    public static void Run(Func<Layer> create, int[] inputShape, int[] expectedOutputShape, int expectedParameterCount, int batch = 3,
        Func<int[], Tensor>? input = null)
    {
        RandomGenerator.SetGlobalSeed(123);
        var layer = create();
        var batchShape = new Shape(inputShape).WithBatch(batch).ToArray();
        var x = input?.Invoke(batchShape) ?? GradCheck.Random(1, batchShape);

        // Output shape, both computed and actual.
        var y = layer.Call(x);
        Assert.Equal(new Shape(expectedOutputShape).WithBatch(batch), y.Shape);
        Assert.Equal(new Shape(expectedOutputShape), layer.ComputeOutputShape(new Shape(inputShape)));
        Assert.Equal(expectedParameterCount, layer.ParameterCount);

        // Config round trip: the registry rebuilds an identical layer.
        var config = layer.GetConfig();
        var clone = LayerRegistry.Create(layer.TypeName, config);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        clone.Build(new Shape(inputShape));
        Assert.Equal(expectedParameterCount, clone.ParameterCount);
        Assert.Equal(layer.Parameters.Select(p => p.Shape), clone.Parameters.Select(p => p.Shape));

        // Gradients with respect to the input and every weight.
        var weights = layer.Parameters.Where(p => p.Trainable).Select(p => p.Value).ToArray(); // moving statistics get no gradient
        GradCheck.Check(t => layer.Call(t[0]), [x, .. weights], epsilon: 1e-3f, maxElementsPerInput: 25);

        // One training step lowers the loss.
        if (!layer.Parameters.Any(p => p.Trainable)) return; // nothing to train (no weights, or statistics only)
        var target = GradCheck.Random(2, y.Shape.ToArray());
        float before = SquaredError(layer, x, target, out var loss);
        foreach (var p in layer.Parameters) p.Value.Grad = null;
        loss.Backward();
        new Sgd(0.05f).Apply(layer.Parameters);
        float after = SquaredError(layer, x, target, out _);
        Assert.True(after < before, $"{layer}: loss {before} did not fall after one SGD step ({after}).");
    }

    private static float SquaredError(Layer layer, Tensor x, Tensor target, out Tensor loss)
    {
        var d = Ops.Subtract(layer.Call(x, training: true), target);
        loss = Ops.Mean(Ops.Multiply(d, d));
        return loss.Item();
    }
}
