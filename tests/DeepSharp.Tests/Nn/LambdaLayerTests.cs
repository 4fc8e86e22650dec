using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Lambda, Keras's layer of a function for C#: inferred output shapes, gradients through the function,
/// and model files, which take a Lambda only when its function is registered by name.
/// </summary>
public class LambdaLayerTests
{
    /// <summary>A function registered for the whole test run (registering it again does nothing).</summary>
    internal static readonly Func<Tensor, Tensor> Square = x => Ops.Multiply(x, x);

    internal static Lambda RegisteredSquare(string? name = null)
    {
        Lambda.Register("test_square", Square);
        return new Lambda(Square, functionName: "test_square", name: name);
    }

    [Fact]
    public void AppliesItsFunctionWithGradients()
    {
        var x = GradCheck.Random(1, 3, 4);
        var layer = new Lambda(Square);
        var y = layer.Call(x).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i] * xs[i], y[i]);
        GradCheck.Check(t => layer.Call(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void InfersTheOutputShapeByRunningTheFunction()
    {
        var layer = new Lambda(x => Ops.Mean(x, axis: 1));          // (batch, 5, 3) → (batch, 3)
        Assert.Equal(new Shape(3), layer.ComputeOutputShape(new Shape(5, 3)));
        var input = Model.Input([5, 3]);
        var output = new Dense(2).Call(layer.Call(input));
        var model = new Functional(input, output);
        Assert.Equal(new Shape(4, 2), model.Predict(GradCheck.Random(2, 4, 5, 3)).Shape);
        Assert.Equal(new Shape(7), new Lambda(x => x, outputShape: [7]).ComputeOutputShape(new Shape(3))); // given, not run
    }

    [Fact]
    public void TrainsInsideAModel()
    {
        RandomGenerator.SetGlobalSeed(31);
        var model = new Sequential(new Dense(4, inputShape: [3]), new Lambda(Square), new Dense(1));
        model.Compile(new Adam(0.02f), new MeanSquaredError());
        var history = model.Fit(GradCheck.Random(1, 32, 3), GradCheck.Random(2, 32, 1), epochs: 5, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    [Fact]
    public void BadFunctionsNameTheLayerAndShapes()
    {
        var dropsBatch = Assert.Throws<ShapeMismatchException>(() => new Lambda(x => Ops.Sum(x), name: "total").Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'total'", dropsBatch.Message);
        Assert.Contains("(None, 3)", dropsBatch.Message);
        var wrongShape = Assert.Throws<ShapeMismatchException>(() => new Lambda(x => x, outputShape: [4], name: "claims").Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'claims'", wrongShape.Message);
        Assert.Contains("(2, 3)", wrongShape.Message);
        var failing = Assert.Throws<ShapeMismatchException>(() => new Lambda(x => Ops.Reshape(x, 7, 7), name: "bad").ComputeOutputShape(new Shape(3)));
        Assert.Contains("'bad'", failing.Message);
    }

    [Fact]
    public void AnUnnamedOrUnregisteredFunctionIsNotSaved()
    {
        using var folder = new TempFolder();
        var unnamed = new Sequential(new Dense(2, inputShape: [3]), new Lambda(Square, name: "sq"));
        var e = Assert.Throws<InvalidOperationException>(() => unnamed.Save(folder.File("a.safetensors")));
        Assert.Contains("'sq'", e.Message);
        Assert.Contains("unnamed C# function", e.Message);
        Assert.Contains("Lambda.Register", e.Message);
        Assert.False(File.Exists(folder.File("a.safetensors")));

        var unregistered = new Sequential(new Dense(2, inputShape: [3]), new Lambda(Square, functionName: "nobody_registered_this", name: "sq2"));
        e = Assert.Throws<InvalidOperationException>(() => unregistered.Save(folder.File("b.safetensors")));
        Assert.Contains("'sq2'", e.Message);
        Assert.Contains("'nobody_registered_this' is not registered", e.Message);

        var export = Assert.Throws<DeepSharpException>(() => unregistered.ExportOnnx(folder.File("b.onnx")));
        Assert.Contains("'sq2' is a Lambda", export.Message);
    }

    [Fact]
    public void ARegisteredFunctionSavesAndLoads()
    {
        RandomGenerator.SetGlobalSeed(32);
        var model = new Sequential(new Dense(3, inputShape: [2]), RegisteredSquare("sq"), new Dense(1));
        using var folder = new TempFolder();
        string path = folder.File("lambda.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var lambda = Assert.IsType<Lambda>(loaded.Layers[1]);
        Assert.Equal("test_square", lambda.FunctionName);
        var x = GradCheck.Random(3, 4, 2);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal("""{"name":"sq","function":"test_square"}""", lambda.GetConfig().ToJsonString());

        Assert.Throws<ArgumentException>(() => Lambda.Register("test_square", x => Ops.Add(x, x))); // a name is one function
    }

    [Fact]
    public void CustomObjectsGiveAFunctionForOneLoad()
    {
        Func<Tensor, Tensor> cube = x => Ops.Multiply(Ops.Multiply(x, x), x);
        var custom = new CustomObjects().AddFunction("test_cube", cube);
        var model = new Sequential(new Dense(2, inputShape: [2]), new Lambda(cube, functionName: "test_cube"));
        using var folder = new TempFolder();
        string path = folder.File("cube.safetensors");
        using (custom.Scope()) model.Save(path);
        var x = GradCheck.Random(4, 3, 2);
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(path, custom).Predict(x).ToArray());
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("test_cube", e.Message);
        Assert.Throws<ArgumentException>(() => custom.AddFunction("test_cube", cube));
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Lambda", new JsonObject { ["name"] = "l", ["function"] = "test_cube" }));
    }
}
