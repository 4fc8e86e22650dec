using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Regularizers and constraints of your own (docs/custom.md): registration (global and per load),
/// save and load, the save-time errors of an unregistered or non-round-tripping one, and that a file
/// never creates a class the program did not register.
/// </summary>
public class CustomRegularizerTests
{
    /// <summary>factor·Σ|w|³; registered by no test globally except where the test says so.</summary>
    private sealed class Cubic(float factor, string className = "TestCubic") : Regularizer
    {
        public float Factor { get; } = factor;
        public override string ClassName => className;
        public override Tensor Penalty(Tensor x) => Ops.Multiply(Ops.Sum(Ops.Multiply(Ops.Square(x), Ops.Abs(x))), Factor);
        public override JsonObject GetConfig() => new() { ["factor"] = Factor };
        public static Cubic FromConfig(JsonObject c) => new(c["factor"]!.GetValue<float>());
    }

    /// <summary>Sets every weight to a fixed value; the forgetful factory reads another key than GetConfig writes (the save-time round-trip check must see it).</summary>
    private sealed class Pin(float value, bool forget = false) : Constraint
    {
        public float Value { get; } = value;
        public override string ClassName => forget ? "TestForgetfulPin" : "TestPin";
        public override void Apply(Tensor weight) => weight.Span.Fill(Value);
        public override JsonObject GetConfig() => new() { ["value"] = Value };
        public static Pin FromConfig(JsonObject c) => new(c["value"]?.GetValue<float>() ?? 0f);
        public static Pin ForgetfulFromConfig(JsonObject c) => new(c["v"]?.GetValue<float>() ?? 0f, forget: true);
    }

    private static Sequential TwoLayers(Regularizer? regularizer, Constraint? constraint = null)
    {
        RandomGenerator.SetGlobalSeed(8);
        return new Sequential(new Dense(3, Activation.Tanh, inputShape: [4], kernelRegularizer: regularizer, biasConstraint: constraint,
            activityRegularizer: regularizer), new Dense(1));
    }

    [Fact]
    public void TheDocsExampleSavesLoadsAndKeepsTheObjects()
    {
        using var folder = new TempFolder();
        var loaded = CustomExamples.SaveAndLoadCustomRegularizer(folder.File("m.safetensors"));
        var dense = Assert.IsType<Dense>(loaded.Layers[0]);
        var r = Assert.IsType<CenteredL2>(dense.KernelRegularizer);
        Assert.Equal((0.01f, 0.1f), (r.Factor, r.Center));
        var c = Assert.IsType<ClipWeights>(dense.KernelConstraint);
        Assert.Equal((-0.5f, 0.5f), (c.Min, c.Max));
        var viaScope = CustomExamples.LoadCustomRegularizerForOneLoad(folder.File("m.safetensors"));
        Assert.IsType<CenteredL2>(((Dense)viaScope.Layers[0]).KernelRegularizer);

        // Trained, the penalty is in the loss and the constraint holds.
        loaded.Compile(new Sgd(0.5f), new MeanSquaredError());
        var generator = new RandomGenerator(2);
        var x = Tensor.RandomNormal(new Shape(6, 4), generator: generator);
        var y = Tensor.RandomNormal(new Shape(6, 1), generator: generator);
        double plain = loaded.TestOnBatch(x, y)["loss"] - loaded.RegularizationLosses.Sum(l => (double)l.ToArray()[0]);
        var kernel = dense.Parameters.First(p => p.Name == "kernel").Value.ToArray();
        double penalty = 0.01 * kernel.Sum(w => (w - 0.1) * (w - 0.1));
        Assert.Equal(penalty, loaded.RegularizationLosses.Sum(l => (double)l.ToArray()[0]), 5);
        Assert.True(plain > 0);
        loaded.Fit(x, y, epochs: 3, batchSize: 6, verbose: 0);
        Assert.All(dense.Parameters.First(p => p.Name == "kernel").Value.ToArray(), w => Assert.InRange(w, -0.5f, 0.5f));
    }

