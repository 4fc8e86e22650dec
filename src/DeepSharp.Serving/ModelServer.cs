using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeepSharp.Serving;

/// <summary>
/// A model behind HTTP (docs/serving.md): POST /v1/predict, GET /v1/model, /healthz, /metrics and a page
/// at / to try the model, on ASP.NET Core's Kestrel. Concurrent requests are joined by a
/// <see cref="DynamicBatcher"/> (unless <see cref="ServingOptions.MaxBatchSize"/> is 1); every bad
/// request gets a 4xx with <c>{"error": "..."}</c>. Shutting down (SIGTERM, Ctrl-C or
/// <see cref="StopAsync"/>) stops listening, refuses new requests with 503 and lets those in flight finish.
/// </summary>
/// <example>
/// <code>
/// await using var server = new ModelServer(new ServedModel(Model.Load("model.safetensors")), new ServingOptions { Port = 8080 });
/// await server.StartAsync();
/// await server.WaitForShutdownAsync();
/// </code>
/// </example>
public sealed class ModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IInference _inference;
    private bool _started, _disposed;

    /// <summary>Builds the server for <paramref name="model"/>; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range or <see cref="ServingOptions.Host"/> is not an address.</exception>
    public ModelServer(ServedModel model, ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Model = model;
        Options = options;
        var endpoint = Endpoint(options);
        // The content root is the program's folder, not the working directory: no appsettings.json of the user's is read.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None); // a failed start (port in use) is the caller's exception, not a log
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A backstop: PredictEndpoint refuses bodies over MaxBodyBytes itself, with its own message; above this
            // Kestrel would not even drain a refused body, and a client still sending it would see the connection drop.
            kestrel.Limits.MaxRequestBodySize = 4 * options.MaxBodyBytes + (1 << 20);
            kestrel.Listen(endpoint);
        });
        _app = builder.Build();
        _inference = options.MaxBatchSize > 1 ? new DynamicBatcher(model, options, Metrics) : new DirectInference(model, Metrics);
        Map(_app);
    }

    /// <summary>The model being served.</summary>
    public ServedModel Model { get; }

    /// <summary>The options the server was built with.</summary>
    public ServingOptions Options { get; }

    /// <summary>The counters /metrics shows.</summary>
    public ServingMetrics Metrics { get; } = new();

    /// <summary>The address the server listens on (with the real port when <see cref="ServingOptions.Port"/> was 0); set by <see cref="StartAsync"/>.</summary>
    public Uri? Address { get; private set; }

    /// <summary>Starts listening; returns once the port is bound.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started) throw new InvalidOperationException("The server has already been started.");
        _started = true;
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First());
    }

    /// <summary>Completes when the server has shut down: after SIGTERM or Ctrl-C (requests in flight have finished) or <see cref="StopAsync"/>.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        await _inference.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops listening, refuses new requests and waits (up to <see cref="ServingOptions.ShutdownTimeout"/>) for those in flight.</summary>
    public async Task StopAsync()
    {
        if (!_started) return;
        await _app.StopAsync().ConfigureAwait(false);
        await _inference.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server if it runs, then releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void Map(WebApplication app)
    {
        var errors = new ErrorResponses(Metrics, app.Logger);
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use(async (context, next) =>
        {
            if (stopping.IsCancellationRequested) // a request on a kept-alive connection during shutdown
            {
                context.Response.Headers.Connection = "close";
                await ErrorResponses.Write(context, 503, "the server is shutting down");
                return;
            }
            await errors.Invoke(context, next);
        });
        var predict = new PredictEndpoint(Model, Options, _inference);
        var info = ModelInfo.Of(Model, Options).ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        app.MapPost("/v1/predict", predict.Handle);
        // TF Serving's URL, so its clients work unchanged: the served model's name, or 404.
        // A file's name serves under its stem too (iris.safetensors as /v1/models/iris:predict), as TF Serving's model names have no extension.
        string stem = Model.Name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? Model.Name[..^".safetensors".Length] : Model.Name;
        app.MapPost("/v1/models/{name}:predict", (HttpContext context, string name) => name == Model.Name || (stem.Length > 0 && name == stem) ? predict.Handle(context)
            : throw new BadRequestException(404, $"no model named '{(name.Length <= 64 ? name : name[..64] + "...")}'; this server serves '{Model.Name}' (POST /v1/models/{Model.Name}:predict or /v1/predict)"));
        app.MapGet("/v1/model", () => Results.Text(info, "application/json"));
        app.MapGet("/healthz", () => Results.Text("{\"status\":\"ok\"}", "application/json"));
        app.MapGet("/metrics", () => Results.Text(Metrics.ToPrometheusText(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/", context => PageAssets.Serve(context, "index.html"));
        app.MapGet("/page/{file}", (HttpContext context, string file) => PageAssets.Serve(context, file));
    }

    private static IPEndPoint Endpoint(ServingOptions options)
    {
        string host = options.Host == "localhost" ? "127.0.0.1" : options.Host;
        if (!IPAddress.TryParse(host, out var address))
            throw new ArgumentException($"Host '{options.Host}' is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface).");
        return new IPEndPoint(address, options.Port);
    }
}
