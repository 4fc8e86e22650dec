using DeepSharp.Losses;
using DeepSharp.Metrics;
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
/// A model file keeps the compile settings (Keras's compile_config), so Model.Load gives back a compiled model
/// that evaluates and trains at once; files without them (older ones, uncompiled models) load uncompiled; a
/// hostile compile config is a DataFormatException; Save refuses names of other formats.
/// </summary>
public sealed class CompileConfigTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Tensor s_x = Tensor.RandomUniform(new Shape(12, 4), -1f, 1f, new RandomGenerator(5));
    private static readonly Tensor s_labels = Tensor.FromArray([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2], 12);

    private static Sequential Classifier()
    {
        RandomGenerator.SetGlobalSeed(3);
        return new Sequential(new Dense(6, Activation.Relu, inputShape: [4]), new Dense(3));
    }

    private string Saved(Model model, string name = "m.safetensors")
    {
        string path = Path.Combine(_temp.Path, name);
        model.Save(path);
        return path;
    }

    [Fact]
    public void ALoadedModelIsCompiledAsSavedAndEvaluatesTheSame()
    {
        var model = Classifier();
        model.Compile(new Adam(2e-3f, beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f) { ClipNorm = 1.5f },
            new SparseCategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f),
            [new SparseCategoricalAccuracy(), new TopKCategoricalAccuracy(2, name: "top2")], [new TopKCategoricalAccuracy(1)]);
        model.Fit(s_x, s_labels, batchSize: 4, epochs: 2, verbose: 0);

        var loaded = Model.Load(Saved(model));
        var adam = Assert.IsType<Adam>(loaded.Optimizer);
        Assert.Equal((2e-3f, 0.8f, 0.99f, 1e-6f, 1.5f), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.ClipNorm));
        Assert.Equal(6, adam.Iterations); // the optimizer's state goes with its settings (OptimizerStateInModelFileTests)
        var loss = Assert.IsType<SparseCategoricalCrossentropy>(loaded.Loss);
        Assert.Equal((true, 0.1f), (loss.FromLogits, loss.LabelSmoothing));
        Assert.Equal(["loss", "sparse_categorical_accuracy", "top2", "top_k_categorical_accuracy"], loaded.MetricNames);
        Assert.Equal(model.MetricNames, loaded.MetricNames);
        Assert.Equal(model.Evaluate(s_x, s_labels), loaded.Evaluate(s_x, s_labels));
        // And it trains at once, as after Keras's load_model.
        var history = loaded.Fit(s_x, s_labels, batchSize: 4, epochs: 1, verbose: 0);
        Assert.True(double.IsFinite(history["loss"][0]));
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "adam", "adamw", "nadam", "rmsprop", "adagrad",
        "adamax", "adadelta", "lion", "ftrl" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void EveryOptimizerKeepsItsSettings(string kind)
    {
        Optimizer optimizer = kind switch
        {
            "sgd" => new Sgd(0.05f, momentum: 0.7f, nesterov: true) { GlobalClipNorm = 2f },
            "adam" => new Adam(3e-4f, 0.85f) { ClipValue = 0.5f, WeightDecay = 0.01f },
            "adamw" => new AdamW(1e-3f, weightDecay: 0.02f, beta2: 0.98f),
            "nadam" => new Nadam(2e-3f, epsilon: 1e-5f),
            "rmsprop" => new RmsProp(1e-2f, rho: 0.8f, momentum: 0.1f, centered: true),
            "adamax" => new Adamax(2e-3f, 0.8f, 0.99f, 1e-6f) { ClipNorm = 1.5f },
            "adadelta" => new Adadelta(1f, rho: 0.9f, epsilon: 1e-6f) { WeightDecay = 0.03f },
            "lion" => new Lion(1e-4f, beta1: 0.95f, beta2: 0.98f) { GlobalClipNorm = 3f },
            "ftrl" => new Ftrl(0.05f, -0.6f, 0.2f, 0.01f, 0.02f, 0.03f, 0.1f) { ClipValue = 2f },
            _ => new Adagrad(0.02f, initialAccumulatorValue: 0.2f),
        };
        var model = Classifier();
        model.Compile(optimizer, new CategoricalCrossentropy(labelSmoothing: 0.05f), [new Precision(0.3f), new Auc(50), new F1Score(F1Average.Macro, 0.4f)]);
        var loaded = Model.Load(Saved(model));
        Assert.Equal(optimizer.GetType(), loaded.Optimizer!.GetType());
        // Every public setting, compared through the properties the class declares.
        foreach (var property in optimizer.GetType().GetProperties().Where(p => p.Name != "Schedule"))
            Assert.Equal(property.GetValue(optimizer), property.GetValue(loaded.Optimizer));
        Assert.Equal(0.05f, Assert.IsType<CategoricalCrossentropy>(loaded.Loss).LabelSmoothing);
        Assert.Equal(0.3f, Assert.IsType<Precision>(loaded.Metrics[0]).Threshold);
        Assert.Equal(50, Assert.IsType<Auc>(loaded.Metrics[1]).Thresholds.Count);
        var f1 = Assert.IsType<F1Score>(loaded.Metrics[2]);
        Assert.Equal((F1Average.Macro, (float?)0.4f), (f1.Average, f1.Threshold));
    }

    [Fact]
    public void AGraphModelKeepsItsLossesPerOutputAndTheirWeights()
    {
        RandomGenerator.SetGlobalSeed(4);
        var input = Model.Input([4]);
        var hidden = new Dense(5, Activation.Relu, name: "hidden").Call(input);
        var model = new Model([input], [new Dense(2, name: "first").Call(hidden), new Dense(1, name: "second").Call(hidden), new Dense(3, name: "third").Call(hidden)]);
        model.Compile("rmsprop", [new DeepSharp.Losses.MeanSquaredError(), null, new Huber(0.5f)], [0.3f, 1f, 2f],
            [[new DeepSharp.Metrics.MeanAbsoluteError()], [new DeepSharp.Metrics.MeanSquaredError()], []]);
        var loaded = Model.Load(Saved(model));
        Assert.Equal(model.MetricNames, loaded.MetricNames);
        Assert.Equal([0.3f, 1f, 2f], loaded.LossWeights!);
        Assert.Null(loaded.Losses[1]);
        Assert.Equal(0.5f, Assert.IsType<Huber>(loaded.Losses[2]).Delta);
    }

    [Fact]
    public void WhatCannotBeWrittenLoadsUncompiledAsOlderFilesDo()
    {
        var scheduled = Classifier();
        scheduled.Compile(new Adam(new HalvingEveryStep()), "sparse_categorical_crossentropy");
        var missing = Assert.Throws<MissingCustomObjectException>(() => Model.Load(Saved(scheduled, "schedule.safetensors"))); // a schedule class of your own
        Assert.Equal("schedule", missing.Kind);                                                                           // is written, and named when not given

        var unprintable = Classifier();
        unprintable.Compile("adam", "sparse_categorical_crossentropy", [new TopKCategoricalAccuracy(2, "top\n2")]);
        Assert.Null(Model.Load(Saved(unprintable, "unprintable.safetensors")).Optimizer);

        var uncompiled = Classifier();
        string path = Saved(uncompiled, "plain.safetensors");
        Assert.False(SafetensorsFile.Load(path).Metadata.ContainsKey(ModelFileFormat.CompileConfigKey));
        Assert.Null(Model.Load(path).Optimizer);
    }

    public static TheoryData<string, string> HostileConfigs => new()
    {
        { """{"optimizer":{"class_name":"Lamb","config":{"learning_rate":0.1}},"loss":[null],"metrics":[[]],"weighted_metrics":[[]]}""", "the optimizer 'Lamb'" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":"NaN","momentum":0,"nesterov":false}},"loss":[null],"metrics":[[]],"weighted_metrics":[[]]}""", "compile_config" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":1e999,"momentum":0,"nesterov":false}},"loss":[null],"metrics":[[]],"weighted_metrics":[[]]}""", "compile_config" },
        { """{"optimizer":{"class_name":"Adam","config":{"learning_rate":0.1,"beta_1":2,"beta_2":0.9,"epsilon":0}},"loss":[{"class_name":"Huber","config":{"delta":1}}],"metrics":[[]],"weighted_metrics":[[]]}""", "beta1" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":0.1,"momentum":0,"nesterov":false}},"loss":[null,null],"metrics":[[]],"weighted_metrics":[[]]}""", "'loss' has 2 entries" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":0.1,"momentum":0,"nesterov":false}},"loss":[null],"metrics":[[]],"weighted_metrics":[[]]}""", "no output" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":0.1,"momentum":0,"nesterov":false}},"loss":[{"class_name":"Huber","config":{"delta":1}}],"metrics":[[{"class_name":"Auc","config":{"num_thresholds":1000000000}}]],"weighted_metrics":[[]]}""", "at most 65536" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":0.1,"momentum":0,"nesterov":false}},"loss":[{"class_name":"Huber","config":{"delta":1}}],"metrics":[[{"class_name":"F1Score","config":{"average":"7"}}]],"weighted_metrics":[[]]}""", "F1Score average '7' is unknown" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":0.1,"momentum":0,"nesterov":false}},"loss":[{"class_name":"Huber","config":{"delta":1}}],"metrics":[[{"class_name":"TopKCategoricalAccuracy","config":{"k":-3}}]],"weighted_metrics":[[]]}""", "k must be positive" },
        { """{"optimizer":{"class_name":"Sgd","config":{"learning_rate":0.1,"momentum":0,"nesterov":false}},"loss":[{"class_name":"Huber","config":{"delta":1}}],"metrics":[[{"class_name":"TopKCategoricalAccuracy","config":{"k":3,"name":"top\u001b[2J"}}]],"weighted_metrics":[[]]}""", "control character U+001B" },
        { "{\"optimizer\":{\"class_name\":\"Sgd\",\"config\":{\"learning_rate\":0.1,\"momentum\":0,\"nesterov\":false}},\"loss\":[{\"class_name\":\"Huber\",\"config\":{\"delta\":1}}],\"metrics\":[[{\"class_name\":\"TopKCategoricalAccuracy\",\"config\":{\"k\":3,\"name\":\"" + new string('a', 300) + "\"}}]],\"weighted_metrics\":[[]]}", "string of 300 characters" },
        { """{"optimizer":[[[[[[[[[[[[1]]]]]]]]]]]}""", "compile_config" },
        { "[1, 2", "compile_config" },
    };

    [Theory]
    [MemberData(nameof(HostileConfigs))]
    public void AHostileCompileConfigIsADataFormatException(string json, string expected)
    {
        string path = Saved(Classifier());
        var file = SafetensorsFile.Load(path);
        file.Metadata[ModelFileFormat.CompileConfigKey] = json;
        FileChecksum.Sign(file);
        file.Save(path);
        var e = Assert.ThrowsAny<DataFormatException>(() => Model.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains("m.safetensors", e.Message);
    }

    [Theory]
    [InlineData("m.keras")]
    [InlineData("m.h5")]
    [InlineData("m.weights.h5")]
    [InlineData("M.PTH")]
    [InlineData("m.onnx")]
    public void SaveRefusesTheNameOfAnotherFormat(string name)
    {
        var model = Classifier();
        string path = Path.Combine(_temp.Path, name);
        var e = Assert.Throws<ArgumentException>(() => model.Save(path));
        Assert.Contains(".safetensors", e.Message);
        Assert.Throws<ArgumentException>(() => model.SaveWeights(path));
        Assert.False(File.Exists(path));
        model.Save(Path.Combine(_temp.Path, "m.model")); // any other name is a safetensors file by that name
    }
}

/// <summary>A learning-rate schedule of a program's own: a model file cannot name it, so such a model saves without its compile config.</summary>
internal sealed class HalvingEveryStep : LearningRateSchedule
{
    public override string Name => "HalvingEveryStep";

    public override float Rate(long step) => 0.01f / (1 << (int)Math.Min(step, 20));
}
