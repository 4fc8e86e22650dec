using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Layers and activations of your own (docs/custom.md): registration, save and load, the save-time
/// checks, the errors of an unregistered type, ONNX export through the hook.
/// </summary>
public class CustomLayerTests
{
    /// <summary>A layer no test registers globally: y = x + offset (a config value, no weights).</summary>
    private sealed class Offset(float offset, string? name = null) : Layer(name, null)
    {
        public float Value { get; } = offset;
        public override string TypeName => "TestOffset";
        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
        protected override Tensor Forward(Tensor x, bool training) => Ops.Affine(x, 1f, Value);

        public override JsonObject GetConfig()
        {
            var c = base.GetConfig();
            c["offset"] = Value;
            return c;
        }

        public static Offset FromConfig(JsonObject c) => new(c["offset"]!.GetValue<float>(), c["name"]?.GetValue<string>());
    }

    /// <summary>FromConfig reads another key than GetConfig writes: the save-time round-trip check must catch it.</summary>
    private sealed class Forgetful(float offset, string? name = null) : Layer(name, null)
    {
        public float Value { get; } = offset;
        public override string TypeName => "TestForgetful";
        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
        protected override Tensor Forward(Tensor x, bool training) => Ops.Affine(x, 1f, Value);

        public override JsonObject GetConfig()
        {
            var c = base.GetConfig();
            c["offset"] = Value;
            return c;
        }

        public static Forgetful FromConfig(JsonObject c) => new(c["value"]?.GetValue<float>() ?? 0f, c["name"]?.GetValue<string>());
    }

    /// <summary>softmax(x / temperature) over the last axis; exports with attributes, a constant and an int64 shape.</summary>
    private sealed class TemperatureSoftmax(float temperature, bool bogusOutput = false) : Layer(null, null), IOnnxExportable
    {
        public override string TypeName => "TestTemperatureSoftmax";
        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
        protected override Tensor Forward(Tensor x, bool training) => Ops.Softmax(Ops.Affine(x, 1f / temperature));

        public string ExportOnnx(OnnxBuilder onnx, string input, Shape inputShape)
        {
            if (bogusOutput) return "no_such_value";
            string scaled = onnx.AddNode("Div", [input, onnx.AddConstant("temperature", Tensor.FromArray([temperature], 1))]);
            string flat = onnx.AddNode("Reshape", [scaled, onnx.AddInt64Constant("rows", -1, inputShape[-1])]);
            string softmax = onnx.AddNode("Softmax", [flat], OnnxAttribute.Int("axis", -1));
            return onnx.AddNode("Reshape", [softmax, onnx.AddInt64Constant("shape", [-1, .. inputShape.ToArray().Select(d => (long)d)])]);
        }
    }

    [Fact]
    public void TheOnnxBuilderWritesAttributesConstantsAndShapes()
    {
        RandomGenerator.SetGlobalSeed(12);
        var model = new Sequential(new Dense(6, inputShape: [3]), new Reshape([2, 3]), new TemperatureSoftmax(2.5f));
        OnnxRunner.AssertMatches(model, [Inputs(4, 3, 11)], "TemperatureSoftmax");

        var bogus = new Sequential(new Dense(2, inputShape: [3]), new TemperatureSoftmax(1f, bogusOutput: true));
        using var folder = new TempFolder();
        var e = Assert.Throws<DeepSharpException>(() => bogus.ExportOnnx(folder.File("b.onnx")));
        Assert.Contains("no_such_value", e.Message);
        Assert.Contains("TestTemperatureSoftmax", e.Message);
    }

    private static Tensor Inputs(int n, int features, int seed) =>
        Tensor.RandomUniform(new Shape(n, features), -1f, 1f, new RandomGenerator(seed));

