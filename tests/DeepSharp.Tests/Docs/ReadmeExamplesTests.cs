using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The C# examples of README.md as the page shows them (its MNIST example is samples/MnistCnn/Program.cs,
/// which the solution builds), with what their comments promise checked. The names Transformer is compiled,
/// not run: ten epochs on the names take too long for the suite (<c>deepsharp train names</c> is tested).
/// </summary>
[Collection(WorkingFolder.Collection)]
public sealed class ReadmeExamplesTests
{
    [Fact]
    public void TheFirstProgramTrainsSavesLoadsAndPredicts()
    {
        using var folder = new WorkingFolder();
        RandomGenerator.SetGlobalSeed(1);
        var x = Tensor.FromArray([0f, 0, 0, 1, 1, 0, 1, 1], 4, 2);      // XOR's four inputs
        var y = Tensor.FromArray([0f, 1, 1, 0], 4, 1);                   // and its answers
        var model = new Sequential(new Dense(16, Activation.Tanh, inputShape: [2]), new Dense(1, Activation.Sigmoid));
        model.Compile(new Adam(0.05f), new BinaryCrossentropy());
        model.Fit(x, y, batchSize: 4, epochs: 200, verbose: 0);
        model.Save("xor.safetensors");
        var p = Model.Load("xor.safetensors").Predict(x).ToArray();
        Console.WriteLine(string.Join(" ", p.Select(v => v.ToString("F2"))));   // near 0 1 1 0

        Assert.Equal([0f, 1f, 1f, 0f], p.Select(v => MathF.Round(v)));
        Assert.True(File.Exists("xor.safetensors"));
    }

    [Fact]
    public void SaveLoadPredict()
    {
        using var folder = new WorkingFolder();
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(new Conv2D(2, (3, 3), activation: Activation.Relu, inputShape: [8, 8, 1]), new Flatten(), new Dense(10, Activation.Softmax));
        var other = new Sequential(new Conv2D(2, (3, 3), activation: Activation.Relu, inputShape: [8, 8, 1]), new Flatten(), new Dense(10, Activation.Softmax));
        var xTest = Tensor.RandomUniform(new Shape(5, 8, 8, 1));
        model.Save("runs/mnist/model.safetensors");
        var loaded = Model.Load("runs/mnist/model.safetensors");    // architecture + weights
        var probabilities = loaded.Predict(xTest);                   // (10000, 10)

        model.SaveWeights("weights.safetensors");                    // weights only
        other.LoadWeights("weights.safetensors");                    // names and shapes must match
        model.ExportOnnx("model.onnx");                              // ONNX opset 17, for ONNX Runtime and others

        Assert.Equal(new Shape(5, 10), probabilities.Shape);
        Assert.Equal(model.Predict(xTest).ToArray(), other.Predict(xTest).ToArray());
        Assert.True(File.Exists("model.onnx"));
    }

    /// <summary>Compiled, not run (ten epochs on the names).</summary>
    internal static void NamesTransformer()
    {
        var names = FirstNames.Load();                                   // ~5k names, fetched with npm and checked
        var split = DataSplit.Shuffled(names, validationFraction: 0.1, testFraction: 0.1);
        var vocabulary = CharVocabulary.Build(names, ".");               // "." starts and ends every name
        var data = new CharLanguageModelData(vocabulary, context: 16);   // ".anna" → "anna.", padded with 0

        var tokens = Model.Input([16], dtype: DType.Int32);
        var h = new Embedding(vocabulary.VocabularySize, 96).Call(tokens);
        h = new Add().Call(h, new PositionEmbedding(16).Call(h));
        h = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 384).Call(h);   // causal self-attention
        var model = new Model(tokens, new Dense(vocabulary.VocabularySize).Call(h));
        model.Compile(new Adam(3e-3f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0));
        var (x, y) = data.Sequences(split.Train);
        model.Fit(x, y, batchSize: 64, epochs: 10, validationData: data.Sequences(split.Validation));

        var sampler = new TokenSampler(temperature: 0.8f, topK: 10);    // also topP: nucleus sampling
        foreach (var name in TextGenerator.GenerateWords(model, data, 5, sampler))   // O(T) per character
            Console.WriteLine(name);
    }

    [Fact]
    public void LowerLevel()
    {
        var x = Tensor.RandomNormal(new Shape(4, 3));
        var w = Tensor.RandomNormal(new Shape(3, 2));
        w.RequiresGrad = true;
        var loss = Ops.Mean(Ops.Relu(Ops.MatMul(x, w)));
        loss.Backward();                    // w.Grad now holds ∂loss/∂w
        using (NoGrad.Scope()) { /* inference: nothing is recorded */ }

        Assert.Equal(new Shape(3, 2), w.Grad!.Shape);
    }
}
