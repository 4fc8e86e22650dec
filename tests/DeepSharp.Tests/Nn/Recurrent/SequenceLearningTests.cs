using System.Diagnostics;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// A tiny memory task end to end: an LSTM reads four symbols then four blanks and must output the
/// symbols reversed during the blanks (blanks before). Trained with Adam on fresh random batches,
/// it must reach ≥ 99 % accuracy on the reversed symbols of unseen sequences, in a few seconds.
/// </summary>
public class SequenceLearningTests
{
    private const int Length = 4, Symbols = 6, Time = 2 * Length, Vocabulary = Symbols + 1;

    /// <summary>Inputs (batch, 8) and targets (batch·8,): s1..s4 then blanks → blanks then s4..s1.</summary>
    private static (Tensor Inputs, Tensor Targets) Batch(int batch, RandomGenerator rng)
    {
        var x = Tensor.IntZeros(new Shape(batch, Time));
        var y = Tensor.IntZeros(new Shape(batch * Time));
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < Length; i++)
            {
                int symbol = 1 + rng.NextInt(Symbols);
                x.IntSpan[b * Time + i] = symbol;
                y.IntSpan[b * Time + Time - 1 - i] = symbol;
            }
        return (x, y);
    }

    [Fact]
    public void LstmLearnsToReverseShortSequences()
    {
        RandomGenerator.SetGlobalSeed(42);
        var model = new Sequential(
            new Embedding(Vocabulary, 16, inputShape: [Time]),
            new Lstm(48, returnSequences: true),
            new Dense(Vocabulary));
        var optimizer = new Adam(0.01f);
        var rng = new RandomGenerator(43);
        var clock = Stopwatch.StartNew();
        double accuracy = 0;
        for (int step = 1; step <= 1500 && accuracy < 0.999; step++)
        {
            using (Tensor.Scope())
            {
                var (x, y) = Batch(32, rng);
                var logits = Ops.Reshape(model.Call(x, training: true), -1, Vocabulary);
                var loss = Ops.Mean(Ops.SparseSoftmaxCrossEntropy(logits, y));
                foreach (var p in model.Parameters) p.Value.Grad?.Span.Clear();
                loss.Backward();
                optimizer.Apply(model.TrainableParameters);
            }
            if (step % 100 == 0) accuracy = ReversedAccuracy(model, new RandomGenerator(step));
        }
        double final = ReversedAccuracy(model, new RandomGenerator(7));
        Assert.True(final >= 0.99, $"accuracy on reversed symbols {final:P1} after {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static double ReversedAccuracy(Model model, RandomGenerator rng)
    {
        using var _ = NoGrad.Scope();
        using var scope = Tensor.Scope();
        var (x, y) = Batch(512, rng);
        var logits = model.Call(x).Span;
        int correct = 0, total = 0;
        for (int row = 0; row < 512 * Time; row++)
        {
            if (row % Time < Length) continue;
            int best = 0;
            for (int v = 1; v < Vocabulary; v++) if (logits[row * Vocabulary + v] > logits[row * Vocabulary + best]) best = v;
            correct += best == y.IntSpan[row] ? 1 : 0;
            total++;
        }
        return (double)correct / total;
    }
}
