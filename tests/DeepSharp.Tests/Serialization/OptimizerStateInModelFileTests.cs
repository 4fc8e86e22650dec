using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// A trained, compiled model's file keeps its optimizer's state (moments, iterations, rate) and its learning-rate
/// schedule, so Save → Load → Fit gives the bits of the uninterrupted Fit, as Keras's model.save / load_model;
/// <c>Load(path, compile: false)</c> gives an uncompiled model; every hostile state or schedule is refused at load.
/// </summary>
public sealed class OptimizerStateInModelFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Tensor s_x = Tensor.RandomUniform(new Shape(24, 4), -1f, 1f, new RandomGenerator(7));
    private static readonly Tensor s_labels = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 3).ToArray(), 24);

    private static Sequential Classifier(string? firstName = null)
    {
        RandomGenerator.SetGlobalSeed(5);
        return new Sequential(new Dense(6, Activation.Relu, inputShape: [4], name: firstName), new Dense(3));
    }

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(new ExponentialDecay(0.05f, decaySteps: 3, decayRate: 0.8f, staircase: true), momentum: 0.7f, nesterov: true),
        "adam" => new Adam(new CosineDecay(3e-3f, decaySteps: 20, alpha: 0.1f, warmupTarget: 5e-3f, warmupSteps: 4)) { ClipNorm = 2f },
        "adamw" => new AdamW(new PolynomialDecay(4e-3f, 15, endLearningRate: 1e-4f, power: 2f, cycle: true), weightDecay: 0.01f),
        "nadam" => new Nadam(new InverseTimeDecay(2e-3f, 5, 0.5f)),
        "rmsprop" => new RmsProp(new PiecewiseConstantDecay([4, 9], [3e-3f, 2e-3f, 1e-3f]), momentum: 0.5f, centered: true),
        "adagrad" => new Adagrad(new CosineDecayRestarts(0.05f, 4, tMul: 1.5f, mMul: 0.9f, alpha: 0.05f)),
        "adamax" => new Adamax(new ExponentialDecay(0.01f, decaySteps: 5, decayRate: 0.7f)) { ClipNorm = 1f },
        "adadelta" => new Adadelta(1f, epsilon: 1e-5f),
        "lion" => new Lion(new CosineDecay(3e-3f, decaySteps: 20, alpha: 0.1f)) { WeightDecay = 0.05f },
        "ftrl" => new Ftrl(0.2f, l1RegularizationStrength: 1e-3f, l2RegularizationStrength: 1e-3f),
        _ => new Adam(2e-3f),
    };

    public static TheoryData<string> Kinds => new() { "sgd", "adam", "adamw", "nadam", "rmsprop", "adagrad", "constant",
        "adamax", "adadelta", "lion", "ftrl" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SaveLoadFitGivesTheBitsOfTheUninterruptedFit(string kind)
    {
        var whole = Classifier();
        whole.Compile(Make(kind), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        whole.Fit(s_x, s_labels, batchSize: 8, epochs: 4, shuffle: false, verbose: 0);

        var first = Classifier();
        first.Compile(Make(kind), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        first.Fit(s_x, s_labels, batchSize: 8, epochs: 2, shuffle: false, verbose: 0);
        string path = Path.Combine(_temp.Path, kind + ".safetensors");
        first.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(6, loaded.Optimizer!.Iterations);
        Assert.Equal(first.Optimizer!.Schedule.GetType(), loaded.Optimizer.Schedule.GetType());
        for (long step = 0; step < 40; step += 3) Assert.Equal(first.Optimizer.Schedule.Rate(step), loaded.Optimizer.Schedule.Rate(step));
        loaded.Fit(s_x, s_labels, batchSize: 8, epochs: 2, shuffle: false, verbose: 0);

        Assert.Equal(whole.Optimizer!.Iterations, loaded.Optimizer.Iterations);
        foreach (var (a, b) in whole.GetWeights().Zip(loaded.GetWeights())) Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void TheLoweredRateOfReduceLROnPlateauIsKept()
    {
        var model = Classifier();
        model.Compile(new Adam(1e-2f), new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, epochs: 1, verbose: 0);
        model.Optimizer!.LearningRate = 2.5e-3f; // what ReduceLROnPlateau does
        string path = Path.Combine(_temp.Path, "lowered.safetensors");
        model.Save(path);
        Assert.Equal(2.5e-3f, Model.Load(path).Optimizer!.LearningRate);
    }

    [Fact]
    public void LoadWithoutCompileGivesAnUncompiledModelWithTheSameWeights()
    {
        var model = Classifier();
        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, epochs: 1, verbose: 0);
        string path = Path.Combine(_temp.Path, "m.safetensors");
        model.Save(path);

        var plain = Model.Load(path, compile: false);
        Assert.Null(plain.Optimizer);
        Assert.Equal(model.Predict(s_x).ToArray(), plain.Predict(s_x).ToArray());
        Assert.Throws<InvalidOperationException>(() => plain.Evaluate(s_x, s_labels));
        Assert.Null(Model.Load(path, new CustomObjects(), compile: false).Optimizer);
        Assert.NotNull(Model.Load(path, new CustomObjects()).Optimizer);

        // A hostile compile config or optimizer state is not read at all when compile is false, as Keras skips it.
        Corrupt(path, file => file.Metadata[OptimizerStateFile.ModelFileKey] = "{");
        Assert.Null(Model.Load(path, compile: false).Optimizer);
        Assert.Throws<DataFormatException>(() => Model.Load(path));
    }

    [Fact]
    public void LoadWeightsReadsAModelFileThatKeepsItsOptimizerState()
    {
        var model = Classifier();
        model.Compile("rmsprop", new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, epochs: 1, verbose: 0);
        string path = Path.Combine(_temp.Path, "m.safetensors");
        model.Save(path);
        Assert.Contains(SafetensorsFile.Load(path).Entries, e => e.Name == "optimizer/dense/kernel/velocity");

        var other = Classifier();
        Assert.Empty(other.LoadWeights(path));
        Assert.Equal(model.Predict(s_x).ToArray(), other.Predict(s_x).ToArray());
    }

    [Fact]
    public void AModelWhoseWeightsCouldBeTakenForSlotsKeepsItsSettingsOnly()
    {
        var model = Classifier(firstName: "optimizer"); // weights "optimizer/kernel", "optimizer/bias"
        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, epochs: 1, verbose: 0);
        string path = Path.Combine(_temp.Path, "m.safetensors");
        model.Save(path);
        Assert.False(SafetensorsFile.Load(path).Metadata.ContainsKey(OptimizerStateFile.ModelFileKey));
        var loaded = Model.Load(path);
        Assert.Equal(0, loaded.Optimizer!.Iterations);
        Assert.Equal(model.Predict(s_x).ToArray(), loaded.Predict(s_x).ToArray());
    }

    [Fact]
    public void SaveWithoutTheOptimizerKeepsTheSettingsOnly()
    {
        var model = Classifier();
        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, epochs: 1, verbose: 0);
        string with = Path.Combine(_temp.Path, "with.safetensors"), without = Path.Combine(_temp.Path, "without.safetensors");
        model.Save(with);
        model.Save(without, includeOptimizer: false);
        Assert.True(new FileInfo(without).Length < new FileInfo(with).Length);
        var loaded = Model.Load(without);
        Assert.IsType<Adam>(loaded.Optimizer);
        Assert.Equal(0, loaded.Optimizer!.Iterations);
        Assert.DoesNotContain(SafetensorsFile.Load(without).Entries, e => e.Name.StartsWith("optimizer/", StringComparison.Ordinal));
    }

    [Fact]
    public void AShardedOptimizerKeepsItsSettingsOnly()
    {
        var model = Classifier();
        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, epochs: 1, verbose: 0);
        // One ZeRO step as rank 0 of 2: each weight's first half is this rank's slice, the rest another's.
        var parameters = model.TrainableParameters.ToList();
        foreach (var p in parameters) p.Value.Grad = Tensor.Full(p.Shape, 0.1f);
        model.Optimizer!.ApplySharded(parameters, [.. parameters.Select(p => (0, p.Value.Size / 2))]);
        Assert.True(model.Optimizer.HoldsShards);
        string path = Path.Combine(_temp.Path, "sharded.safetensors");
        model.Save(path);
        var file = SafetensorsFile.Load(path);
        Assert.True(file.Metadata.ContainsKey(ModelFileFormat.CompileConfigKey));
        Assert.False(file.Metadata.ContainsKey(OptimizerStateFile.ModelFileKey)); // slices only: not a whole state
    }

    [Fact]
    public void AnUntrainedCompiledModelWritesNoState()
    {
        var model = Classifier();
        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
        string path = Path.Combine(_temp.Path, "m.safetensors");
        model.Save(path);
        var file = SafetensorsFile.Load(path);
        Assert.True(file.Metadata.ContainsKey(ModelFileFormat.CompileConfigKey));
        Assert.False(file.Metadata.ContainsKey(OptimizerStateFile.ModelFileKey));
    }

    /// <summary>A trained Adam (or Nadam) model's file, changed by <paramref name="change"/> and signed again, then loaded: the message.</summary>
    private string Refused(Action<SafetensorsFile> change, string optimizer = "adam")
    {
        var model = Classifier();
        model.Compile(optimizer, new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(s_x, s_labels, batchSize: 8, epochs: 1, verbose: 0);
        string path = Path.Combine(_temp.Path, "hostile.safetensors");
        model.Save(path);
        Corrupt(path, change);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("hostile.safetensors", e.Message);
        return e.Message;
    }

    private static void Corrupt(string path, Action<SafetensorsFile> change)
    {
        var file = SafetensorsFile.Load(path);
        change(file);
        FileChecksum.Sign(file);
        file.Save(path);
    }

    private static void Replace(SafetensorsFile file, string name, Tensor value)
    {
        Assert.True(file.Contains(name));
        file.Add(name, value); // replaces
    }

    private static Tensor Filled(Shape shape, float value, int at = -1)
    {
        var t = Tensor.Zeros(shape);
        if (at < 0) t.Span.Fill(value);
        else t.Span[at] = value;
        return t;
    }

    public static TheoryData<string, string> HostileStates => new()
    {
        { "nan-momentum", "holds NaN at index 5" },
        { "negative-velocity", "second moment must be finite and not negative" },
        { "infinite-velocity", "holds Infinity at index 0" },
        { "wrong-shape", "the weight 'dense/kernel' needs F32 (4, 6)" },
        { "int-slot", "is I32" },
        { "unknown-slot", "is not a slot of adam" },
        { "no-weight", "belongs to no weight of the model" },
        { "other-optimizer", "state of a 'sgd' optimizer" },
        { "negative-iterations", "optimizer iterations is -1" },
        { "huge-iterations", "0 to 2^53" },
        { "nan-rate", "learning_rate is NaN" },
        { "zero-rate", "learning_rate is 0" },
        { "not-json", "metadata 'optimizer_state'" },
        { "deep-json", "metadata 'optimizer_state'" },
    };

    [Theory]
    [MemberData(nameof(HostileStates))]
    public void AHostileOptimizerStateIsRefusedNamingTheFile(string kind, string expected)
    {
        const string Key = OptimizerStateFile.ModelFileKey;
        string message = Refused(file =>
        {
            string state = file.Metadata[Key];
            switch (kind)
            {
                case "nan-momentum": Replace(file, "optimizer/dense/kernel/momentum", Filled(new Shape(4, 6), float.NaN, at: 5)); break;
                case "negative-velocity": Replace(file, "optimizer/dense_1/bias/velocity", Filled(new Shape(3), -1e-3f, at: 2)); break;
                case "infinite-velocity": Replace(file, "optimizer/dense/bias/velocity", Filled(new Shape(6), float.PositiveInfinity)); break;
                case "wrong-shape": Replace(file, "optimizer/dense/kernel/velocity", Tensor.Zeros(6, 4)); break;
                case "int-slot": Replace(file, "optimizer/dense/kernel/velocity", Tensor.FromArray(new int[24], 4, 6)); break;
                case "unknown-slot": file.Add("optimizer/dense/kernel/accumulator", Tensor.Zeros(4, 6)); break;
                case "no-weight": file.Add("optimizer/dense_9/kernel/momentum", Tensor.Zeros(4, 6)); break;
                case "other-optimizer": file.Metadata[Key] = state.Replace("\"adam\"", "\"sgd\""); break;
                case "negative-iterations": file.Metadata[Key] = state.Replace("\"iterations\":3", "\"iterations\":-1"); break;
                case "huge-iterations": file.Metadata[Key] = state.Replace("\"iterations\":3", "\"iterations\":1000000000000000000"); break;
                case "nan-rate": file.Metadata[Key] = """{"name":"adam","iterations":3,"learning_rate":"NaN","scalars":{}}"""; break;
                case "zero-rate": file.Metadata[Key] = """{"name":"adam","iterations":3,"learning_rate":0,"scalars":{}}"""; break;
                case "not-json": file.Metadata[Key] = "{\"name\": "; break;
                default: file.Metadata[Key] = """{"name":[[[[[[[[[[[["adam"]]]]]]]]]]]]}"""; break;
            }
        });
        Assert.Contains(expected, message);
    }

    [Fact]
    public void NadamsMomentumProductMustBeAProductOfItsFactors()
    {
        string message = Refused(file => file.Metadata[OptimizerStateFile.ModelFileKey] =
            """{"name":"nadam","iterations":3,"learning_rate":0.001,"scalars":{"u_product":0}}""", "nadam");
        Assert.Contains("scalar 'u_product' is 0", message);
    }

    public static TheoryData<string, string> HostileSchedules => new()
    {
        { """{"class_name":"OneCycle","config":{}}""", "the schedule 'OneCycle'" },
        { """{"class_name":"ExponentialDecay","config":{"initial_learning_rate":0.1,"decay_steps":0,"decay_rate":0.5,"staircase":false}}""", "decaySteps" },
        { """{"class_name":"ExponentialDecay","config":{"initial_learning_rate":-1,"decay_steps":10,"decay_rate":0.5,"staircase":false}}""", "compile_config" },
        { """{"class_name":"CosineDecay","config":{"initial_learning_rate":"NaN","decay_steps":10,"alpha":0,"warmup_target":null,"warmup_steps":0}}""", "compile_config" },
        { """{"class_name":"PiecewiseConstantDecay","config":{"boundaries":[5,3],"values":[1,2,3]}}""", "boundaries must increase" },
        { """{"class_name":"PolynomialDecay","config":{"initial_learning_rate":0.1}}""", "'decay_steps' is missing" },
        { "{\"class_name\":\"PiecewiseConstantDecay\",\"config\":{\"boundaries\":[" + string.Join(",", Enumerable.Range(1, 10_001)) + "],\"values\":[1]}}", "at most 10000 are read" },
        { "\"fast\"", "compile_config" },
    };

    [Theory]
    [MemberData(nameof(HostileSchedules))]
    public void AHostileScheduleIsRefusedNamingTheFile(string schedule, string expected)
    {
        var model = Classifier();
        model.Compile(new Sgd(0.1f), new SparseCategoricalCrossentropy(fromLogits: true));
        string path = Path.Combine(_temp.Path, "schedule.safetensors");
        model.Save(path);
        Corrupt(path, file => file.Metadata[ModelFileFormat.CompileConfigKey] =
            file.Metadata[ModelFileFormat.CompileConfigKey].Replace("\"learning_rate\":0.1", "\"learning_rate\":" + schedule));
        var e = Assert.ThrowsAny<DataFormatException>(() => Model.Load(path));
        Assert.Contains("schedule.safetensors", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
