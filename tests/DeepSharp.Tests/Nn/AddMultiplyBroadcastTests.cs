using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Add and Multiply broadcast as Keras's merges do (each axis from the last equal or 1; a lower rank gets size-1 axes
/// after the batch axis): the harness (shapes, config, finite-difference gradients), values against plain loops,
/// the gradient of a stretched input, shape errors naming the layer, a model file and ONNX Runtime.
/// </summary>
public class AddMultiplyBroadcastTests
{
    [Fact] public void AddOfOneShape() => MergeHarness.Run(() => new Add(), [[4, 3], [4, 3], [4, 3]], [4, 3]);
    [Fact] public void AddBroadcastsASizeOneAxis() => MergeHarness.Run(() => new Add(), [[4, 3], [4, 1]], [4, 3]);
    [Fact] public void AddBroadcastsALowerRank() => MergeHarness.Run(() => new Add(), [[2, 3], [3], [1, 3]], [2, 3]);
    [Fact] public void MultiplyOfOneShape() => MergeHarness.Run(() => new Multiply(), [[5], [5]], [5]);
    [Fact] public void MultiplyBroadcastsBothWays() => MergeHarness.Run(() => new Multiply(), [[2, 1], [1, 3]], [2, 3]);
    [Fact] public void MultiplyBroadcastsALowerRank() => MergeHarness.Run(() => new Multiply(), [[3, 2, 4], [4], [2, 1]], [3, 2, 4]);

    [Fact]
    public void ValuesMatchPlainLoops()
    {
        var a = GradCheck.Random(1, 2, 3, 4);   // (B, 3, 4)
        var b = GradCheck.Random(2, 2, 3, 1);   // (B, 3, 1)
        var c = GradCheck.Random(3, 2, 4);      // (B, 4): aligned to (B, 1, 4)
        var sum = new Add().Call([a, b, c]).ToArray();
        var product = new Multiply().Call([a, b, c]).ToArray();
        var (av, bv, cv) = (a.ToArray(), b.ToArray(), c.ToArray());
        for (int n = 0; n < 2; n++)
            for (int t = 0; t < 3; t++)
                for (int f = 0; f < 4; f++)
                {
                    int i = (n * 3 + t) * 4 + f;
                    float x = av[i], y = bv[n * 3 + t], z = cv[n * 4 + f];
                    Assert.Equal(x + y + z, sum[i]);       // the same float32 additions, left to right
                    Assert.Equal(x * y * z, product[i]);
                }
    }

    [Fact]
    public void AStretchedInputReceivesTheSumOverItsStretchedAxes()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 1, 2, 3);
        var gate = Tensor.FromArray([10f, 20f], 1, 2, 1);
        var bias = Tensor.FromArray([0.5f, 0.25f, 1f], 1, 3);
        foreach (var t in new[] { a, gate, bias }) t.RequiresGrad = true;
        Ops.Sum(new Add().Call([new Multiply().Call([a, gate]), bias])).Backward();
        Assert.Equal([10f, 10f, 10f, 20f, 20f, 20f], a.Grad!.ToArray());   // ∂/∂a = gate, stretched
        Assert.Equal([6f, 15f], gate.Grad!.ToArray());                      // Σ over the stretched features
        Assert.Equal([2f, 2f, 2f], bias.Grad!.ToArray());                   // Σ over the stretched rows
    }

    [Fact]
    public void ShapeErrorsNameTheLayerAndTheShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new Add(name: "residual").ComputeOutputShape([new Shape(4, 3), new Shape(4, 2)]));
        Assert.Contains("'residual' (Add)", e.Message);
        Assert.Contains("(None, 4, 3) and (None, 4, 2)", e.Message);
        var m = Assert.Throws<ShapeMismatchException>(() => new Multiply(name: "gate").Call([GradCheck.Random(1, 2, 5), GradCheck.Random(2, 2, 3, 4)]));
        Assert.Contains("'gate' (Multiply)", m.Message);
        var batches = Assert.Throws<ShapeMismatchException>(() => new Add(name: "sum").Call([GradCheck.Random(1, 2, 3), GradCheck.Random(2, 3, 3)]));
        Assert.Contains("batches of 2 and 3 samples", batches.Message);
        Assert.Throws<ArgumentException>(() => new Multiply().ComputeOutputShape([new Shape(3)]));
    }

    /// <summary>A squeeze-and-excitation-style gate and a broadcast bias: the merges Keras users write with broadcasting.</summary>
    internal static Model GateModel()
    {
        RandomGenerator.SetGlobalSeed(9);
        var x = Model.Input([4, 3], name: "x");
        var pooled = new GlobalAveragePooling1D().Call(x);                              // (3)
        var gate = new Dense(3, Activation.Sigmoid).Call(pooled);                       // (3): aligned to (1, 3)
        var gated = new Multiply().Call(x, gate);                                       // (4, 3)
        var shift = new Dense(1).Call(x);                                               // (4, 1)
        var sum = new Add().Call(gated, shift, new Dense(3).Call(pooled));              // (4, 3) + (4, 1) + (3)
        return new Functional([x], [new Dense(2).Call(new Flatten().Call(sum))]);
    }

    private static Tensor[] Inputs() => [GradCheck.Random(21, 3, 4, 3)];

    [Fact]
    public void AGatedModelSavesLoadsAndTrains()
    {
        var model = GateModel();
        var inputs = Inputs();
        var expected = model.Call(inputs)[0].ToArray();
        using var folder = new TempFolder();
        string path = folder.File("gate.safetensors");
        model.Save(path);
        Assert.Equal(expected, Model.Load(path).Call(inputs)[0].ToArray());
        model.Compile(new DeepSharp.Optimizers.Adam(0.01f), new DeepSharp.Losses.MeanSquaredError());
        var y = GradCheck.Random(22, 3, 2);
        var history = model.Fit(inputs[0], y, batchSize: 3, epochs: 20, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0]);
    }

    [Fact]
    public void AGatedModelRunsTheSameInOnnxRuntime() => OnnxRunner.AssertMatches(GateModel(), Inputs(), "gate");
}
