using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Data.Augmentation;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The examples of docs/layers.md as the page shows them, each after the small tensors it assumes and followed
/// by checks of the shapes its comments give; <see cref="EveryExampleOfThePageIsHere"/> keeps the page and this
/// file the same (the audio front end's example is in SpeechDocTests.cs).
/// </summary>
public class LayersExamplesTests
{
    [Fact]
    public void EveryExampleOfThePageIsHere() =>
        MarkdownExamples.AssertAllIn("layers.md", "Docs/LayersExamplesTests.cs", expectedBlocks: 38, except: "## Audio front end");

    [Fact]
    public void RnnAndCells()
    {
        RandomGenerator.SetGlobalSeed(31);
        int batch = 2, steps = 6, features = 5;
        var x = Tensor.RandomUniform(new Shape(batch, steps, features), -1f, 1f, new RandomGenerator(3));

        // Keras's RNN(cell): the cell is one step, the RNN runs it over the sequence.
        var lstm = new Rnn(new LstmCell(32), returnSequences: true);   // as new Lstm(32, returnSequences: true)
        var stacked = new Rnn([new LstmCell(32), new GruCell(16)]);    // StackedRNNCells: (batch, 16)
        var y = stacked.Call(lstm.Call(x));

        // PyTorch's nn.LSTMCell loop: one step at a time, the states by hand.
        var cell = new LstmCell(32);
        IReadOnlyList<Tensor> states = cell.GetInitialState(batch);   // [h, c], zeros
        for (int t = 0; t < steps; t++)
        {
            var step = cell.Call(Ops.Reshape(Ops.Slice(x, 1, t, 1), batch, features), states);
            states = step.States;                                      // step.Output is h
        }

        Assert.Equal(new Shape(batch, 16), y.Shape);
        Assert.Equal(2, states.Count);
        cell.SetWeights(lstm.GetWeights());
        states = cell.GetInitialState(batch);
        for (int t = 0; t < steps; t++) states = cell.Call(Ops.Reshape(Ops.Slice(x, 1, t, 1), batch, features), states).States;
        var last = Ops.Reshape(Ops.Slice(lstm.Call(x), 1, steps - 1, 1), batch, 32).ToArray();
        var h = states[0].ToArray();
        for (int i = 0; i < h.Length; i++) Assert.Equal(last[i], h[i], 1e-5f);
    }

    [Fact]
    public void BidirectionalOverCellsAndConvLstm()
    {
        RandomGenerator.SetGlobalSeed(32);
        int batch = 2, steps = 5;
        var x = Tensor.RandomUniform(new Shape(batch, steps, 3), -1f, 1f, new RandomGenerator(3));
        var video = Tensor.RandomUniform(new Shape(batch, 4, 6, 7, 2), -1f, 1f, new RandomGenerator(4));

        // Bidirectional over an RNN of cells and over a ConvLSTM, as Keras's Bidirectional(RNN(LSTMCell(16))).
        var words = new Bidirectional(new Rnn(new LstmCell(16), returnSequences: true));   // (batch, steps, 32)
        var frames = new Bidirectional(new ConvLstm2D(8, 3, padding: Padding.Same));       // (batch, rows, columns, 16)
        var summed = new Bidirectional(new Rnn([new LstmCell(8), new GruCell(8)], returnState: true), MergeMode.Sum);
        var outputs = summed.CallWithState(x);   // [output (batch, 8), forward h, c, h, then backward h, c, h]
        var y = words.Call(x);
        var z = frames.Call(video);              // video (batch, time, rows, columns, channels)
        var both = new Bidirectional(new Gru(8, returnSequences: true), MergeMode.None);   // Keras's merge_mode=None
        var halves = both.CallWithState(x);      // [forward (batch, steps, 8), backward in time order, then h of each]

        Assert.Equal(4, halves.Count);
        Assert.Equal(new Shape(batch, steps, 8), halves[0].Shape);
        Assert.Equal(new Shape(batch, steps, 8), halves[1].Shape);
        Assert.Equal(new Shape(batch, steps, 32), y.Shape);
        Assert.Equal(new Shape(batch, 6, 7, 16), z.Shape);
        Assert.Equal(7, outputs.Count);
        Assert.All(outputs, o => Assert.Equal(new Shape(batch, 8), o.Shape));
        Assert.StartsWith("forward_conv_lstm", frames.ForwardLayer.Name);
    }

    [Fact]
    public void Layers()
    {
        var model = new Sequential(
            new Rescaling(1f / 255, inputShape: [28, 28, 1]),
            new Conv2D(32, 3, padding: Padding.Same, useBias: false),
            new BatchNormalization(),
            new ActivationLayer("relu"),
            new AveragePooling2D(2),
            new Conv2D(64, 3),
            new GlobalAveragePooling2D(),
            new Dense(10, Activation.Softmax));
        model.Summary();

        Assert.Equal(new Shape(1, 10), model.Predict(Tensor.Zeros(1, 28, 28, 1)).Shape);
    }

