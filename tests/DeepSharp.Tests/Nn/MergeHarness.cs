using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// <see cref="LayerHarness"/> for layers with several inputs: output shape, config round trip and
/// a gradient check with respect to every input (merge layers have no weights to train).
/// </summary>
public static class MergeHarness
{
    public static void Run(Func<Layer> create, int[][] inputShapes, int[] expectedOutputShape, int batch = 3)
    {
        var layer = create();
        var xs = inputShapes.Select((s, i) => GradCheck.Random(i + 1, new Shape(s).WithBatch(batch).ToArray())).ToArray();
        var y = layer.Call(xs);
        Assert.Equal(new Shape(expectedOutputShape).WithBatch(batch), y.Shape);
        Assert.Equal(new Shape(expectedOutputShape), layer.ComputeOutputShape(inputShapes.Select(s => new Shape(s)).ToArray()));
        Assert.Equal(0, layer.ParameterCount);

        var config = layer.GetConfig();
        var clone = LayerRegistry.Create(layer.TypeName, config);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        Assert.Equal(y.ToArray(), clone.Call(xs).ToArray());

        GradCheck.Check(t => layer.Call(t), xs, epsilon: 1e-3f);
        Assert.Throws<ArgumentException>(() => create().Call([xs[0]]));
    }
}
