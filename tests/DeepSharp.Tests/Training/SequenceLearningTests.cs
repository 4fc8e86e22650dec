using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Training;

/// <summary>Tiny Transformers learn symbol-sequence tasks that need attention across positions.</summary>
public class SequenceLearningTests(ITestOutputHelper output)
{
    private const int Symbols = 8, Length = 6, Batch = 64;

    /// <summary>Reversal: output position i must find input position L−1−i, which only attention can do.</summary>
    [Fact]
    public void EncoderLearnsToReverseSequences()
    {
        RandomGenerator.SetGlobalSeed(41);
        var tokens = Model.Input([Length], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(Symbols, 32).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(Length).Call(x));
        x = new TransformerEncoderBlock(2, 64).Call(x);
        var model = new Functional(tokens, new Dense(Symbols).Call(x));
        float accuracy = Train(model, Reverse, causal: false);
        Assert.True(accuracy >= 0.99f, $"token accuracy {accuracy:P2} after training");
    }

    /// <summary>
    /// A decoder-only model continues "a b c d | " with "d c b a": each output position sees only
    /// the tokens before it (causal), so the answer must be read back from the prompt.
    /// </summary>
    [Fact]
    public void DecoderOnlyModelLearnsToReverseAPrompt()
    {
        RandomGenerator.SetGlobalSeed(42);
        var tokens = Model.Input([2 * Half + 1], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(Symbols + 1, 32).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(2 * Half + 1).Call(x));
        x = new TransformerDecoderBlock(2, 64).Call(x);
        x = new TransformerDecoderBlock(2, 64).Call(x);
        var model = new Functional(tokens, new Dense(Symbols + 1).Call(x));
        float accuracy = Train(model, PromptThenReverse, causal: true);
        Assert.True(accuracy >= 0.99f, $"answer-token accuracy {accuracy:P2} after training");

        // Greedy generation with the KV cache reproduces the answers.
        var test = PromptThenReverse(new RandomGenerator(99), 16);
        var cache = new KvCache(2 * Half + 1);
        var prompt = Columns(test.Inputs, 0, Half + 1);
        var logits = model.Step(prompt, cache);
        int correct = 0;
        var next = new int[16];
        for (int t = 0; t < Half; t++)
        {
            for (int b = 0; b < 16; b++)
            {
                var row = logits.Span.Slice((b * logits.Shape[1] + logits.Shape[1] - 1) * (Symbols + 1), Symbols + 1);
                next[b] = row.IndexOf(TensorMax(row));
                if (next[b] == test.Targets.IntSpan[b * (2 * Half + 1) + Half + t]) correct++;
            }
            logits = model.Step(Tensor.FromArray((int[])next.Clone(), 16, 1), cache);
        }
        Assert.True(correct >= 0.99 * 16 * Half, $"{correct} of {16 * Half} generated tokens correct");
    }

    private const int Half = 4;

    private float Train(Functional model, Func<RandomGenerator, int, (Tensor Inputs, Tensor Targets, Tensor Weights)> task, bool causal)
    {
        var optimizer = new Adam(3e-3f);
        var parameters = model.TrainableParameters.ToArray();
        var data = new RandomGenerator(7);
        float initial = Accuracy(model, task, 256, seed: 3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int step = 0;
        float accuracy = 0;
        for (; step < 3000; step++)
        {
            using (Tensor.Scope())
            {
                var (inputs, targets, weights) = task(data, Batch);
                var logits = model.Call(inputs, training: true);
                var flat = Ops.Reshape(logits, -1, logits.Shape[2]);
                var loss = Ops.Sum(Ops.Multiply(Ops.SparseSoftmaxCrossEntropy(flat, targets.View(-1)), weights.View(-1)));
                foreach (var p in parameters) p.Value.Grad?.Span.Clear();
                Ops.Affine(loss, 1f / Batch).Backward();
                optimizer.Apply(parameters);
            }
            if (step % 50 == 49 && (accuracy = Accuracy(model, task, 256, seed: 1000 + step)) >= 0.998f) break;
        }
        accuracy = Accuracy(model, task, 512, seed: 5);
        output.WriteLine($"{(causal ? "decoder" : "encoder")}: {step + 1} steps, {watch.Elapsed.TotalSeconds:F1} s, held-out token accuracy {initial:P1} → {accuracy:P2}");
        return accuracy;
    }

    /// <summary>Accuracy over the target tokens that count (weight 1) of fresh sequences.</summary>
    private static float Accuracy(Functional model, Func<RandomGenerator, int, (Tensor Inputs, Tensor Targets, Tensor Weights)> task, int count, int seed)
    {
        var (inputs, targets, weights) = task(new RandomGenerator(seed), count);
        using var _ = NoGrad.Scope();
        var logits = model.Call(inputs);
        int classes = logits.Shape[2], correct = 0, total = 0;
        for (int i = 0; i < targets.Size; i++)
        {
            if (weights.Span[i] == 0f) continue;
            var row = logits.Span.Slice(i * classes, classes);
            if (row.IndexOf(TensorMax(row)) == targets.IntSpan[i]) correct++;
            total++;
        }
        return (float)correct / total;
    }

    private static float TensorMax(ReadOnlySpan<float> row) => System.Numerics.Tensors.TensorPrimitives.Max(row);

    /// <summary>Random sequences and their reversals; every position counts.</summary>
    private static (Tensor Inputs, Tensor Targets, Tensor Weights) Reverse(RandomGenerator rng, int count)
    {
        var x = new int[count * Length];
        var y = new int[count * Length];
        for (int b = 0; b < count; b++)
            for (int t = 0; t < Length; t++) x[b * Length + t] = rng.NextInt(Symbols);
        for (int b = 0; b < count; b++)
            for (int t = 0; t < Length; t++) y[b * Length + t] = x[b * Length + Length - 1 - t];
        return (Tensor.FromArray(x, count, Length), Tensor.FromArray(y, count, Length), Tensor.Ones(count, Length));
    }

    /// <summary>
    /// "a b c d | d c b a" (| is symbol <see cref="Symbols"/>) for next-token prediction: inputs are the
    /// sequence, targets the sequence shifted left; only the answer tokens count.
    /// </summary>
    private static (Tensor Inputs, Tensor Targets, Tensor Weights) PromptThenReverse(RandomGenerator rng, int count)
    {
        int n = 2 * Half + 1;
        var x = new int[count * n];
        var y = new int[count * n];
        var w = new float[count * n];
        for (int b = 0; b < count; b++)
        {
            var s = new int[n + 1];
            for (int t = 0; t < Half; t++) s[t] = rng.NextInt(Symbols);
            s[Half] = Symbols;
            for (int t = 0; t < Half; t++) s[Half + 1 + t] = s[Half - 1 - t];
            for (int t = 0; t < n; t++)
            {
                x[b * n + t] = s[t];
                y[b * n + t] = s[t + 1];
                w[b * n + t] = t >= Half && t < n - 1 ? 1f : 0f;
            }
        }
        return (Tensor.FromArray(x, count, n), Tensor.FromArray(y, count, n), Tensor.FromArray(w, count, n));
    }

    private static Tensor Columns(Tensor x, int start, int count)
    {
        int rows = x.Shape[0], n = x.Shape[1];
        var r = new int[rows * count];
        for (int b = 0; b < rows; b++) x.IntSpan.Slice(b * n + start, count).CopyTo(r.AsSpan(b * count));
        return Tensor.FromArray(r, rows, count);
    }
}
