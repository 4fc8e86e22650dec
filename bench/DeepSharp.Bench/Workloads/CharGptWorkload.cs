using DeepSharp.Bench.Harness;
using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DsDType = DeepSharp.Tensors.DType;
using DsTensor = DeepSharp.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (g) A char-GPT training step, the sequence-models issue's configuration: vocabulary 65, context 64,
/// d_model 128, 4 heads, 4 pre-LN decoder blocks with a 4× GELU MLP, batch 32, AdamW(1e-3), no
/// dropout; cross-entropy over every position. Tokens per second (batch × context per step).
/// DeepSharp: Embedding + PositionEmbedding + TransformerDecoderBlock ×4 + LayerNorm + Dense, one
/// step = Call, loss, Backward, AdamW. libtorch: the same network from nn.Linear/LayerNorm/Embedding
/// with attention written out (QKV projection, masked softmax, output projection), autograd, AdamW.
/// The data are random tokens (speed does not depend on them). Also tokens per process CPU second,
/// the figure a shared machine disturbs least (with --threads 1).
/// </summary>
internal static class CharGptWorkload
{
    private const int Vocabulary = 65, Context = 64, Width = 128, Heads = 4, Blocks = 4, Batch = 32, StepsPerCall = 4;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(g) char-GPT training step (vocab {Vocabulary}, context {Context}, d {Width}, {Heads} heads, {Blocks} blocks, batch {Batch}, AdamW): {o.Reps} timed rounds after 1 warm-up");
        var replies = bench.Runner.Alternate(_ => $"chargpt min={o.MinSeconds}", o.Reps + 1);
        var rate = bench.PerWorker(replies, r => r.Get("tokensPerSecond"), skipFirst: true);
        bench.Log(string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {rate[i].Median:F0} tokens/s")));
        bench.Roofline.AddRate("(g) char-GPT training step", ModelFlops.TransformerTrainingPerToken(Blocks, Width, Context, Vocabulary), rate);
        bench.Table.Add(new ResultRow("(g) char-GPT", "training tokens per second", "tokens/s", HigherIsBetter: true, rate,
            Target: ">= 1.0x must, >= 1.5x goal", Check: ratio => ratio >= 1.0));
        var perCpu = bench.PerWorker(replies, r => r.Get("tokensPerCpuSecond"), skipFirst: true);
        bench.Table.Add(new ResultRow("(g) char-GPT", "training tokens per process CPU second", "tokens/s", HigherIsBetter: true, perCpu,
            Target: ">= 1.5x", Check: ratio => ratio >= 1.5));
    }

    private static DeepSharpGpt? s_deepSharp;
    private static TorchGpt? s_torch;

    public static Reply DeepSharp(Args a)
    {
        var gpt = s_deepSharp ??= new DeepSharpGpt();
        var (seconds, cpu) = CpuTiming.PerCall(gpt.Steps, a.Double("min", 0.3));
        return new Reply { ["tokensPerSecond"] = StepsPerCall * Batch * Context / seconds, ["tokensPerCpuSecond"] = StepsPerCall * Batch * Context / cpu };
    }

    public static Reply Torch(Args a)
    {
        var gpt = s_torch ??= new TorchGpt();
        var (seconds, cpu) = CpuTiming.PerCall(gpt.Steps, a.Double("min", 0.3));
        return new Reply { ["tokensPerSecond"] = StepsPerCall * Batch * Context / seconds, ["tokensPerCpuSecond"] = StepsPerCall * Batch * Context / cpu };
    }

    private static int[] RandomTokens(int seed)
    {
        var rng = new Random(seed);
        var tokens = new int[Batch * Context];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(Vocabulary);
        return tokens;
    }

    /// <summary>The layers of DeepSharp's char-GPT, unbuilt, for calling them one by one (bench (p)).</summary>
    internal sealed record GptLayers(global::DeepSharp.Nn.Layers.Embedding Embedding, PositionEmbedding Position, Add Add,
        TransformerDecoderBlock[] Blocks, LayerNormalization Norm, Dense Head)
    {
        public IEnumerable<global::DeepSharp.Nn.Layer> All => [Embedding, Position, Add, .. Blocks, Norm, Head];

        public static GptLayers Create() => new(new global::DeepSharp.Nn.Layers.Embedding(Vocabulary, Width), new PositionEmbedding(Context), new Add(),
            Enumerable.Range(0, CharGptWorkload.Blocks).Select(_ => new TransformerDecoderBlock(numHeads: Heads, intermediateDim: 4 * Width)).ToArray(),
            new LayerNormalization(epsilon: 1e-5f), new Dense(Vocabulary));
    }

