// The workloads that use Gemm, with GemmRowBands off and on alternated round by round in one process
// (the same bits either way): bench (a)'s seed CNN training step (batch 128, random images), bench
// (g)'s char-GPT training step (4 steps a call) and bench (h)'s LSTM layer forward + backward.
// Run from this folder, in Release (under `chrt -r 1` on a shared machine):
//   dotnet run -c Release workload-ab.cs -- [rounds]
// Per variant: median wall and process-CPU milliseconds per call over the rounds, and their ratio.
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

int rounds = args.Length > 0 ? int.Parse(args[0]) : 11;
Threads.Count = 2;
Console.WriteLine($"{DateTime.UtcNow:HH:mm}Z, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, row bands as built: {GemmRowBands.Enabled}");
var workloads = new (string Name, Action Call)[] { ("seed CNN step (batch 128)", SeedStep()), ("char-GPT 4 steps", GptSteps()), ("LSTM fwd+bwd", LstmCall()) };
foreach (var (name, call) in workloads)
{
    var wall = new[] { new List<double>(), new List<double>() };
    var cpu = new[] { new List<double>(), new List<double>() };
    var warm = Stopwatch.StartNew();
    while (warm.Elapsed.TotalSeconds < 3)
        for (int v = 0; v < 2; v++) { GemmRowBands.Enabled = v == 1; call(); }
    for (int r = 0; r < rounds; r++)
        for (int v = 0; v < 2; v++)
        {
            GemmRowBands.Enabled = v == 1;
            int calls = 0;
            double c0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 0.3) { call(); calls++; }
            wall[v].Add(clock.Elapsed.TotalMilliseconds / calls);
            cpu[v].Add((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - c0) * 1e3 / calls);
        }
    static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
    Console.WriteLine($"{name,-26} grid: wall {Median(wall[0]),7:F2} ms cpu {Median(cpu[0]),7:F2} ms | row bands: wall {Median(wall[1]),7:F2} ms cpu {Median(cpu[1]),7:F2} ms | wall ×{Median(wall[1]) / Median(wall[0]):F3} cpu ×{Median(cpu[1]) / Median(cpu[0]):F3}");
}
return 0;

static Action SeedStep()
{
    RandomGenerator.SetGlobalSeed(42);
    var model = new Sequential(
        new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dense(128, Activation.Relu),
        new Dense(10, Activation.Softmax));
    model.Compile(optimizer: new Adam(1e-3f, 0.9f, 0.999f, 1e-7f), loss: new CategoricalCrossentropy());
    var rng = new Random(1);
    var x = Tensor.FromArray(Enumerable.Range(0, 128 * 784).Select(_ => rng.NextSingle()).ToArray(), 128, 28, 28, 1);
    var labels = new float[128 * 10];
    for (int i = 0; i < 128; i++) labels[i * 10 + rng.Next(10)] = 1;
    var y = Tensor.FromArray(labels, 128, 10);
    return () => model.TrainOnBatch(x, y);
}

static Action GptSteps()
{
    const int vocabulary = 65, context = 64, width = 128, heads = 4, blocks = 4, batch = 32;
    var rng = new Random(1);
    int[] Tokens() => Enumerable.Range(0, batch * context).Select(_ => rng.Next(vocabulary)).ToArray();
    var tokens = Model.Input([context], dtype: DType.Int32);
    var h = new Embedding(vocabulary, width).Call(tokens);
    h = new Add().Call(h, new PositionEmbedding(context).Call(h));
    for (int b = 0; b < blocks; b++) h = new TransformerDecoderBlock(numHeads: heads, intermediateDim: 4 * width).Call(h);
    h = new LayerNormalization(epsilon: 1e-5f).Call(h);
    var model = new Model(tokens, new Dense(vocabulary).Call(h));
    var parameters = model.TrainableParameters.ToArray();
    var optimizer = new AdamW(1e-3f);
    var loss = new SparseCategoricalCrossentropy(fromLogits: true);
    var x = Tensor.FromArray(Tokens(), batch, context);
    var y = Tensor.FromArray(Tokens(), batch, context);
    return () =>
    {
        for (int s = 0; s < 4; s++)
        {
            using var scope = Tensor.Scope();
            var l = loss.Compute(y, model.Call(x, training: true));
            foreach (var p in parameters) p.Value.Grad?.Span.Clear();
            Backprop.Backward(l);
            optimizer.Apply(parameters);
        }
    };
}

static Action LstmCall()
{
    var x = Tensor.RandomUniform(new Shape(32, 64, 128), -1f, 1f, new RandomGenerator(1));
    var layer = new Lstm(256, returnSequences: true);
    x.RequiresGrad = true;
    return () =>
    {
        using var scope = Tensor.Scope();
        foreach (var p in layer.Parameters) p.Value.Grad?.Span.Clear();
        x.Grad?.Span.Clear();
        Backprop.Backward(Ops.Sum(layer.Call(x, training: true)));
    };
}
