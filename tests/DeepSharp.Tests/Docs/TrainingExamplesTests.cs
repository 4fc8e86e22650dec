using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using MeanSquaredError = DeepSharp.Losses.MeanSquaredError;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The examples of docs/training.md, as the page shows them, each after the data it assumes (small random
/// tensors) and followed by checks of what its comments say; <see cref="EveryExampleOfThePageIsHere"/> keeps
/// the page and this file the same. Examples that write relative paths ("runs/ckpt", "training.csv") run in
/// a temporary working folder (<see cref="WorkingFolder"/>); the History example is in TrainingDocTests.cs.
/// </summary>
[Collection(WorkingFolder.Collection)]
public sealed class TrainingExamplesTests
{
    [Fact]
    public void EveryExampleOfThePageIsHere() =>
        MarkdownExamples.AssertAllIn("training.md", "Docs/TrainingExamplesTests.cs", expectedBlocks: 29,
            section: null, except: "## Reading the history: `History`");

    /// <summary>n samples of f features, and int labels 0/1 that depend on the first two features.</summary>
    private static (Tensor X, Tensor Labels) Samples(int n, int f, int seed = 1)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var x = Tensor.RandomNormal(new Shape(n, f));
        var labels = Tensor.FromArray(x.ToArray().Chunk(f).Select(r => r[0] + r[1] > 0 ? 1 : 0).ToArray(), n);
        return (x, labels);
    }

    private static Sequential Classifier(int features, int classes) =>
        new(new Dense(8, Activation.Relu, inputShape: [features]), new Dense(classes, Activation.Softmax));

    [Fact]
    public void Models()
    {
        var (x, labels) = Samples(32, 8);
        var input = Model.Input([8]);
        var h = new Dense(16, Activation.Relu).Call(input);
        var sum = new Add().Call(h, new Dense(16).Call(new BatchNormalization().Call(h)));   // a residual branch
        var model = new Model(input, new Dense(2, Activation.Softmax).Call(sum));             // name "functional"
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), [new Accuracy()]);
        model.Fit(x, labels, epochs: 4);

        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(a, b);
        var twoByTwo = new Model([a, b], [new Dense(2, Activation.Softmax, name: "out1").Call(joined),
                                  new Dense(1, name: "out2").Call(joined)]);

        Assert.Equal("functional", model.Name);
        Assert.Equal(["a", "b"], twoByTwo.InputNames);
        Assert.Equal(["out1", "out2"], twoByTwo.OutputNames);
    }

    [Fact]
    public void EncoderDecoder()
    {
        RandomGenerator.SetGlobalSeed(2);
        var sources = Tensor.FromArray(Enumerable.Range(0, 16 * 4).Select(i => 1 + (i * 5 + i / 4) % 6).ToArray(), 16, 4);
        var targets = Tensor.FromArray(sources.ToIntArray().Chunk(4).SelectMany(r => r.Reverse()).ToArray(), 16, 4);
        var targetsIn = Tensor.FromArray(targets.ToIntArray().Chunk(4).SelectMany(r => new[] { 0, r[0], r[1], r[2] }).ToArray(), 16, 4);
        var source = Model.Input([4], name: "source", dtype: DType.Int32);
        var targetIn = Model.Input([4], name: "target_in", dtype: DType.Int32);
        var encoded = new Lstm(64, returnState: true, name: "encoder")
            .CallWithState(new Embedding(7, 16).Call(source));                  // [output, h, c]
        var decoded = new Lstm(64, returnSequences: true, name: "decoder")
            .Call(new Embedding(7, 16).Call(targetIn), initialState: [encoded[1], encoded[2]]);
        var seq2seq = new Model([source, targetIn], [new Dense(7, Activation.Softmax).Call(decoded)]);
        seq2seq.Compile(new Adam(0.02f), new SparseCategoricalCrossentropy());
        seq2seq.Fit([sources, targetsIn], [targets], epochs: 12);              // gradients reach the encoder through h and c
        seq2seq.Summary();                                                       // decoder connected to encoder[0][1], encoder[0][2]

        Assert.Equal(new Shape(16, 4, 7), seq2seq.Predict([sources, targetsIn])[0].Shape);
    }

    [Fact]
    public void NamesAsInKeras()
    {
        var (x, labels) = Samples(16, 4);
        var model = Classifier(4, 2);
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);   // Keras's compile(optimizer="adam", ...)
        model.Compile(new Adam(3e-4f), "mse", ["mae"]);                          // names and objects mix
        var hidden = new Dense(64, "relu");                                      // activation="relu"
        Loss huber = Loss.FromName("huber");                                     // keras.losses.get("huber")

        var history = model.Fit(x, DeepSharp.Data.DataUtils.ToCategorical(labels, 2), epochs: 1, verbose: 0);
        Assert.Equal(["loss", "mean_absolute_error"], history.Values.Keys);
        Assert.IsType<MeanSquaredError>(model.Losses[0]);
        Assert.IsType<Huber>(huber);
        Assert.Same(Activation.Relu, hidden.Activation);
    }

    [Fact]
    public void OptimizerState()
    {
        var model = Classifier(4, 2);
        var optimizer = new RmsProp(1e-3f, momentum: 0.9f) { GlobalClipNorm = 1f, WeightDecay = 1e-4f };
        model.Compile(optimizer, new CategoricalCrossentropy(), [new Accuracy()]);

        // Checkpoint support: iterations, the current rate, slots as "layer/weight/slot" tensors, scalars.
        OptimizerState state = optimizer.GetState();
        var resumed = new RmsProp(1e-3f, momentum: 0.9f) { GlobalClipNorm = 1f, WeightDecay = 1e-4f };
        resumed.SetState(state);   // slots are matched by parameter path when each parameter is first updated

        var (x, labels) = Samples(16, 4);
        model.Fit(x, DataUtils.ToCategorical(labels, 2), epochs: 1, verbose: 0);
        Assert.Equal(optimizer.Iterations, optimizer.GetState().Iterations);
    }

    [Fact]
    public void Schedules()
    {
        var model = new Sequential(new Dense(3, inputShape: [4]));
        var schedule = new CosineDecay(0f, decaySteps: 10_000, warmupTarget: 1e-3f, warmupSteps: 500);
        model.Compile(new AdamW(schedule), new SparseCategoricalCrossentropy(fromLogits: true));

        Assert.Equal(0f, model.Optimizer!.LearningRate);   // step 0 of the warm-up
    }

    [Fact]
    public void PositionWeights()
    {
        var tokens = Tensor.FromArray(Enumerable.Range(0, 8 * 5).Select(i => 1 + i % 9).ToArray(), 8, 5);
        var tags = Tensor.FromArray(tokens.ToIntArray().Select(t => t % 3).ToArray(), 8, 5);
        var positionWeights = Tensor.FromArray(Enumerable.Range(0, 8 * 5).Select(i => i % 5 == 4 ? 0f : 1f).ToArray(), 8, 5);
        var model = new Sequential(new Embedding(10, 4, inputShape: [5]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(), new SparseCategoricalCrossentropy());
        model.Fit(tokens, tags, sampleWeight: positionWeights);   // tags (n, T), positionWeights (n, T); 0 drops a position
    }

    [Fact]
    public void LanguageModelLoss()
    {
        var tokens = Tensor.FromArray(Enumerable.Range(0, 8 * 5).Select(i => i % 7).ToArray(), 8, 5);
        var nextTokens = Tensor.FromArray(Enumerable.Range(1, 8 * 5).Select(i => i % 7).ToArray(), 8, 5);
        var model = new Sequential(new Embedding(7, 4, inputShape: [5]), new Dense(7));
        model.Compile(new Adam(3e-3f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0));
        model.Fit(tokens, nextTokens, batchSize: 64, epochs: 10);   // int32 (n, T) and (n, T); logits (n, T, V)
    }

    [Fact]
    public void LossCompute()
    {
        var yTrue = Tensor.FromArray([1f, 0f, 1f], 3, 1);
        var logits = Tensor.FromArray([2f, -1f, 0.5f], 3, 1);
        var weights = Tensor.FromArray([1f, 2f, 0f], 3);
        var loss = new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1f);
        Tensor value = loss.Compute(yTrue, logits, sampleWeight: weights);   // scalar, differentiable

        Assert.Equal(0, value.Rank);
    }

    [Fact]
    public void LossAxes()
    {
        var scores = Tensor.RandomUniform(new Shape(2, 3, 4), -1f, 1f);
        var labels = Tensor.FromArray([0, 1, 2, 0, 2, 2, 1, 0], 2, 4);
        var flags = Tensor.FromArray(scores.ToArray().Select(v => v > 0 ? 1f : 0f).ToArray(), 2, 3, 4);
        // scores (batch, 3 classes, 4 positions), labels (batch, 4): PyTorch's layout, classes on axis 1.
        var perPosition = new SparseCategoricalCrossentropy(fromLogits: true, axis: 1).PerSample(labels, scores);   // (batch, 4)
        var multiLabel = new BinaryCrossentropy(fromLogits: true, axis: 1).PerSample(flags, scores);              // mean over the 3

        Assert.Equal(new Shape(2, 4), perPosition.Shape);
        Assert.Equal(new Shape(2, 4), multiLabel.Shape);
        var moved = Ops.Permute(scores, 0, 2, 1);
        Assert.Equal(new SparseCategoricalCrossentropy(fromLogits: true).PerSample(labels, moved).ToArray(), perPosition.ToArray());
    }

    [Fact]
    public void KerasLosses()
    {
        var (x, labels) = Samples(16, 4);
        var model = new Sequential(new Dense(1, inputShape: [4]));
        var segmenter = new Sequential(new Conv2D(1, 3, padding: Padding.Same, activation: Activation.Sigmoid, inputShape: [6, 6, 1]));
        model.Compile(new Adam(), new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.75f, fromLogits: true));
        segmenter.Compile(new Adam(), new Tversky(alpha: 0.7f, beta: 0.3f, axis: [1, 2, 3]));   // one loss per mask (n, h, w, 1)

        model.Fit(x, labels.ToFloat().View(16, 1), epochs: 1, verbose: 0);
        var images = Tensor.RandomUniform(new Shape(4, 6, 6, 1), 0f, 1f);
        var masks = Tensor.FromArray(images.ToArray().Select(v => v > 0.5f ? 1f : 0f).ToArray(), 4, 6, 6, 1);
        Assert.True(float.IsFinite((float)segmenter.Fit(images, masks, epochs: 1, verbose: 0)["loss"][0]));
    }

    [Fact]
    public void CircleAndFocalAlphaExample()
    {
        var embedder = new Sequential(new Dense(16, inputShape: [8]), new UnitNormalization());
        embedder.Compile(new Adam(1e-3f), new Circle(gamma: 80f, margin: 0.4f));      // or "circle"; labels (batch,)
        var balanced = new CategoricalFocalCrossentropy(alpha: new[] { 0.2f, 0.5f, 0.3f }, gamma: 2f);   // α per class

        var (x, labels) = Samples(16, 8);
        Assert.True(double.IsFinite(embedder.Fit(x, labels, batchSize: 16, epochs: 1, verbose: 0)["loss"][0]));
        Assert.Equal(3, balanced.ClassAlphas!.Count);
    }

    [Fact]
    public void CorrelationMetricsExample()
    {
        var regressor = new Sequential(new Dense(2, inputShape: [4]));
        var pcc = new PearsonCorrelation();                             // keras.metrics.PearsonCorrelation()
        pcc.Update(Tensor.FromArray([0f, 1, 0.5f, 1, 1, 0.2f], 2, 3), Tensor.FromArray([0.1f, 0.9f, 0.5f, 1, 0.9f, 0.2f], 2, 3));
        double r = pcc.Result();                                        // 0.9967, as keras.io's example
        regressor.Compile(new Adam(), "mse", ["pearson_correlation", new ConcordanceCorrelation(axis: 0)]);

        Assert.Equal(0.9966996, r, 5);
        var (x, _) = Samples(8, 4);
        var history = regressor.Fit(x, Tensor.RandomNormal(new Shape(8, 2)), epochs: 1, verbose: 0);
        Assert.Equal(["loss", "pearson_correlation", "concordance_correlation"], history.Values.Keys);
    }

    [Fact]
    public void CtcExample()
    {
        const int frames = 8, features = 3, classes = 4;
        RandomGenerator.SetGlobalSeed(5);
        var spectra = Tensor.RandomNormal(new Shape(32, frames, features));
        var transcripts = Tensor.FromArray(Enumerable.Range(0, 32).SelectMany(i => new[] { 1 + i % 3, 1 + (i / 3) % 3, 0 }).ToArray(), 32, 3);
        var labelLengths = Tensor.FromArray(Enumerable.Repeat(2, 32).ToArray(), 32);
        var frameLengths = Tensor.FromArray(Enumerable.Repeat(frames, 32).ToArray(), 32);
        var recognizer = new Sequential(
            new Lstm(32, returnSequences: true, inputShape: [frames, features]),
            new Dense(classes));                                                // logits per frame; class 0 is the blank
        recognizer.Compile(new Adam(3e-3f), "ctc");                             // Keras's loss="ctc"
        recognizer.Fit(spectra, transcripts, batchSize: 16, epochs: 5);         // (n, frames, features) and int32 (n, maxLabels), 0-padded
        Tensor perSample = Ops.CtcLoss(recognizer.Predict(spectra), transcripts, labelLengths, frameLengths);   // (n,)

        Assert.Equal(new Shape(32), perSample.Shape);
        Assert.Equal(recognizer.Evaluate(spectra, transcripts)["loss"], perSample.ToArray().Average(), 4);
    }

    [Fact]
    public void MaskedOutputs()
    {
        const int vocabulary = 12, maxLength = 6, tagCount = 3;
        var paddedTokens = Tensor.FromArray(Enumerable.Range(0, 8 * maxLength).Select(i => i % maxLength < 4 ? 1 + i % 11 : 0).ToArray(), 8, maxLength);
        var tags = Tensor.FromArray(Enumerable.Range(0, 8 * maxLength).Select(i => i % tagCount).ToArray(), 8, maxLength);
        var logits = Tensor.RandomNormal(new Shape(8, maxLength, tagCount));
        var weights = Tensor.Ones(8);
        var mask = paddedTokens.ToFloat();
        var model = new Sequential(
            new Embedding(vocabulary, 32, maskZero: true, inputShape: [maxLength]),   // mask: token id != 0
            new Lstm(64, returnSequences: true),
            new Dense(tagCount));
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new Accuracy()]);
        model.Fit(paddedTokens, tags, epochs: 5);   // (n, maxLength) ids and tags; padded positions count for nothing

        Tensor value = new SparseCategoricalCrossentropy(fromLogits: true)
            .Compute(tags, logits, sampleWeight: weights, mask: mask);   // mask (batch, time): 1 keep, 0 skip

        Assert.Equal(0, value.Rank);
    }

    [Fact]
    public void Metrics()
    {
        var (xTest, labels) = Samples(20, 4);
        var yTest = labels.ToFloat().View(20, 1);
        var model = new Sequential(new Dense(1, Activation.Sigmoid, inputShape: [4]));
        model.Compile(new Adam(), new BinaryCrossentropy(), [new BinaryAccuracy(), new Auc(), new Precision(), new Recall()]);
        long[,] matrix = ConfusionMatrix.FromPredictions(yTest, model.Predict(xTest));  // rows: true, columns: predicted

        Assert.Equal(20, matrix[0, 0] + matrix[0, 1] + matrix[1, 0] + matrix[1, 1]);
    }

    [Fact]
    public void TheRestOfKerasMetrics()
    {
        var model = new Sequential(new Dense(1, Activation.Sigmoid, inputShape: [4]));
        var rmse = new RootMeanSquaredError();                          // keras.metrics.RootMeanSquaredError()
        rmse.Update(Tensor.FromArray([0f, 1, 0, 0], 2, 2), Tensor.FromArray([1f, 1, 0, 0], 2, 2));
        double value = rmse.Result();                                   // 0.5, as keras.io's example
        var meanIou = new MeanIoU(numClasses: 2);
        meanIou.Update(Tensor.FromArray([0f, 0, 1, 1], 4), Tensor.FromArray([0f, 1, 0, 1], 4), Tensor.FromArray([0.3f, 0.3f, 0.3f, 0.1f], 4));
        double iou = meanIou.Result();                                  // (0.3/0.9 + 0.1/0.7) / 2 = 0.238
        model.Compile(new Adam(), "binary_crossentropy", ["bce", "hinge", new PrecisionAtRecall(0.8f), new TruePositives()]);
        var lossTracker = new Mean("loss");                             // a custom loop's keras.metrics.Mean(name="loss")
        lossTracker.Update(0.8);
        lossTracker.Update(0.6);
        double meanLoss = lossTracker.Result();                         // 0.7

        Assert.Equal(0.5, value, 6);
        Assert.Equal((0.3 / 0.9 + 0.1 / 0.7) / 2, iou, 6);
        Assert.Equal(0.7, meanLoss, 12);
        var (x, labels) = Samples(8, 4);
        var history = model.Fit(x, labels.ToFloat().View(8, 1), epochs: 1, verbose: 0);
        Assert.Equal(["loss", "binary_crossentropy", "hinge", "precision_at_recall", "true_positives"], history.Values.Keys);
    }

    [Fact]
    public void WeightedMetrics()
    {
        var (x, labels) = Samples(40, 4);
        var y = DataUtils.ToCategorical(labels, 2);
        var (xTest, yTest) = (x, y);
        var weights = Tensor.Ones(40);
        var model = Classifier(4, 2);
        model.Compile(new Adam(), new CategoricalCrossentropy(),
            metrics: [new Accuracy()], weightedMetrics: [new Accuracy(), new Auc()]);
        var history = model.Fit(x, y, classWeight: new Dictionary<int, float> { [0] = 4f }, validationSplit: 0.2f);
        // history: loss, accuracy (unweighted), weighted_accuracy and auc (class-weighted), val_...
        var scores = model.Evaluate(xTest, yTest, sampleWeight: weights);   // scores["weighted_accuracy"]

        Assert.Equal(["loss", "accuracy", "weighted_accuracy", "auc", "val_loss", "val_accuracy", "val_weighted_accuracy", "val_auc"], history.Values.Keys);
        Assert.True(scores.ContainsKey("weighted_accuracy"));
    }

    private static (Model TwoByTwo, Tensor Xa, Tensor Xb, Tensor Labels, Tensor Values) TwoByTwo()
    {
        RandomGenerator.SetGlobalSeed(4);
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(a, b);
        var twoByTwo = new Model([a, b], [new Dense(2, Activation.Softmax, name: "out1").Call(joined),
                                          new Dense(1, name: "out2").Call(joined)], name: "two_by_two");
        var xa = Tensor.RandomNormal(new Shape(20, 4));
        var xb = Tensor.RandomNormal(new Shape(20, 3));
        var labels = Tensor.FromArray(xa.ToArray().Chunk(4).Select(r => r[0] > 0 ? 1 : 0).ToArray(), 20);
        var values = Tensor.RandomNormal(new Shape(20, 1));
        return (twoByTwo, xa, xb, labels, values);
    }

    [Fact]
    public void SeveralInputsAndOutputs()
    {
        var (twoByTwo, xa, xb, labels, values) = TwoByTwo();
        var (xaVal, xbVal, labelsVal, valuesVal) = (xa, xb, labels, values);
        twoByTwo.Compile(new Adam(0.01f),
            [new SparseCategoricalCrossentropy(), new MeanSquaredError()],
            lossWeights: [0.5f, 2f],
            metrics: [[new Accuracy()], [new DeepSharp.Metrics.MeanAbsoluteError()]]);
        var history = twoByTwo.Fit([xa, xb], [labels, values], batchSize: 16, epochs: 6,
            validationData: ([xaVal, xbVal], [labelsVal, valuesVal]));
        double total = history["loss"][^1];               // also out1_loss, out2_loss, out1_accuracy, out2_mean_absolute_error
        Tensor[] predictions = twoByTwo.Predict([xa, xb]);   // (n, 2) and (n, 1)

        Assert.Equal((new Shape(20, 2), new Shape(20, 1)), (predictions[0].Shape, predictions[1].Shape));
        Assert.Contains("out2_mean_absolute_error", history.Values.Keys);
        Assert.True(double.IsFinite(total));
    }

    [Fact]
    public void Dictionaries()
    {
        var (twoByTwo, xa, xb, labels, _) = TwoByTwo();
        var weights = Tensor.Ones(20);
        twoByTwo.Compile(new Adam(0.01f),
            new Dictionary<string, Loss> { ["out1"] = new SparseCategoricalCrossentropy() },   // out2: no loss
            metrics: new Dictionary<string, IReadOnlyList<Metric>> { ["out1"] = [new Accuracy()] });
        var x = new Dictionary<string, Tensor> { ["a"] = xa, ["b"] = xb };
        twoByTwo.Fit(x, new Dictionary<string, Tensor> { ["out1"] = labels }, epochs: 6);  // logs loss, out1_loss, out1_accuracy

        // The same with lists, and per-output sample weights (out2 untrained, unweighted).
        twoByTwo.Compile(new Adam(0.01f), [new SparseCategoricalCrossentropy(), null], metrics: [[new Accuracy()], []]);
        twoByTwo.Fit([xa, xb], [labels, null], epochs: 6, validationSplit: 0.2f, sampleWeights: [weights, null]);
        IReadOnlyDictionary<string, Tensor> outputs = twoByTwo.Predict(x);                  // outputs["out1"], outputs["out2"]

        Assert.Equal(["out1", "out2"], outputs.Keys.Order());
    }

    [Fact]
    public void NormalizationAxes()
    {
        var model = new Sequential(
            new BatchNormalization(axis: 1, inputShape: [3, 32, 32]),   // channels-first images: 3 channels
            new LayerNormalization(axis: [1, 2, 3]),                     // each image over all its values
            new Flatten(),
            new Dense(10, Activation.Softmax));

        Assert.Equal(new Shape(2, 10), model.Predict(Tensor.RandomNormal(new Shape(2, 3, 32, 32))).Shape);
    }

    [Fact]
    public void Callbacks()
    {
        using var folder = new WorkingFolder();
        var (x, labels) = Samples(40, 4);
        var y = labels;
        var model = Classifier(4, 2);
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(), [new Accuracy()]);
        var history = model.Fit(x, y, epochs: 100, validationSplit: 0.1f, callbacks:
        [
            new EarlyStopping("val_loss", patience: 5, restoreBestWeights: true),
    new ReduceLROnPlateau("val_loss", factor: 0.5f, patience: 2),
    new CsvLogger("training.csv"),
    new ModelCheckpoint("runs/best.safetensors", "val_accuracy", saveBestOnly: true),
    new ModelCheckpoint("runs/model-{epoch:02d}-{val_loss:.4f}.safetensors"),
    new TerminateOnNaN(),
]);

        Assert.True(File.Exists("training.csv"));
        Assert.True(File.Exists("runs/best.safetensors"));
        Assert.Equal(history.Epochs.Count, Directory.GetFiles("runs", "model-*.safetensors").Length);
    }

    [Fact]
    public void ExactResume()
    {
        using var folder = new WorkingFolder();
        var (x, y) = Samples(40, 4);
        var model = Classifier(4, 2);
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        var backup = new BackupAndRestore("runs/ckpt", saveEveryNSteps: 500,
            runSettings: new Dictionary<string, string> { ["seed"] = "42" });
        backup.Resumed += r => Console.WriteLine($"Resumed from epoch {r.Epoch + 1} step {r.Step}");
        model.Fit(x, y, epochs: 10, callbacks: [backup]);   // after a crash: the same line, the same result

        Assert.False(File.Exists("runs/ckpt/ckpt-latest.safetensors"));   // deleted when training ends normally
    }

    sealed class ShardDataset(string folder, int count) : Dataset
    {
        public override int Count => count;
        public override Batch GetBatch(ReadOnlySpan<int> indices) => ReadRows(folder, indices); // your reader
    }

    /// <summary>The page's "your reader": random rows here.</summary>
    private static Batch ReadRows(string folder, ReadOnlySpan<int> indices) =>
        new(Tensor.RandomNormal(new Shape(indices.Length, 4)), Tensor.FromArray(new int[indices.Length], indices.Length));

    /// <summary>Compiled, not run: the example takes 20,000 steps.</summary>
    internal static void StreamedData(Model model, Tensor xVal, Tensor yVal)
    {
        var train = new DataLoader(new ShardDataset("shards", 1_000_000), batchSize: 128, shuffle: true, prefetch: 2);
        var valid = new DataLoader(new TensorDataset(xVal, yVal), batchSize: 256, shuffle: false);
        model.Fit(train, epochs: 10, validationData: valid, stepsPerEpoch: 2_000);
        var scores = model.Evaluate(valid);
    }

    [Fact]
    public void FitOptionsRecord()
    {
        var (x, y) = Samples(32, 4);
        var (xVal, yVal) = Samples(16, 4, seed: 2);
        var sampleWeight = Tensor.Ones(32);
        var model = Classifier(4, 2);
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        var options = new FitOptions
        {
            Epochs = 20,
            ValidationData = new DataLoader(new TensorDataset(xVal, yVal), batchSize: 256, shuffle: false),
            Callbacks = [new EarlyStopping("val_loss", patience: 3)],
        };
        var train = new DataLoader(new TensorDataset(x, y, sampleWeight), batchSize: 64);
        model.Fit(train, options);
        model.Fit(train, options with { InitialEpoch = 20, Epochs = 30 });   // ten more epochs
    }

    /// <summary>Compiled, not run: it hooks Ctrl-C of the process (CancellationTests cancel Fit from a callback).</summary>
    internal static void Cancellation(Model model, Tensor x, Tensor y)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            model.Fit(x, y, epochs: 10, callbacks: [new BackupAndRestore("runs/ckpt")], cancellationToken: cancel.Token);
        }
        catch (TrainingCanceledException stop)
        {
            Console.WriteLine($"Stopped in epoch {stop.Epoch + 1} after {stop.Step} steps; run again to resume.");
        }
    }

    [Fact]
    public void WeightsAsTensors()
    {
        var model = Classifier(4, 2);
        var kernel = Tensor.Ones(4, 8);
        var bias = Tensor.Zeros(8);
        IReadOnlyList<Tensor> weights = model.GetWeights();   // copies, in Parameters order: dense/kernel, dense/bias, ...
        weights[0].Span.Fill(0f);                             // the model is unchanged
        model.SetWeights(weights);                            // copied in, not kept
        model.Layers[0].SetWeights([kernel, bias]);

        Assert.Equal(kernel.ToArray(), model.GetWeights()[0].ToArray());
    }

    [Fact]
    public void OneBatchCalls()
    {
        var (x, y) = Samples(16, 4);
        var (xVal, yVal) = (x, y);
        var xNew = x;
        var model = Classifier(4, 2);
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(), [new Accuracy()]);
        IReadOnlyDictionary<string, double> logs = model.TrainOnBatch(x, y, sampleWeight: null, classWeight: null, resetMetrics: true);
        var scores = model.TestOnBatch(xVal, yVal);           // "loss", "accuracy", ...
        Tensor probabilities = model.PredictOnBatch(xNew);

        Assert.Equal(["loss", "accuracy"], logs.Keys);
        Assert.Equal(["loss", "accuracy"], scores.Keys);
        Assert.Equal(new Shape(16, 2), probabilities.Shape);
    }

    [Fact]
    public void TensorBoardExampleWritesTrainAndValidationEvents()
    {
        using var folder = new WorkingFolder();
        RandomGenerator.SetGlobalSeed(44);
        var x = Tensor.RandomUniform(new Shape(40, 3), -1f, 1f, new RandomGenerator(45));
        var y = Tensor.RandomUniform(new Shape(40, 1), -1f, 1f, new RandomGenerator(46));
        var model = new Sequential(new Dense(4, Activation.Relu, inputShape: [3]), new Dense(1));
        model.Compile(new Adam(), "mse");
        var history = model.Fit(x, y, epochs: 10, validationSplit: 0.2f, verbose: 0, callbacks:
        [
            new TensorBoard("logs/run1"),                   // logs/run1/train and logs/run1/validation
        ]);
        Assert.Equal(10, history["val_loss"].Count);
        Assert.Single(Directory.GetFiles(Path.Combine("logs", "run1", "train")));
        Assert.Single(Directory.GetFiles(Path.Combine("logs", "run1", "validation")));
    }
}