    /// <summary>Bench (g)'s DeepSharp network as separate layers, with its loss, optimizer and batch.</summary>
    internal static (GptLayers Layers, SparseCategoricalCrossentropy Loss, global::DeepSharp.Optimizers.AdamW Optimizer, DsTensor X, DsTensor Y) BuildDeepSharpLayers() =>
        (GptLayers.Create(), new SparseCategoricalCrossentropy(fromLogits: true), new global::DeepSharp.Optimizers.AdamW(1e-3f),
            DsTensor.FromArray(RandomTokens(1), Batch, Context), DsTensor.FromArray(RandomTokens(2), Batch, Context));

    private sealed class DeepSharpGpt
    {
        private readonly Model _model;
        private readonly global::DeepSharp.Nn.Parameter[] _parameters;
        private readonly global::DeepSharp.Optimizers.AdamW _optimizer = new(1e-3f);
        private readonly SparseCategoricalCrossentropy _loss = new(fromLogits: true);
        private readonly DsTensor _x = DsTensor.FromArray(RandomTokens(1), Batch, Context), _y = DsTensor.FromArray(RandomTokens(2), Batch, Context);

        public DeepSharpGpt()
        {
            var layers = GptLayers.Create();
            var tokens = Model.Input([Context], dtype: DsDType.Int32);
            var h = layers.Embedding.Call(tokens);
            h = layers.Add.Call(h, layers.Position.Call(h));
            foreach (var block in layers.Blocks) h = block.Call(h);
            h = layers.Norm.Call(h);
            _model = new Model(tokens, layers.Head.Call(h));
            _parameters = _model.TrainableParameters.ToArray();
        }

        public void Steps()
        {
            for (int s = 0; s < StepsPerCall; s++)
            {
                using var scope = DsTensor.Scope();
                var loss = _loss.Compute(_y, _model.Call(_x, training: true));
                foreach (var p in _parameters) p.Value.Grad?.Span.Clear();
                global::DeepSharp.Autograd.Backprop.Backward(loss);
                _optimizer.Apply(_parameters);
            }
        }
    }

    private sealed class TorchGpt
    {
        private readonly Network _model = new();
        private readonly optim.Optimizer _optimizer;
        private readonly TorchTensor _x = tensor(RandomTokens(1).Select(t => (long)t).ToArray(), [Batch, Context]);
        private readonly TorchTensor _y = tensor(RandomTokens(2).Select(t => (long)t).ToArray(), [Batch * Context]);

        public TorchGpt() => _optimizer = optim.AdamW(_model.parameters(), lr: 1e-3);

        public void Steps()
        {
            for (int s = 0; s < StepsPerCall; s++)
            {
                using var scope = NewDisposeScope();
                _optimizer.zero_grad();
                var logits = _model.forward(_x);
                var loss = nn.functional.cross_entropy(logits.view(-1, Vocabulary), _y);
                loss.backward();
                _optimizer.step();
            }
        }
    }

    private sealed class Network : nn.Module<TorchTensor, TorchTensor>
    {
        private readonly TorchSharp.Modules.Embedding tokens = nn.Embedding(Vocabulary, Width), positions = nn.Embedding(Context, Width);
        private readonly ModuleList<Block> blocks = new();
        private readonly LayerNorm norm = nn.LayerNorm(Width);
        private readonly Linear head = nn.Linear(Width, Vocabulary);
        private readonly TorchTensor positionIds = arange(Context);

        public Network() : base("chargpt")
        {
            for (int i = 0; i < Blocks; i++) blocks.Add(new Block());
            RegisterComponents();
        }

        public override TorchTensor forward(TorchTensor x)
        {
            var h = tokens.forward(x) + positions.forward(positionIds);
            foreach (var block in blocks) h = block.forward(h);
            return head.forward(norm.forward(h));
        }
    }

    private sealed class Block : nn.Module<TorchTensor, TorchTensor>
    {
        private readonly LayerNorm norm1 = nn.LayerNorm(Width), norm2 = nn.LayerNorm(Width);
        private readonly Linear qkv = nn.Linear(Width, 3 * Width), projection = nn.Linear(Width, Width);
        private readonly Linear up = nn.Linear(Width, 4 * Width), down = nn.Linear(4 * Width, Width);
        private readonly TorchTensor future = triu(ones(Context, Context), 1).to(ScalarType.Bool);

        public Block() : base("block") => RegisterComponents();

        public override TorchTensor forward(TorchTensor x)
        {
            long b = x.shape[0], t = x.shape[1], hd = Width / Heads;
            var parts = qkv.forward(norm1.forward(x)).view(b, t, 3, Heads, hd).permute(2, 0, 3, 1, 4);
            var (q, k, v) = (parts[0], parts[1], parts[2]);
            var scores = matmul(q, k.transpose(-2, -1)) * (1.0 / Math.Sqrt(hd));
            scores = scores.masked_fill(future, double.NegativeInfinity);
            var attention = matmul(scores.softmax(-1), v).transpose(1, 2).contiguous().view(b, t, Width);
            x = x + projection.forward(attention);
            return x + down.forward(nn.functional.gelu(up.forward(norm2.forward(x))));
        }
    }
}
