using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Mse = DeepSharp.Losses.MeanSquaredError;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Losses and metrics honour the model output's mask as in Keras 3: a token tagger
/// Embedding(maskZero) → LSTM(returnSequences) → Dense(vocabulary) on right-padded sequences, where
/// padded positions add nothing and the loss is the mean over the unpadded positions.
/// </summary>
public class MaskedLossTests
{
    private const int Vocabulary = 7, Length = 5, Batch = 4;

    /// <summary>Right-padded token ids (0 is padding): lengths 3, 2, 5, 1.</summary>
    private static Tensor Tokens() => Tensor.FromArray(new[]
    {
        1, 2, 3, 0, 0,
        4, 5, 0, 0, 0,
        2, 2, 6, 2, 1,
        3, 0, 0, 0, 0,
    }, Batch, Length);

    /// <summary>Target classes per position; <paramref name="padding"/> fills the padded positions.</summary>
    private static Tensor Targets(int padding)
    {
        var tokens = Tokens().IntSpan;
        var labels = new int[Batch * Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = tokens[i] == 0 ? padding : (tokens[i] * 3 + i) % Vocabulary;
        return Tensor.FromArray(labels, Batch, Length);
    }

    private static int[] Unpadded()
    {
        var tokens = Tokens().IntSpan;
        var kept = new List<int>();
        for (int i = 0; i < tokens.Length; i++) if (tokens[i] != 0) kept.Add(i);
        return [.. kept];
    }

    private static Sequential Tagger(int seed, bool maskZero = true)
    {
        RandomGenerator.SetGlobalSeed(seed);
        return new Sequential(
            new Embedding(Vocabulary, 4, maskZero: maskZero, inputShape: [Length]),
            new Lstm(6, returnSequences: true),
            new Dense(Vocabulary));
    }

    private static SparseCategoricalCrossentropy Loss() => new(fromLogits: true);

    /// <summary>The loss over the unpadded positions only, computed directly on them as (positions, classes) rows.</summary>
    private static float UnpaddedLoss(Tensor targets, Tensor predictions)
    {
        var kept = Unpadded();
        var rows = predictions.View(Batch * Length, Vocabulary).GatherRows(kept);
        var labels = Tensor.FromArray(kept.Select(i => targets.IntSpan[i]).ToArray(), kept.Length);
        return Loss().Compute(labels, rows).Item();
    }

    private static float[][] Weights(Model model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static void Restore(Model model, float[][] weights)
    {
        var parameters = model.Parameters.ToArray();
        for (int i = 0; i < parameters.Length; i++) weights[i].CopyTo(parameters[i].Value.Span);
    }

    [Fact]
    public void EvaluateLossIsTheMeanOverTheUnpaddedPositions()
    {
        var model = Tagger(61);
        model.Compile(new Adam(0.05f), Loss());
        var y = Targets(padding: 5);
        model.Fit(Tokens(), y, batchSize: Batch, epochs: 20, verbose: 0);   // confident on the unpadded positions
        var predictions = model.Predict(Tokens());

        double loss = model.Evaluate(Tokens(), y, batchSize: Batch)["loss"];

        Assert.Equal(UnpaddedLoss(y, predictions), loss, 1e-5);
        Assert.True(Math.Abs(Loss().Compute(y, predictions).Item() - loss) > 0.1, "the unmasked mean differs");
    }

    [Fact]
    public void TargetsAtPaddedPositionsChangeNeitherTheLossNorTheTrainedWeights()
    {
        var first = Tagger(62);
        var second = Tagger(62);
        first.Compile(new Sgd(0.5f), Loss());
        second.Compile(new Sgd(0.5f), Loss());
        Assert.Equal(Weights(first), Weights(second));

        var h1 = first.Fit(Tokens(), Targets(padding: 0), batchSize: Batch, epochs: 1, verbose: 0, shuffle: false);
        var h2 = second.Fit(Tokens(), Targets(padding: 6), batchSize: Batch, epochs: 1, verbose: 0, shuffle: false);

        Assert.Equal(h1["loss"], h2["loss"]);
        Assert.Equal(Weights(first), Weights(second));
        Assert.NotEqual(Weights(Tagger(62)), Weights(first));   // the step did train
    }

    [Fact]
    public void AccuracyCountsOnlyUnpaddedPositions()
    {
        var model = Tagger(63);
        model.Compile(new Adam(), Loss(), metrics: [new Accuracy(), new SparseCategoricalAccuracy()]);
        var predictions = model.Predict(Tokens());
        // Padded targets are the predicted classes: they would all be hits if they counted.
        var labels = Targets(padding: 0).ToIntArray();
        var tokens = Tokens().IntSpan;
        int hits = 0, counted = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int predicted = Accuracy.ArgMax(predictions.Span.Slice(i * Vocabulary, Vocabulary));
            if (tokens[i] == 0) { labels[i] = predicted; continue; }
            counted++;
            if (predicted == labels[i]) hits++;
        }
        Assert.True(hits < counted, "the test needs a miss among the unpadded positions");

        var logs = model.Evaluate(Tokens(), Tensor.FromArray(labels, Batch, Length), batchSize: Batch);

        Assert.Equal((double)hits / counted, logs["accuracy"], 12);
        Assert.Equal((double)hits / counted, logs["sparse_categorical_accuracy"], 12);
    }

    [Fact]
    public void SampleWeightsWeighEachSamplesUnpaddedPositions()
    {
        var model = Tagger(64);
        var weights = Tensor.FromArray([1f, 0.5f, 2f, 0f], Batch);
        model.Compile(new Adam(), Loss(), weightedMetrics: [new Accuracy()]);
        var y = Targets(padding: 2);
        var predictions = model.Predict(Tokens());
        var perPosition = Loss().PerSample(y, predictions).ToArray();   // (batch, length)
        var tokens = Tokens().IntSpan;
        double sum = 0, hits = 0, weightSum = 0;
        int counted = 0;
        for (int i = 0; i < perPosition.Length; i++)
        {
            if (tokens[i] == 0) continue;
            float w = weights.Span[i / Length];
            sum += w * perPosition[i];
            counted++;
            weightSum += w;
            if (Accuracy.ArgMax(predictions.Span.Slice(i * Vocabulary, Vocabulary)) == y.IntSpan[i]) hits += w;
        }

        var logs = model.Evaluate(Tokens(), y, batchSize: Batch, sampleWeight: weights);

        // Keras 3: Σ w·loss over the unmasked positions / their number; metrics Σ w·hit / Σ w.
        Assert.Equal(sum / counted, logs["loss"], 1e-5);
        Assert.Equal(hits / weightSum, logs["accuracy"], 1e-9);
    }

    [Fact]
    public void AModelWithoutAMaskGivesTheUnmaskedNumbers()
    {
        var model = Tagger(65, maskZero: false);
        var weights = Tensor.FromArray([1f, 0.5f, 2f, 0f], Batch);
        model.Compile(new Adam(), Loss());
        var y = Targets(padding: 2);
        var predictions = model.Predict(Tokens());

        Assert.Equal((double)Loss().Compute(y, predictions).Item(), model.Evaluate(Tokens(), y, batchSize: Batch)["loss"]);
        Assert.Equal((double)Loss().Compute(y, predictions, weights).Item(),
            model.Evaluate(Tokens(), y, batchSize: Batch, sampleWeight: weights)["loss"]);
    }

    [Fact]
    public void AMaskOfOnesChangesNothingAndAMaskCombinesWithIgnoreClass()
    {
        var logits = GradCheck.Random(66, Batch, Length, Vocabulary);
        var y = Targets(padding: 0);
        var ones = Tensor.Ones(Batch, Length);
        Assert.Equal(Loss().Compute(y, logits).Item(), Loss().Compute(y, logits, mask: ones).Item(), 1e-6);

        // Mask the padded positions and also ignore class 3: only positions that pass both count.
        var mask = Tensor.FromArray(Tokens().ToIntArray().Select(t => t == 0 ? 0f : 1f).ToArray(), Batch, Length);
        var kept = Unpadded().Where(i => y.IntSpan[i] != 3).ToArray();
        var rows = logits.View(Batch * Length, Vocabulary).GatherRows(kept);
        float expected = Loss().Compute(Tensor.FromArray(kept.Select(i => y.IntSpan[i]).ToArray(), kept.Length), rows).Item();
        Assert.True(kept.Length < Unpadded().Length, "the test needs an ignored label among the unpadded positions");
        Assert.Equal(expected, new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 3).Compute(y, logits, mask: mask).Item(), 1e-5);
        GradCheck.Check(t => Loss().Compute(y, t[0], Tensor.FromArray([1f, 2f, 0.5f, 1f], Batch), mask), [logits]);
    }

