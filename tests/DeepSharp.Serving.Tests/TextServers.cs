namespace DeepSharp.Serving.Tests;

/// <summary>The two <see cref="TextModels"/> behind their own servers (batching on), for the text tests.</summary>
public sealed class TextServers : IAsyncLifetime
{
    public ModelServer Classifier { get; private set; } = null!;

    public ModelServer Generator { get; private set; } = null!;

    public HttpClient ClassifierClient { get; private set; } = null!;

    public HttpClient GeneratorClient { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new ServingOptions { Port = 0, MaxBatchSize = 16, MaxInputsPerRequest = 8 };
        Classifier = new ModelServer(new ServedModel(TextModels.Classifier, labels: ["negative", "positive"], name: "sentiment"), options);
        Generator = new ModelServer(new ServedModel(TextModels.Generator, name: "abc"), options);
        await Classifier.StartAsync();
        await Generator.StartAsync();
        ClassifierClient = new HttpClient { BaseAddress = Classifier.Address, Timeout = TimeSpan.FromSeconds(30) };
        GeneratorClient = new HttpClient { BaseAddress = Generator.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        ClassifierClient.Dispose();
        GeneratorClient.Dispose();
        await Classifier.DisposeAsync();
        await Generator.DisposeAsync();
    }
}