    private static void AssertBitwiseEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(e[i]), BitConverter.SingleToInt32Bits(a[i]));
    }

    [Fact]
    public void CustomLayerModelSavesLoadsAndTrainsAgainIdentically()
    {
        RandomGenerator.SetGlobalSeed(5);
        using var folder = new TempFolder();
        var x = Inputs(64, 4, 1);
        var y = Ops.Affine(Ops.SumLastAxis(x), 0.5f, 0.25f).View(64, 1);
        LayerRegistry.Register("ScaleShift", ScaleShift.FromConfig);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [4]), new ScaleShift(initialScale: 0.5f, name: "ss"), new Dense(1));
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        model.Fit(x, y, epochs: 2, verbose: 0, shuffle: false);
        string path = folder.File("custom.safetensors");
        model.Save(path);

        var loaded = Model.Load(path);
        var ss = Assert.IsType<ScaleShift>(loaded.Layers[1]);
        Assert.Equal(0.5f, ss.InitialScale);
        Assert.Equal("ss", ss.Name);
        Assert.Equal(["dense/kernel", "dense/bias", "ss/scale", "ss/shift", "dense_1/kernel", "dense_1/bias"], loaded.Parameters.Select(p => p.Path));
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));
        // The scale was trained (it no longer holds its initial value) and loaded as trained.
        Assert.Contains(loaded.Layers[1].Parameters[0].Value.ToArray(), v => v != 0.5f);

        // Both train on from the same weights to the same weights: the loaded model is the same model.
        loaded.Compile(new Sgd(0.05f), new MeanSquaredError());
        model.Compile(new Sgd(0.05f), new MeanSquaredError());
        var h1 = model.Fit(x, y, epochs: 2, verbose: 0, shuffle: false);
        var h2 = loaded.Fit(x, y, epochs: 2, verbose: 0, shuffle: false);
        Assert.Equal(h1.Values["loss"], h2.Values["loss"]);
        Assert.True(h2.Values["loss"][^1] < h2.Values["loss"][0], "the loaded model trains");
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));
    }

    [Fact]
    public void TheDocsExampleSavesAndLoads()
    {
        RandomGenerator.SetGlobalSeed(6);
        using var folder = new TempFolder();
        var loaded = CustomExamples.SaveAndLoadScaleShift(folder.File("m.safetensors"));
        Assert.IsType<ScaleShift>(loaded.Layers[1]);
        var viaScope = CustomExamples.LoadWithCustomObjects(folder.File("m.safetensors"));
        var x = Inputs(5, 4, 2);
        AssertBitwiseEqual(loaded.Predict(x), viaScope.Predict(x));
    }

    [Fact]
    public void FunctionalModelWithACustomLayerRoundTrips()
    {
        RandomGenerator.SetGlobalSeed(7);
        LayerRegistry.Register("ScaleShift", ScaleShift.FromConfig);
        var input = Model.Input([3]);
        var h = new ScaleShift(2f).Call(new Dense(3).Call(input));
        var model = new Model(input, new Add().Call(input, h));
        using var folder = new TempFolder();
        model.Save(folder.File("f.safetensors"));
        var loaded = Model.Load(folder.File("f.safetensors"));
        var x = Inputs(6, 3, 3);
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));
    }

    [Fact]
    public void LoadWithoutRegistrationNamesTheTypeAndHowToRegister()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]), new Offset(1.5f));
        var custom = new CustomObjects().AddLayer("TestOffset", Offset.FromConfig);
        using var folder = new TempFolder();
        string path = folder.File("offset.safetensors");
        using (custom.Scope()) model.Save(path);

        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("'TestOffset'", e.Message);
        Assert.Contains("LayerRegistry.Register", e.Message);
        Assert.Contains("CustomObjects", e.Message);
        Assert.Contains(path, e.Message);

        // Given for this load only, the type loads (and stays unknown afterwards).
        var loaded = Model.Load(path, custom);
        Assert.Equal(1.5f, Assert.IsType<Offset>(loaded.Layers[1]).Value);
        Assert.False(LayerRegistry.IsKnown("TestOffset"));
        Assert.Throws<DataFormatException>(() => Model.Load(path));
    }

    [Fact]
    public void SaveOfAnUnregisteredTypeFailsAtSaveTime()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]), new Offset(1f, name: "shift_it"));
        using var folder = new TempFolder();
        string path = folder.File("never.safetensors");
        var e = Assert.Throws<InvalidOperationException>(() => model.Save(path));
        Assert.Contains("'shift_it'", e.Message);
        Assert.Contains("'TestOffset'", e.Message);
        Assert.Contains("LayerRegistry.Register(\"TestOffset\", Offset.FromConfig)", e.Message);
        Assert.False(File.Exists(path));
        // Weights alone need no registration.
        model.SaveWeights(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void SaveChecksThatTheConfigRoundTrips()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]), new Forgetful(3f, name: "forgetful"));
        using var _ = new CustomObjects().AddLayer("TestForgetful", Forgetful.FromConfig).Scope();
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidOperationException>(() => model.Save(folder.File("x.safetensors")));
        Assert.Contains("does not round-trip", e.Message);
        Assert.Contains("'forgetful'", e.Message);
    }

    [Fact]
    public void RegistrationRefusesBuiltInAndConflictingNames()
    {
        var e = Assert.Throws<ArgumentException>(() => LayerRegistry.Register("Dense", Offset.FromConfig));
        Assert.Contains("built-in", e.Message);
        LayerRegistry.Register("TestConflict", Offset.FromConfig);
        LayerRegistry.Register("TestConflict", Offset.FromConfig); // the same factory again: nothing happens
        Assert.Throws<ArgumentException>(() => LayerRegistry.Register("TestConflict", Forgetful.FromConfig));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddLayer("Conv2D", Offset.FromConfig));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddLayer("", Offset.FromConfig));
        Assert.Throws<ArgumentException>(() => Activation.Register("relu", x => x));
        Assert.Throws<ArgumentException>(() => Activation.Custom("silu", x => x));
    }

    [Fact]
    public void AFactoryMakingAnotherTypeIsAnError()
    {
        using var _ = new CustomObjects().AddLayer("TestLiar", c => new Offset(1f)).Scope();
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("TestLiar", new JsonObject()));
        Assert.Contains("TestOffset", e.Message);
    }

    [Fact]
    public void AFactoryThatCannotReadItsConfigGivesADeepSharpError()
    {
        using var _ = new CustomObjects().AddLayer("TestOffset", Offset.FromConfig).Scope();
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("TestOffset", new JsonObject { ["name"] = "o" }));
        Assert.Contains("'o' (TestOffset)", e.Message);
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("TestOffset", new JsonObject { ["offset"] = "high" }));
    }

    [Fact]
    public void CustomActivationRoundTripsByName()
    {
        RandomGenerator.SetGlobalSeed(8);
        var softsign = MyActivations.Softsign;
        Assert.Same(softsign, Activation.FromName("my_softsign"));
        var model = new Sequential(new Dense(3, softsign, inputShape: [2]), new Dense(1));
        using var folder = new TempFolder();
        model.Save(folder.File("act.safetensors"));
        var loaded = Model.Load(folder.File("act.safetensors"));
        Assert.Same(softsign, ((Dense)loaded.Layers[0]).Activation);
        var x = Inputs(4, 2, 9);
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));
        var y = model.Layers[0].Call(x).ToArray();
        Assert.All(y, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void AnUnregisteredActivationFailsAtSaveAndLoadsOnlyWithItsScope()
    {
        var cube = Activation.Custom("test_cube", x => Ops.Multiply(x, Ops.Multiply(x, x)));
        var model = new Sequential(new Dense(2, cube, inputShape: [2]));
        using var folder = new TempFolder();
        string path = folder.File("cube.safetensors");
        var e = Assert.Throws<InvalidOperationException>(() => model.Save(path));
        Assert.Contains("test_cube", e.Message);
        Assert.Contains("Activation.Register", e.Message);

        var custom = new CustomObjects().AddActivation(cube);
        using (custom.Scope()) model.Save(path);
        var load = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("test_cube", load.Message);
        Assert.Same(cube, ((Dense)Model.Load(path, custom).Layers[0]).Activation);
    }

    [Fact]
    public void ScopesNestAndMustCloseInOrder()
    {
        var outer = new CustomObjects().AddLayer("TestOffset", Offset.FromConfig);
        var inner = new CustomObjects().AddLayer("TestForgetful", Forgetful.FromConfig);
        var a = outer.Scope();
        var b = inner.Scope();
        Assert.True(LayerRegistry.IsKnown("TestOffset") && LayerRegistry.IsKnown("TestForgetful"));
        Assert.Throws<InvalidOperationException>(a.Dispose);
        b.Dispose();
        Assert.False(LayerRegistry.IsKnown("TestForgetful"));
        a.Dispose();
        Assert.False(LayerRegistry.IsKnown("TestOffset"));
    }

    [Fact]
    public void CustomLayerExportsToOnnxThroughItsHook()
    {
        RandomGenerator.SetGlobalSeed(10);
        var model = new Sequential(new Dense(5, MyActivations.Softsign, inputShape: [4]), new ScaleShift(0.7f), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        model.Fit(Inputs(32, 4, 4), Inputs(32, 2, 5), epochs: 1, verbose: 0); // scale and shift away from 1 and 0
        OnnxRunner.AssertMatches(model, [Inputs(7, 4, 6)], "ScaleShift and my_softsign");

        var input = Model.Input([4]);
        var graph = new Model(input, new Add().Call(input, new ScaleShift(1.5f).Call(input)));
        OnnxRunner.AssertMatches(graph, [Inputs(3, 4, 7)], "functional ScaleShift");
    }

    [Fact]
    public void CustomLayerWithoutTheHookNamesItselfInTheOnnxError()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]), new Offset(1f, name: "plus_one"));
        using var folder = new TempFolder();
        var e = Assert.Throws<DeepSharpException>(() => model.ExportOnnx(folder.File("m.onnx")));
        Assert.Contains("'plus_one'", e.Message);
        Assert.Contains("TestOffset", e.Message);
        Assert.Contains("IOnnxExportable", e.Message);

        var cube = Activation.Custom("test_cube2", x => Ops.Multiply(x, Ops.Multiply(x, x)));
        var withActivation = new Sequential(new Dense(2, cube, inputShape: [3], name: "cubed"));
        var a = Assert.Throws<DeepSharpException>(() => withActivation.ExportOnnx(folder.File("a.onnx")));
        Assert.Contains("test_cube2", a.Message);
        Assert.Contains("'cubed'", a.Message);
    }
}