    [Fact]
    public void AMaskThatDoesNotFitTheLossesIsRejected()
    {
        var logits = GradCheck.Random(67, Batch, Length, Vocabulary);
        var error = Assert.Throws<ShapeMismatchException>(() => Loss().Compute(Targets(0), logits, mask: Tensor.Ones(Batch, Length + 1)));
        Assert.Contains("mask", error.Message);
    }

    [Fact]
    public void SequenceMetricsScoreEachPositionAndSkipMaskedOnes()
    {
        var predictions = GradCheck.Random(69, Batch, Length, Vocabulary);
        var y = Targets(padding: 0);
        var rows = predictions.View(Batch * Length, Vocabulary);
        var perRow = new SparseCategoricalAccuracy();
        perRow.Update(y.View(Batch * Length), rows);
        var sequence = new Accuracy();
        sequence.Update(y, predictions);
        Assert.Equal(perRow.Result(), sequence.Result(), 12);

        var kept = Unpadded();
        var unpadded = new Accuracy();
        unpadded.Update(Tensor.FromArray(kept.Select(i => y.IntSpan[i]).ToArray(), kept.Length), rows.GatherRows(kept));
        var mask = Tensor.FromArray(Tokens().ToIntArray().Select(t => t == 0 ? 0f : 1f).ToArray(), Batch, Length);
        foreach (Metric metric in new Metric[] { new Accuracy(), new SparseCategoricalAccuracy() })
        {
            metric.Update(y, predictions, null, mask);
            Assert.Equal(unpadded.Result(), metric.Result(), 12);
        }
        Assert.NotEqual(unpadded.Result(), sequence.Result(), 6);
    }