    [Fact]
    public void Volumes()
    {
        var volumes = new Sequential(
            new Conv3D(8, 3, padding: Padding.Same, activation: Activation.Relu, inputShape: [16, 32, 32, 1]),  // (16, 32, 32, 8)
            new MaxPooling3D(2),                                                                                 // (8, 16, 16, 8)
            new Conv3D(16, (3, 3, 3), strides: (1, 2, 2), padding: Padding.Same, activation: Activation.Relu),  // (8, 8, 8, 16)
            new SpatialDropout3D(0.1f),
            new GlobalAveragePooling3D(),                                                                        // (16)
            new Dense(3, Activation.Softmax));
        volumes.Compile(new Adam(), new SparseCategoricalCrossentropy());

        Assert.Equal(new Shape(8, 8, 8, 16), volumes.Layers[2].ComputeOutputShape(new Shape(8, 16, 16, 8)));
        var y = volumes.Predict(Tensor.RandomUniform(new Shape(2, 16, 32, 32, 1)));
        Assert.Equal(new Shape(2, 3), y.Shape);
    }

    [Fact]
    public void VolumeAutoencoder()
    {
        var autoencoder = new Sequential(
            new Conv3D(8, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu, inputShape: [8, 16, 16, 1]),   // (4, 8, 8, 8)
            new Conv3DTranspose(8, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu),                       // (8, 16, 16, 8)
            new Conv3DTranspose(1, (3, 3, 3), padding: Padding.Same, activation: Activation.Sigmoid));                       // (8, 16, 16, 1)
        autoencoder.Compile(new Adam(), new MeanSquaredError());

        Assert.Equal(new Shape(8, 16, 16, 8), autoencoder.Layers[1].ComputeOutputShape(new Shape(4, 8, 8, 8)));
        var x = Tensor.RandomUniform(new Shape(2, 8, 16, 16, 1));
        Assert.Equal(x.Shape, autoencoder.Predict(x).Shape);
        var history = autoencoder.Fit(x, x, epochs: 1, verbose: 0);
        Assert.True(double.IsFinite(history["loss"][0]));
    }

    [Fact]
    public void MaskingPaddedSteps()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(
            new Masking(0f, inputShape: [6, 2]),   // a step of all zeros is padding
            new Lstm(8),
            new Dense(1));
        var y = model.Predict(Tensor.FromArray(new[] { 0.5f, -1f, 0.25f, 0.75f, 0, 0, 0, 0, 0, 0, 0, 0 }, 1, 6, 2)); // as the two real steps alone

