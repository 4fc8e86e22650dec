namespace DeepSharp.Serving.Tests;

/// <summary>
/// One in-process server per test class that uses it: the trained MNIST model behind Kestrel on a free
/// loopback port (port 0), with small limits so that the limit tests send small bodies.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const long MaxBodyBytes = 64 * 1024;
    public const int MaxInputs = 16;

    public ModelServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public ServedModel Served { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Served = new ServedModel(TrainedMnist.Model, name: "mnist");
        Server = new ModelServer(Served, new ServingOptions
        {
            Port = 0,
            MaxBatchSize = 32,
            MaxWait = TimeSpan.FromMilliseconds(5),
            MaxBodyBytes = MaxBodyBytes,
            MaxInputsPerRequest = MaxInputs,
        });
        await Server.StartAsync();
        Client = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