    [Fact]
    public void SaveOfAnUnregisteredRegularizerFailsAtSaveTimeSayingHowToRegister()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidOperationException>(() => TwoLayers(new Cubic(0.1f, "TestUnregisteredCubic")).Save(folder.File("m.safetensors")));
        Assert.Contains("TestUnregisteredCubic", e.Message);
        Assert.Contains("RegularizerRegistry.Register(\"TestUnregisteredCubic\"", e.Message);
        Assert.Contains("AddRegularizer", e.Message);
        Assert.False(File.Exists(folder.File("m.safetensors")));
    }

    [Fact]
    public void SaveOfAnUnregisteredConstraintFailsAtSaveTimeSayingHowToRegister()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<InvalidOperationException>(() => TwoLayers(null, new Pin(0.5f)).Save(folder.File("m.safetensors")));
        Assert.Contains("ConstraintRegistry.Register(\"TestPin\"", e.Message);
        Assert.Contains("docs/custom.md", e.Message);
    }

    [Fact]
    public void APerLoadScopeSavesAndLoadsAndTheFileAloneDoesNot()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.safetensors");
        var custom = new CustomObjects().AddRegularizer("TestCubic", Cubic.FromConfig).AddConstraint("TestPin", Pin.FromConfig);
        var model = TwoLayers(new Cubic(0.25f), new Pin(0.5f));
        using (custom.Scope()) model.Save(path);

        var loaded = Model.Load(path, custom);
        var dense = Assert.IsType<Dense>(loaded.Layers[0]);
        Assert.Equal(0.25f, Assert.IsType<Cubic>(dense.KernelRegularizer).Factor);
        Assert.Equal(0.25f, Assert.IsType<Cubic>(dense.ActivityRegularizer).Factor);
        Assert.Equal(0.5f, Assert.IsType<Pin>(dense.BiasConstraint).Value);

        // Without the scope the file names a class nobody registered: a clear error, no type created.
        var e = Assert.ThrowsAny<DeepSharpException>(() => Model.Load(path));
        Assert.Contains("Unknown regularizer 'TestCubic'", e.Message);
        Assert.Contains("RegularizerRegistry.Register", e.Message);
        Assert.False(RegularizerRegistry.IsKnown("TestCubic"));
        using (custom.Scope()) Assert.True(RegularizerRegistry.IsKnown("TestCubic"));
    }

    [Fact]
    public void AConfigThatDoesNotRoundTripFailsAtSave()
    {
        using var folder = new TempFolder();
        var custom = new CustomObjects().AddConstraint("TestForgetfulPin", Pin.ForgetfulFromConfig);
        using var scope = custom.Scope();
        var e = Assert.Throws<InvalidOperationException>(() => TwoLayers(null, new Pin(0.5f, forget: true)).Save(folder.File("m.safetensors")));
        Assert.Contains("round-trip", e.Message);
    }

    [Fact]
    public void AGlobalRegistrationLoadsEverywhereAndRefusesBuiltInOrTakenNames()
    {
        RegularizerRegistry.Register("TestGlobalCubic", c => new Cubic(c["factor"]!.GetValue<float>(), "TestGlobalCubic"));
        Assert.Contains("TestGlobalCubic", RegularizerRegistry.RegisteredTypes);
        var r = RegularizerRegistry.FromJson(new Cubic(0.3f, "TestGlobalCubic").ToJson());
        Assert.Equal(0.3f, Assert.IsType<Cubic>(r).Factor);

        Assert.Throws<ArgumentException>(() => RegularizerRegistry.Register("L2", Cubic.FromConfig));
        Assert.Throws<ArgumentException>(() => RegularizerRegistry.Register("TestGlobalCubic", Cubic.FromConfig));
        Assert.Throws<ArgumentException>(() => RegularizerRegistry.Register("bad\u0007name", Cubic.FromConfig));
        Assert.Throws<ArgumentException>(() => ConstraintRegistry.Register("MaxNorm", Pin.FromConfig));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddConstraint("NonNeg", Pin.FromConfig));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddRegularizer("X", Cubic.FromConfig).AddRegularizer("X", Cubic.FromConfig));
    }

    [Fact]
    public void AFactoryThatThrowsOrReturnsAnotherClassGivesAClearError()
    {
        var custom = new CustomObjects().AddRegularizer("TestCubic", Cubic.FromConfig).AddRegularizer("TestLiar", Cubic.FromConfig);
        using var scope = custom.Scope();
        var missing = JsonNode.Parse("""{"class_name": "TestCubic", "config": {}}""")!;
        var e = Assert.Throws<DeepSharpException>(() => RegularizerRegistry.FromJson(missing));
        Assert.Contains("TestCubic", e.Message);
        var liar = JsonNode.Parse("""{"class_name": "TestLiar", "config": {"factor": 1}}""")!;
        e = Assert.Throws<DeepSharpException>(() => RegularizerRegistry.FromJson(liar));
        Assert.Contains("must return a new TestLiar", e.Message);

        // Inside a layer config, the error names the layer and key.
        var config = new Dense(2, name: "head").GetConfig();
        config["kernel_regularizer"] = missing.DeepClone();
        e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dense", config));
        Assert.Contains("head", e.Message);
        Assert.Contains("kernel_regularizer", e.Message);
    }
}