        var front = model.Predict(Tensor.FromArray(new[] { 0f, 0, 0, 0, 0, 0, 0, 0, 0.5f, -1f, 0.25f, 0.75f }, 1, 6, 2));
        Assert.True(Math.Abs(y[0, 0] - front[0, 0]) < 1e-6f, $"{y[0, 0]} vs {front[0, 0]}");
    }

    [Fact]
    public void LambdaSavedByItsFunctionsName()
    {
        using var folder = new DeepSharp.Tests.Data.TempFolder();
        string path = folder.File("squared.safetensors");
        Lambda.Register("square", x => Ops.Multiply(x, x));   // once at start-up, before saving or loading
        var squared = new Sequential(
            new Dense(8, inputShape: [4]),
            new Lambda(Lambda.FindFunction("square")!, functionName: "square"),
            new AlphaDropout(0.1f),
            new Dense(1));
        squared.Save(path);                                   // the file names "square"; Model.Load finds it

        var x = Tensor.RandomUniform(new Shape(3, 4));
        Assert.Equal(squared.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
    }

    [Fact]
    public void MaskedTextClassifier()
    {
        const int maxLength = 7;
        var tokens = Model.Input([maxLength], dtype: DType.Int32);
        var x = new Embedding(20_000, 64, maskZero: true).Call(tokens);     // mask: tokens != 0
        x = new MultiHeadAttention(numHeads: 2, keyDim: 32).Call(x, x);       // real queries see real keys only; mask passes on
        var y = new Dense(2, Activation.Softmax).Call(new GlobalAveragePooling1D().Call(x)); // mean over real steps
        var model = new Model(tokens, y);   // a sequence predicts the same with any amount of padding after it

        var p = model.Predict(Tensor.FromArray(new[] { 5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 5, 9, 0, 0 }, 2, maxLength));
        Assert.Equal(new Shape(2, 2), p.Shape);
        Assert.True(Math.Abs(p[0, 0] - p[1, 0]) < 1e-6f, $"{p[0, 0]} vs {p[1, 0]}");   // padding anywhere is ignored
    }

    [Fact]
    public void EmbeddingLookup()
    {
        var tokens = Tensor.FromArray(new[] { 3, 1, 4, 1 }, 2, 2);   // (batch 2, 2 tokens)
        var vectors = new Embedding(10, 8).Call(tokens);              // (2, 2, 8)
        var flat = new Reshape([-1]).Call(vectors);                    // (2, 16)

        Assert.Equal((new Shape(2, 2, 8), new Shape(2, 16)), (vectors.Shape, flat.Shape));
    }

    [Fact]
    public void RegularizersAndConstraints()
    {
        var model = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, kernelRegularizer: new L2(1e-4f),
                kernelConstraint: new MaxNorm(3f, [0, 1, 2]), inputShape: [28, 28, 1]),
            new Flatten(),
            new Dense(10, Activation.Softmax, activityRegularizer: new L1(1e-5f)));

        model.Compile(new Adam(), new CategoricalCrossentropy());
        model.Fit(Tensor.RandomUniform(new Shape(4, 28, 28, 1)), Tensor.FromArray(new float[4 * 10], 4, 10), verbose: 0);
        Assert.Contains(model.RegularizationLosses, l => l.Item() > 0);   // the kernel's L2 (activity penalties: those of the latest call with gradients)
    }

    [Fact]
    public void PaddingValidSameCausal()
    {
        RandomGenerator.SetGlobalSeed(41);
        // WaveNet-style stack: dilations 1, 2, 4, 8, each output step sees the last 16 inputs and none after.
        var wavenet = new Sequential(
            new Conv1D(16, 2, padding: "causal", dilationRate: 1, activation: "relu", inputShape: [64, 1]),  // (64, 16)
            new Conv1D(16, 2, padding: "causal", dilationRate: 2, activation: "relu"),
            new Conv1D(16, 2, padding: "causal", dilationRate: 4, activation: "relu"),
            new Conv1D(16, 2, padding: "causal", dilationRate: 8, activation: "relu"),                          // (64, 16)
            new Conv1D(1, 1));                                                                                   // (64, 1): the next sample
        var convs = new Sequential(
            new Conv2D(32, 3, padding: "same", activation: "relu", inputShape: [28, 28, 1]),                   // (28, 28, 32)
            new MaxPooling2D(2, padding: "same"));                                                               // (14, 14, 32)

        var x = Tensor.RandomUniform(new Shape(1, 64, 1), -1f, 1f, new RandomGenerator(5));
        var y = wavenet.Predict(x).ToArray();
        Assert.Equal(64, y.Length);
        var later = x.ToArray();
        for (int t = 40; t < 64; t++) later[t] += 1f;                                                            // change steps 40..63 only
        var y2 = wavenet.Predict(Tensor.FromArray(later, 1, 64, 1)).ToArray();
        Assert.Equal(y[..40], y2[..40]);
        Assert.Contains("(None, 14, 14, 32)", convs.Summary(_ => { }));
        Assert.StartsWith("Unknown padding 'sme' for Conv2D; expected 'valid' or 'same'",
            Assert.Throws<ArgumentException>(() => new Conv2D(32, 3, padding: "sme")).Message);
    }

    [Fact]
    public void ConvolutionVariants()
    {
        var input = Model.Input([32, 32, 3]);
        var skip = new Conv2D(16, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var down = new SeparableConv2D(32, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu).Call(skip);  // (16, 16, 32)
        var up = new Conv2DTranspose(16, 3, strides: 2, padding: Padding.Same).Call(down);                               // (32, 32, 16)
        var output = new Conv2D(1, 1, activation: Activation.Sigmoid).Call(new Concatenate().Call(up, skip));
        var unet = new Model(input, output);

        Assert.Equal(new Shape(1, 32, 32, 1), unet.Predict(Tensor.Zeros(1, 32, 32, 3)).Shape);
    }

    [Fact]
    public void TextClassifier()
    {
        RandomGenerator.SetGlobalSeed(5);
        var tokens = Tensor.FromArray(Enumerable.Range(0, 10 * 80).Select(i => i % 80 < 60 ? 1 + i * 7 % 19_999 : 0).ToArray(), 10, 80);
        var labels = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => i % 2).ToArray(), 10);
        // Text classifier: token ids (batch, 80), 0 = padding, vocabulary of 20,000.
        var model = new Sequential(
            new Embedding(20_000, 64, maskZero: true, inputShape: [80]),   // mask: 1 where the id is not 0
            new Bidirectional(new Lstm(64, returnSequences: true, dropout: 0.2f)),
            new Lstm(32, recurrentDropout: 0.2f),                           // skips the padded steps
            new Dense(2, Activation.Softmax));
        model.Compile(new Adam(), new SparseCategoricalCrossentropy());
        model.Fit(tokens, labels, batchSize: 32, epochs: 3, validationSplit: 0.1f);
        model.Summary();

        Assert.Equal(new Shape(10, 2), model.Predict(tokens).Shape);
    }

    [Fact]
    public void States()
    {
        var source = Tensor.RandomNormal(new Shape(2, 5, 3));
        var target = Tensor.RandomNormal(new Shape(2, 4, 3));
        var encoder = new Lstm(32, returnState: true);
        var states = encoder.CallWithState(source);                  // [output, h, c]
        var decoder = new Lstm(32, returnSequences: true, returnState: true);
        var decoded = decoder.CallWithState(target, initialState: [states[1], states[2]]);

        Assert.Equal(3, states.Count);
        Assert.Equal((new Shape(2, 4, 32), new Shape(2, 32)), (decoded[0].Shape, decoded[1].Shape));
    }

    [Fact]
    public void NextFramePrediction()
    {
        var frames = Tensor.RandomUniform(new Shape(4, 10, 16, 16, 1), generator: new RandomGenerator(1));
        var nextFrames = Tensor.RandomUniform(new Shape(4, 10, 16, 16, 1), generator: new RandomGenerator(2));
        // frames: (batch, 10, 16, 16, 1) in [0, 1]; nextFrames: the same frames one step later.
        var model = new Sequential(
            new ConvLstm2D(16, (5, 5), padding: Padding.Same, returnSequences: true, activation: Activation.Relu, inputShape: [10, 16, 16, 1]),
            new BatchNormalization(),
            new ConvLstm2D(16, (3, 3), padding: Padding.Same, returnSequences: true, activation: Activation.Relu),
            new Conv3D(1, (3, 3, 3), padding: Padding.Same, activation: Activation.Sigmoid));   // (batch, 10, 16, 16, 1)
        model.Compile(new Adam(), new BinaryCrossentropy());
        model.Fit(frames, nextFrames, batchSize: 4, epochs: 1);
        model.Summary();

        Assert.Equal(new Shape(4, 10, 16, 16, 1), model.Predict(frames).Shape);
        Assert.Equal(4 * 16 * (25 * 1 + 25 * 16 + 1), model.Layers[0].ParameterCount);
    }

    [Fact]
    public void Attention()
    {
        var query = Tensor.RandomNormal(new Shape(2, 3, 8));
        var value = Tensor.RandomNormal(new Shape(2, 5, 8));
        var x = Tensor.RandomNormal(new Shape(2, 5, 8));
        var mask = Tensor.Ones(2, 5, 5);
        var mha = new MultiHeadAttention(numHeads: 4, keyDim: 16);
        var y = mha.Call(query, value);                                          // (batch, Tq, dq)
        var c = mha.Call(x, x, attentionMask: mask, useCausalMask: true);         // mask (batch, Tq, Tv), nonzero: may attend
        var (output, scores) = mha.CallWithScores(query, value);                  // scores (batch, heads, Tq, Tv)

        Assert.Equal((new Shape(2, 3, 8), new Shape(2, 5, 8)), (y.Shape, c.Shape));
        Assert.Equal(new Shape(2, 4, 3, 5), scores.Shape);
        Assert.Equal(y.ToArray(), output.ToArray());
    }

    [Fact]
    public void GroupQueryAttentionRmsNormalizationAndEinsumDense()
    {
        RandomGenerator.SetGlobalSeed(2);
        var tokens = Model.Input([16, 64]);                                    // (batch, 16 steps, 64 features)
        var h = new RmsNormalization().Call(tokens);                           // x / √(mean(x²) + 1e-6) · scale
        var attended = new GroupQueryAttention(headDim: 16, numQueryHeads: 4, numKeyValueHeads: 2)
            .Call(h, h, useCausalMask: true);                                  // 4 query heads share 2 key/value heads
        var x = new Add().Call(tokens, attended);
        var heads = new EinsumDense("abc,cde->abde", [null, 4, 16], biasAxes: "de").Call(x);   // (batch, 16, 4, 16)
        var merged = new EinsumDense("abcd,cde->abe", [null, 64]).Call(heads);                // (batch, 16, 64)
        var model = new Functional(tokens, merged);

        Assert.Equal((new Shape(16, 4, 16), new Shape(16, 64)), (heads.Shape, merged.Shape));
        Assert.Equal(new Shape(2, 16, 64), model.Predict(Tensor.RandomNormal(new Shape(2, 16, 64))).Shape);
        var gqa = model.Layers.OfType<GroupQueryAttention>().Single();
        Assert.Equal([new Shape(64, 4, 16), new Shape(4, 16), new Shape(64, 2, 16), new Shape(2, 16)], gqa.Parameters.Take(4).Select(p => p.Shape));
    }

    [Fact]
    public void GroupQueryAttentionDecoderSteps()
    {
        RandomGenerator.SetGlobalSeed(3);
        const int Vocabulary = 50, Context = 16;
        var ids = Model.Input([Context], dtype: DType.Int32);
        var e = new Embedding(Vocabulary, 32).Call(ids);
        var n = new RmsNormalization().Call(e);
        var y = new Add().Call(e, new GroupQueryAttention(headDim: 8, numQueryHeads: 4, numKeyValueHeads: 1)
            .Call(n, n, useCausalMask: true));                                 // multi-query: the cache keeps 1 key/value head
        var decoder = new Functional(ids, new Dense(Vocabulary).Call(y));
        var kv = new KvCache(Context);
        var first = decoder.Step(Tensor.FromArray(new[] { 3, 9, 4 }, 1, 3), kv);    // the prompt: logits (1, 3, Vocabulary)
        var more = decoder.Step(Tensor.FromArray(new[] { 7 }, 1, 1), kv);          // one more token: (1, 1, Vocabulary)

        Assert.Equal((new Shape(1, 3, Vocabulary), new Shape(1, 1, Vocabulary)), (first.Shape, more.Shape));
        var tokens = new int[Context];
        new[] { 3, 9, 4, 7 }.CopyTo(tokens, 0);
        var full = decoder.Call(Tensor.FromArray(tokens, 1, Context)).ToArray();   // the causal model's rows 0..3 ignore the padding after them
        var stepped = first.ToArray().Concat(more.ToArray()).ToArray();
        for (int i = 0; i < stepped.Length; i++) Assert.True(Math.Abs(full[i] - stepped[i]) <= 1e-5f * (1 + Math.Abs(full[i])), $"logit {i}: {stepped[i]} vs {full[i]}");
        var gqa = decoder.Layers.OfType<GroupQueryAttention>().Single();
        Assert.Equal(new Shape(1, Context, 1, 8), kv.SelfAttention(gqa).Keys!.Shape);
    }

    [Fact]
    public void RmsNormOp()
    {
        var row = Tensor.FromArray([0f, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 10);
        var normalized = Ops.RmsNorm(row, scale: null, epsilon: 1e-6f);    // row / √28.5: [0, 0.1873, 0.3746, …]

        var values = normalized.ToArray();
        for (int i = 0; i < 10; i++) Assert.Equal(i / Math.Sqrt(28.5 + 1e-6), values[i], 1e-6);
        Assert.Equal(0.1873, values[1], 4);
    }

    [Fact]
    public void DecoderOnlyModel()
    {
        RandomGenerator.SetGlobalSeed(6);
        var text = Enumerable.Range(0, 2 * 33).Select(i => (i * 5) % 64).ToArray();
        var batches = Enumerable.Range(0, 2).Select(b =>
            (Tensor.FromArray(text.Skip(b * 33).Take(32).ToArray(), 1, 32), Tensor.FromArray(text.Skip(b * 33 + 1).Take(32).ToArray(), 1, 32)));
        const int Vocabulary = 64, Context = 32;
        var tokens = Model.Input([Context], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(Vocabulary, 64).Call(tokens);
        x = new Add().Call(x, new PositionEmbedding(Context).Call(x));
        x = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 256, dropout: 0.1f).Call(x);
        x = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 256, dropout: 0.1f).Call(x);
        var model = new Functional(tokens, new Dense(Vocabulary).Call(x), name: "char_gpt");

        var optimizer = new Adam(3e-3f);
        var parameters = model.TrainableParameters.ToArray();
        foreach (var (inputs, targets) in batches)          // int32 (batch, Context): targets are inputs shifted by one
        {
            using var scope = Tensor.Scope();
            var logits = Ops.Reshape(model.Call(inputs, training: true), -1, Vocabulary);
            var loss = Ops.Mean(Ops.SparseSoftmaxCrossEntropy(logits, targets.View(-1)));
            foreach (var p in parameters) p.Value.Grad?.Span.Clear();
            loss.Backward();
            optimizer.Apply(parameters);
        }

        // Generation: the prompt in one step, then one token per step; each step costs O(T).
        var cache = new KvCache(Context);
        var prompt = Tensor.FromArray(new[] { 7, 12, 3 }, 1, 3);   // (1, n) token ids
        var next = model.Step(prompt, cache);                       // logits (1, n, Vocabulary)
        for (int i = 0; i < 20 && cache.Length < Context; i++)
        {
            var last = next.Span.Slice((next.Shape[1] - 1) * Vocabulary, Vocabulary);      // logits of the newest position
            int token = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(last);   // greedy
            next = model.Step(Tensor.FromArray(new[] { token }, 1, 1), cache);   // (1, 1, Vocabulary)
        }

        Assert.Equal(new Shape(1, 1, Vocabulary), next.Shape);
        Assert.Equal(3 + 20, cache.Length);
    }

    [Fact]
    public void MasksInGraphs()
    {
        var query = Model.Input([10, 32]);
        var mask = Model.Input([10, 10]);
        var attended = new MultiHeadAttention(4, 8).Call(query, query, attentionMask: mask, useCausalMask: true);
        var model = new Functional([query, mask], [new Dense(5).Call(attended)]);

        Assert.Equal(["input_layer", "input_layer_1"], model.InputNames);
    }

    [Fact]
    public void Activations()
    {
        var x = Tensor.FromArray([-2f, 3f], 2);
        var hidden = new Dense(64, Activation.Gelu);
        var act = new ActivationLayer("leaky_relu");
        var y = Ops.LeakyRelu(x, negativeSlope: 0.1f);
        var attention = new Dense(8, activation: "sparsemax");          // rows summing to 1, mostly exact zeros
        var shrunk = Ops.SoftShrink(x, threshold: 0.25f);               // Keras's soft_shrink(x, threshold=0.25)

        Assert.Equal([-0.2f, 3f], y.ToArray());
        Assert.Same(Activation.Sparsemax, attention.Activation);
        Assert.Equal([-1.75f, 2.75f], shrunk.ToArray());
        Assert.Same(Activation.Gelu, hidden.Activation);
        Assert.Equal("leaky_relu", act.Activation.Name);
    }

    [Fact]
    public void Augmentation()
    {
        var augment = new Sequential(
            new RandomFlip("horizontal", inputShape: [32, 32, 3]),
            new RandomRotation(0.1f),                       // ±36°
            new RandomTranslation(0.1f, 0.1f),
            new RandomZoom((-0.2f, 0.2f), fillMode: FillMode.Constant));

        var images = Tensor.RandomUniform(new Shape(2, 32, 32, 3));
        Assert.Equal(images.ToArray(), augment.Predict(images).ToArray());   // the identity at inference
    }

    [Fact]
    public void SingleImages()
    {
        var photo = Tensor.RandomUniform(new Shape(48, 64, 3), 0f, 255f);               // one image, no batch axis
        var turned = new RandomRotation(0.1f, seed: 1).Call(photo, training: true);      // (48, 64, 3)
        var thumbnail = new Resizing(24, 32).Call(photo);                                // (24, 32, 3)

        Assert.Equal(new Shape(48, 64, 3), turned.Shape);
        Assert.Equal(new Shape(24, 32, 3), thumbnail.Shape);
        Assert.Equal(new Resizing(24, 32).Call(photo.View(1, 48, 64, 3)).ToArray(), thumbnail.ToArray());
    }

    [Fact]
    public void SequencesAndTimeDistributed()
    {
        var frames = new Sequential(
            new TimeDistributed(new Conv2D(16, 3, activation: Activation.Relu), inputShape: [8, 32, 32, 3]),
            new TimeDistributed(new GlobalAveragePooling2D()),   // (batch, 8, 16)
            new SpatialDropout1D(0.2f),
            new Conv1D(32, 3),
            new LeakyRelu(),                                     // slope 0.3
            new GlobalMaxPooling1D(),
            new Dense(5, Activation.Softmax));

        var seq2seq = new Sequential(
            new Lstm(64, inputShape: [20, 8]),                  // encoder: (batch, 64)
            new RepeatVector(10),                               // (batch, 10, 64)
            new Lstm(64, returnSequences: true),
            new TimeDistributed(new Dense(8)));

        Assert.Equal(new Shape(1, 5), frames.Predict(Tensor.Zeros(1, 8, 32, 32, 3)).Shape);
        Assert.Equal(new Shape(2, 10, 8), seq2seq.Predict(Tensor.Zeros(2, 20, 8)).Shape);
    }

    [Fact]
    public void FunctionalApi()
    {
        RandomGenerator.SetGlobalSeed(8);
        var images = Tensor.RandomUniform(new Shape(4, 28, 28, 1));
        var labels = Tensor.FromArray([0, 3, 9, 1], 4);
        var input = Model.Input([28, 28, 1]);
        var x = new Conv2D(32, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var y = new Conv2D(32, 3, padding: Padding.Same).Call(new BatchNormalization().Call(x));
        var residual = new ActivationLayer("relu").Call(new Add().Call(x, y));
        var output = new Dense(10, Activation.Softmax).Call(new GlobalAveragePooling2D().Call(residual));
        var model = new Model(input, output, name: "resnet_block");
        model.Compile(new Adam(), new SparseCategoricalCrossentropy());
        model.Fit(images, labels, epochs: 3);
        model.Summary();   // adds Keras's "Connected to" column: add ← conv2d[0][0], conv2d_1[0][0]

        Assert.Equal("resnet_block", model.Name);
        string summary = model.Summary(_ => { });
        Assert.Contains("Connected to", summary);
        Assert.Matches(@"add \(Add\) .* conv2d\[0\]\[0\] .*\n.* conv2d_1\[0\]\[0\]", summary);
    }

    [Fact]
    public void SeveralInputs()
    {
        var xa = Tensor.RandomNormal(new Shape(6, 4));
        var xb = Tensor.RandomNormal(new Shape(6, 3));
        var target = Tensor.RandomNormal(new Shape(6, 1));
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var merged = new Concatenate().Call(new Dense(6).Call(a), b);
        var twoInputs = new Model([a, b], [new Dense(1).Call(merged)]);
        IReadOnlyList<Tensor> outputs = twoInputs.Call([xa, xb], training: true);
        twoInputs.Compile(new Adam(), new MeanSquaredError());
        twoInputs.Fit([xa, xb], [target], epochs: 5);

        Assert.Equal(new Shape(6, 1), outputs[0].Shape);
    }

    [Fact]
    public void PreprocessingExamplesRun()
    {
        RandomGenerator.SetGlobalSeed(41);
        var xTrain = DeepSharp.Autograd.Ops.Affine(Tensor.RandomUniform(new Shape(80, 3), -1f, 1f, new RandomGenerator(42)), 30f, 100f);
        var yTrain = Tensor.RandomUniform(new Shape(80, 1), -1f, 1f, new RandomGenerator(43));
        using var temp = new DeepSharp.Tests.Data.TempFolder();
        string path = temp.File("normalized.safetensors");
        var normalizer = new Normalization();               // one mean and variance per feature (axis -1)
        normalizer.Adapt(xTrain);                           // Keras's adapt: the training data's statistics
        var model = new Sequential(
            normalizer,
            new Dense(32, Activation.Relu),
            new Dense(1));
        model.Compile(new Adam(0.01f), "mse");
        model.Fit(xTrain, yTrain, epochs: 30, validationSplit: 0.2f, verbose: 0);
        model.Save(path);                                   // the mean and variance go with the weights
        Assert.Equal(normalizer.Mean!.ToArray(), ((Normalization)Model.Load(path).Layers[0]).Mean!.ToArray());

        var scaler = new Normalization(mean: [5f], variance: [4f]);                 // (x − 5) / 2
        var unscale = new Normalization(mean: [5f], variance: [4f], invert: true);  // x·2 + 5
        var perPixel = new Normalization(axis: [1, 2, 3]);  // images: one mean and variance per (row, column, channel)
        var global = new Normalization(axis: []);           // Keras's axis=None: one mean and variance for all values
        Assert.Equal([-2f], scaler.Call(Tensor.FromArray([1f], 1, 1)).ToArray());
        Assert.Equal([7f], unscale.Call(Tensor.FromArray([1f], 1, 1)).ToArray());
        Assert.Equal(3, perPixel.Axis.Count);
        Assert.Empty(global.Axis);
    }

    [Fact]
    public void ImagePreprocessingGroupAndUnitNormalization()
    {
        var images = new Sequential(
            new Resizing(40, 40, cropToAspectRatio: true, inputShape: [48, 64, 3]),  // any photo size → 40×40, undistorted
            new Rescaling(1f / 255),
            new RandomCrop(32, 32, seed: 1),                  // training: a random 32×32 window; Predict: the centre, resized
            new RandomContrast(0.2f, valueRange: (0f, 1f), seed: 2),
            new RandomBrightness(0.1f, valueRange: (0f, 1f), seed: 3),
            new Conv2D(32, 3, padding: Padding.Same),
            new GroupNormalization(groups: 8),                // 4 channels per group
            new ActivationLayer("relu"),
            new GlobalAveragePooling2D(),
            new Dense(16),
            new UnitNormalization());                         // unit-length embeddings

        var embedding = images.Predict(Tensor.RandomUniform(new Shape(2, 48, 64, 3), 0f, 255f, new RandomGenerator(1))).ToArray();
        Assert.Equal(32, embedding.Length);
        Assert.Equal(1.0, embedding.Take(16).Sum(v => (double)v * v), 1e-5);
    }

    [Fact]
    public void ColourAndPixelAugmentations()
    {
        var colour = new Sequential(
            new Rescaling(1f / 255, inputShape: [32, 32, 3]),
            new AutoContrast(valueRange: (0f, 1f)),                      // always: each channel stretched to [0, 1]
            new RandomColorJitter((0f, 1f), brightnessFactor: 0.2f, contrastFactor: 0.2f, saturationFactor: 0.8f, hueFactor: 0.1f, seed: 1),
            new RandomSharpness(0.8f, valueRange: (0f, 1f), seed: 2),    // blur ... sharpen, 0.5 keeps the image
            new RandomPosterization(6, valueRange: (0f, 1f), seed: 3),   // 1 to 5 bits per channel
            new RandomInvert(0.1f, valueRange: (0f, 1f), seed: 4),
            new RandomShear(0.2f, 0.2f, seed: 5),
            new Conv2D(16, 3, activation: Activation.Relu),
            new GlobalAveragePooling2D(),
            new Dense(10));

        var photos = Tensor.RandomUniform(new Shape(2, 32, 32, 3), 0f, 255f, new RandomGenerator(1));
        Assert.Equal(new Shape(2, 10), colour.Predict(photos).Shape);
        var augmented = colour.Layers[2].Call(colour.Layers[1].Call(colour.Layers[0].Call(photos)), training: true);
        Assert.All(augmented.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void BlurPerspectiveEqualizationRandAugmentAndAugMix()
    {
        var photo = Tensor.RandomUniform(new Shape(32, 32, 3), 0f, 255f, new RandomGenerator(1));
        var policy = new Sequential(
            new RandomGaussianBlur(0.3f, kernelSize: 5, sigma: 1f, seed: 1, inputShape: [32, 32, 3]),
            new RandomPerspective(0.5f, scale: 0.2f, seed: 2),
            new Equalization(),                                   // values in [0, 255]
            new RandAugment(numOps: 2, factor: 0.5f, seed: 3),
            new AugMix(numChains: 3, chainDepth: 3, seed: 4),
            new Rescaling(1f / 255),
            new Conv2D(16, 3, activation: Activation.Relu),
            new GlobalAveragePooling2D(),
            new Dense(10));
        var augmented = new AugMix(seed: 5).Call(photo, training: true);   // one image (32, 32, 3), no batch axis

        Assert.Equal(new Shape(32, 32, 3), augmented.Shape);
        Assert.All(augmented.ToArray(), v => Assert.InRange(v, 0f, 255f));
        var batch = Ops.Reshape(photo, 1, 32, 32, 3);
        Assert.Equal(new Shape(1, 10), policy.Predict(batch).Shape);
        Assert.Equal(batch.ToArray(), policy.Layers[4].Call(policy.Layers[3].Call(batch)).ToArray());   // the identity at inference
    }

    [Fact]
    public void MixUpAndCutMixOverALoader()
    {
        var images = Tensor.RandomUniform(new Shape(64, 8, 8, 3), 0f, 1f, new RandomGenerator(1));
        var oneHotLabels = DataUtils.ToCategorical(Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i % 4).ToArray(), 64), 4);
        var classifier = new Sequential(new Flatten(inputShape: [8, 8, 3]), new Dense(4, Activation.Softmax));
        classifier.Compile(new Adam(), "categorical_crossentropy");

        var loader = new DataLoader(new TensorDataset(images, oneHotLabels), batchSize: 32);
        classifier.Fit(new MixUp(alpha: 0.2f, seed: 1).Over(loader), epochs: 2, verbose: 0);    // or new CutMix(seed: 1).Over(loader)
        var (mixed, mixedLabels) = new CutMix(factor: 1f, seed: 2).Apply(images, oneHotLabels);

        Assert.Equal(images.Shape, mixed.Shape);
        Assert.All(Enumerable.Range(0, 64), n => Assert.Equal(1.0, mixedLabels.ToArray().Skip(n * 4).Take(4).Sum(), 4));
    }

    [Fact]
    public void ResizingMethodsGrayscaleAndSolarization()
    {
        var thumbnails = new Sequential(
            new Resizing(64, 64, Interpolation.Area, padToAspectRatio: true, inputShape: [120, 160, 3]),  // letterbox, then average
            new Resizing(96, 96, Interpolation.Lanczos3),                                                // sharp upscale
            new Resizing(24, 24, Interpolation.Bicubic, antialias: true),                                // shrink without aliasing
            new RandomGrayscale(0.2f, seed: 4),               // training: one image in five turned grey
            new Solarization(additionFactor: 0f, thresholdFactor: 0.5f, seed: 5));  // training: invert what reaches a random threshold

        var photos = Tensor.RandomUniform(new Shape(2, 120, 160, 3), 0f, 255f, new RandomGenerator(1));
        var small = thumbnails.Predict(photos);
        Assert.Equal(new Shape(2, 24, 24, 3), small.Shape);
        Assert.All(small.ToArray(), v => Assert.InRange(v, -20f, 275f)); // cubic filters overshoot a little
    }

    [Fact]
    public void LookupAndHashing()
    {
        var userIds = Tensor.FromArray(new[] { 12, 1138, 42, 42, 1000, 36 }, 2, 3);
        var lookup = new IntegerLookup(vocabulary: [12, 36, 1138, 42]);   // 1000 is unknown: index 0
        var indices = lookup.Call(userIds);                                 // [[1, 3, 4], [4, 0, 2]]
        var bins = new Hashing(numBins: 3).HashStrings(["A", "B", "C"]);    // [[1], [0], [1]], Keras's bins

        var colours = new StringLookup(maskToken: "").Adapt(["red", "green", "red"]);
        var model = new Sequential(new Embedding(colours.VocabularySize, 4, inputShape: [1]), new Flatten(), new Dense(1));
        model.StringLookup = colours;                                       // saved with the model
        var predictions = model.Predict(colours.Lookup(["red", "", "blue"])); // ids 2, 0 (the mask), 1 (unknown)

        Assert.Equal([1f, 3f, 4f, 4f, 0f, 2f], indices.ToArray());
        Assert.Equal([1f, 0f, 1f], bins.ToArray());
        Assert.Equal([2f, 0f, 1f], colours.Lookup(["red", "", "blue"]).ToArray());
        Assert.Equal(new Shape(3, 1), predictions.Shape);
    }

    [Fact]
    public void TfIdfLookups()
    {
        var words = new StringLookup(["a", "b", "c", "d"], outputMode: "tf_idf", idfWeights: [0.25f, 0.75f, 0.6f, 0.4f]);
        var tfIdf = words.Lookup(["a", "c", "d", "d", "d", "z", "b", "z"], [2, 4]);   // [[0, 0.25, 0, 0.6, 0.8], [1, 0, 0.75, 0, 0.4]]
        var learned = new IntegerLookup(outputMode: "tf_idf");
        learned.Adapt(Tensor.FromArray(new[] { 5, 5, 6, 7, 5, 8 }, 3, 2));              // 3 documents: idf of 5 is log(1 + 3/3)

        float[] expected = [0f, 0.25f, 0f, 0.6f, 0.8f, 1f, 0f, 0.75f, 0f, 0.4f];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], tfIdf.ToArray()[i], 5);
        Assert.Equal(Math.Log(2), learned.IdfWeights![1], 5);
    }

    [Fact]
    public void MergeLayers()
    {
        var a = Model.Input([8], name: "a");
        var b = Model.Input([8], name: "b");
        var shared = new Dense(16, Activation.Tanh);
        var (ha, hb) = (shared.Call(a), shared.Call(b));
        var features = new Concatenate().Call(new Subtract().Call(ha, hb), new Maximum().Call(ha, hb),
            new Dot(axes: 1, normalize: true).Call(ha, hb));                    // (16 + 16 + 1)
        var siamese = new Model([a, b], [new Dense(1, Activation.Sigmoid).Call(features)]);

        Assert.Equal(33, features.Shape[features.Shape.Rank - 1]);
        var x = Tensor.RandomUniform(new Shape(3, 8), -1f, 1f, new RandomGenerator(4));
        var same = siamese.Predict([x, x])[0].ToArray();
        Assert.Equal(3, same.Length);
        Assert.All(same, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void AttentionAndAdditiveAttention()
    {
        var encoded = Model.Input([20, 32], name: "encoded");
        var decoded = Model.Input([12, 32], name: "decoded");
        var sourceMask = Model.Input([20], name: "source_mask");                  // 1 for real steps, 0 for padding
        var self = new Attention(useScale: true).Call(decoded, decoded, useCausalMask: true);
        var (context, weights) = new AdditiveAttention().CallWithScores(self, encoded, valueMask: sourceMask);
        var model = new Model([encoded, decoded, sourceMask], [new Dense(10).Call(new Concatenate().Call(self, context)), weights]);

        var rng = new RandomGenerator(5);
        var mask = Tensor.FromArray(Enumerable.Range(0, 2 * 20).Select(i => i % 20 < 15 ? 1f : 0f).ToArray(), 2, 20);
        var outputs = model.Predict([Tensor.RandomUniform(new Shape(2, 20, 32), -1f, 1f, rng), Tensor.RandomUniform(new Shape(2, 12, 32), -1f, 1f, rng), mask]);
        Assert.Equal(new Shape(2, 12, 10), outputs[0].Shape);
        Assert.Equal(new Shape(2, 12, 20), outputs[1].Shape);
        var w = outputs[1].ToArray();
        for (int row = 0; row < 2 * 12; row++)
        {
            Assert.Equal(1.0, w.Skip(row * 20).Take(20).Sum(v => (double)v), 1e-5);
            Assert.All(w.Skip(row * 20 + 15).Take(5), v => Assert.True(v < 1e-6f, "padded source steps get no weight"));
        }
    }
}
