using DeepSharp.Distributed;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The C# examples of docs/files.md and docs/distributed.md as the pages show them, on a small model in a
/// temporary working folder (the examples write relative paths). Without mpiexec the distributed examples run
/// as one rank, as the page says; the MPI runs themselves are tests/DeepSharp.Tests/Distributed's.
/// </summary>
[Collection(WorkingFolder.Collection)]
public sealed class FilesAndDistributedExamplesTests
{
    [Fact]
    public void EveryExampleOfThePagesIsHere()
    {
        MarkdownExamples.AssertAllIn("files.md", "Docs/FilesAndDistributedExamplesTests.cs", expectedBlocks: 2);
        MarkdownExamples.AssertAllIn("distributed.md", "Docs/FilesAndDistributedExamplesTests.cs", expectedBlocks: 3);
    }

    private static (Sequential Model, Tensor X, Tensor Y) Small()
    {
        RandomGenerator.SetGlobalSeed(9);
        var model = new Sequential(new Conv2D(2, (3, 3), activation: Activation.Relu, inputShape: [6, 6, 1]), new Flatten(), new Dense(3, Activation.Softmax));
        var x = Tensor.RandomUniform(new Shape(24, 6, 6, 1));
        var y = DeepSharp.Data.DataUtils.ToCategorical(Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 3).ToArray(), 24), 3);
        return (model, x, y);
    }

    [Fact]
    public void ModelFiles()
    {
        using var folder = new WorkingFolder();
        var (model, x, _) = Small();
        model.Save("model.safetensors");
        var loaded = Model.Load("model.safetensors");
        loaded.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);

        // Any safetensors file, tensor by tensor:
        var file = SafetensorsFile.Load("model.safetensors");
        foreach (var entry in file.Entries) Console.WriteLine(entry);      // conv2d/kernel F32 (3, 3, 1, 32)
        Tensor kernel = file.Entries[0].ToTensor("model.safetensors");
        string config = file.Metadata["model_config"];

        // Writing your own:
        var output = new SafetensorsFile();
        output.Add("embedding", Tensor.RandomNormal(new Shape(100, 16)));
        output.Metadata["note"] = "anything, as strings";
        output.Save("mine.safetensors");

        Assert.Equal("conv2d/bias F32 (2,)", file.Entries[0].ToString());
        Assert.Equal(new Shape(2), kernel.Shape);
        Assert.Contains("Sequential", config);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(new Shape(100, 16), SafetensorsFile.Load("mine.safetensors").Entries[0].ToTensor("mine.safetensors").Shape);
    }

    [Fact]
    public void ALoadedModelIsCompiled()
    {
        using var folder = new WorkingFolder();
        var (model, x, _) = Small();
        var y = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 3).ToArray(), 24);

        model.Compile(new Adam(1e-3f), "sparse_categorical_crossentropy", ["accuracy"]);
        model.Fit(x, y, epochs: 2, verbose: 0);
        model.Save("classifier.safetensors");
        var loaded = Model.Load("classifier.safetensors");          // compiled: Adam(1e-3), the loss, "accuracy", Adam's moments
        var scores = loaded.Evaluate(x, y);                        // {"loss": ..., "accuracy": ...}
        loaded.Fit(x, y, epochs: 2, verbose: 0);                   // trains on: Adam's step count and moments continue
        var fresh = Model.Load("classifier.safetensors", compile: false);   // fresh.IsCompiled is false: Compile chooses anew

        Assert.Equal(1e-3f, Assert.IsType<Adam>(loaded.Optimizer).LearningRate);
        Assert.Equal(model.Evaluate(x, y), scores);
        Assert.Equal(4, loaded.Optimizer!.Iterations);             // 24 samples, batch 32: one step per epoch, 2 saved + 2
        Assert.Null(fresh.Optimizer);
        Assert.False(fresh.IsCompiled);
        Assert.True(loaded.IsCompiled);
        Assert.Equal(["loss", "accuracy"], scores.Keys);
        Assert.Throws<ArgumentException>(() => model.Save("classifier.keras"));
    }
}

/// <summary>docs/distributed.md's examples, one rank without mpiexec.</summary>
[Collection(WorkingFolder.Collection)]
public sealed class DistributedExamplesTests
{
    private static (Sequential Model, Tensor X, Tensor Y) Small()
    {
        RandomGenerator.SetGlobalSeed(9);
        var model = new Sequential(new Conv2D(2, (3, 3), activation: Activation.Relu, inputShape: [6, 6, 1]), new Flatten(), new Dense(3, Activation.Softmax));
        var x = Tensor.RandomUniform(new Shape(24, 6, 6, 1));
        var y = DeepSharp.Data.DataUtils.ToCategorical(Tensor.FromArray(Enumerable.Range(0, 24).Select(i => i % 3).ToArray(), 24), 3);
        return (model, x, y);
    }

    [Fact]
    public void FromCode()
    {
        using var folder = new WorkingFolder();
        var (model, x, y) = Small();
        var strategy = DistributedStrategy.FromEnvironment();   // MPI under mpiexec, one rank otherwise
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        model.Distribute(strategy);                              // every later Fit is data-parallel
        model.Fit(x, y, batchSize: 128, epochs: 10);             // 128 is the global batch
        if (strategy.IsChief) model.Save("model.safetensors");

        Assert.True(strategy.IsChief);
        Assert.True(File.Exists("model.safetensors"));
    }

    [Fact]
    public void ExchangeChoice()
    {
        var strategy = DistributedStrategy.FromEnvironment().WithExchange(DeterministicExchange.ReduceScatter);

        Assert.NotNull(strategy);
    }

    [Fact]
    public void OptimizerSharding()
    {
        var (model, x, y) = Small();
        model.Compile(new Adam(), new CategoricalCrossentropy());
        var strategy = DistributedStrategy.FromEnvironment().WithOptimizerSharding();
        model.Distribute(strategy);   // each rank keeps about 1/W of Adam's moments

        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0);
    }
}