    [Fact]
    public void OnlyTheMaskedOutputOfATwoOutputModelIsMasked()
    {
        RandomGenerator.SetGlobalSeed(68);
        var tokens = Model.Input([Length], dtype: DType.Int32);
        var embedded = new Embedding(Vocabulary, 4, maskZero: true).Call(tokens);
        var tags = new Dense(Vocabulary, name: "tags").Call(new Lstm(6, returnSequences: true).Call(embedded));
        var score = new Dense(1, name: "score").Call(new Lstm(3).Call(embedded));   // no time axis: no mask
        var model = new Functional([tokens], [tags, score]);
        model.Compile(new Sgd(0.5f), [Loss(), new Mse()], metrics: [[new Accuracy()], [new DeepSharp.Metrics.MeanAbsoluteError()]]);
        var y = Targets(padding: 4);
        var values = Tensor.FromArray([0.5f, -1f, 2f, 0f], Batch, 1);
        var predictions = model.Predict([Tokens()]);

        var logs = model.Evaluate([Tokens()], [y, values], batchSize: Batch);

        Assert.Equal(UnpaddedLoss(y, predictions[0]), logs["tags_loss"], 1e-5);
        Assert.Equal(new Mse().Compute(values, predictions[1]).Item(), logs["score_loss"], 1e-6);
        Assert.Equal(logs["tags_loss"] + logs["score_loss"], logs["loss"], 1e-5);
        var tokenIds = Tokens().IntSpan;
        int hits = 0;
        foreach (int i in Unpadded()) if (Accuracy.ArgMax(predictions[0].Span.Slice(i * Vocabulary, Vocabulary)) == y.IntSpan[i]) hits++;
        Assert.Equal((double)hits / Unpadded().Length, logs["tags_accuracy"], 12);

        // Training: padded targets of the masked output do not matter.
        var before = Weights(model);
        var other = Targets(padding: 1);
        var h1 = model.Fit([Tokens()], [y, values], batchSize: Batch, epochs: 1, verbose: 0, shuffle: false);
        var trained = Weights(model);
        Restore(model, before);
        var h2 = model.Fit([Tokens()], [other, values], batchSize: Batch, epochs: 1, verbose: 0, shuffle: false);
        Assert.Equal(h1["loss"], h2["loss"]);
        Assert.Equal(trained, Weights(model));
    }
}
