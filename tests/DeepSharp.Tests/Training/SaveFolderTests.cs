using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Issue 13, item 4: every save into a folder that does not exist yet creates it (parents
/// included), as <c>--out</c> and ModelCheckpoint do, instead of failing on a hidden temporary file.
/// </summary>
public sealed class SaveFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A path two folders below the temporary folder; neither folder exists.</summary>
    private string NewNested(string name) => Path.Combine(_temp.Path, "a" + Guid.NewGuid().ToString("N")[..6], "b", name);

    private static Sequential Small()
    {
        var model = new Sequential(new Dense(3, inputShape: [4]), new Dense(2));
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        return model;
    }

    [Fact]
    public void SaveSaveWeightsAndExportOnnxCreateTheFolder()
    {
        var model = Small();
        string saved = NewNested("model.safetensors"), weights = NewNested("weights.safetensors"), onnx = NewNested("model.onnx");

        model.Save(saved);
        model.SaveWeights(weights);
        model.ExportOnnx(onnx);

        Assert.True(File.Exists(saved));
        Assert.True(File.Exists(weights));
        Assert.True(File.Exists(onnx));
        Assert.Equal(model.Layers[0].Parameters[0].Value.ToArray(), Model.Load(saved).Layers[0].Parameters[0].Value.ToArray());
    }

    [Fact]
    public void CheckpointSavesCreateTheFolder()
    {
        var model = Small();
        var x = Tensor.Ones(8, 4);
        var y = Tensor.Zeros(8, 2);
        string callbackPath = NewNested("ckpt-{epoch:02d}.safetensors");
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint(callbackPath)]);
        Assert.True(File.Exists(callbackPath.Replace("{epoch:02d}", "01")));

        var checkpoint = new Checkpoint { Optimizer = new OptimizerState { Optimizer = "SGD" }, Epoch = 1 };
        string direct = NewNested("ckpt.safetensors");
        checkpoint.Save(direct);
        Assert.True(File.Exists(direct));
    }

    [Fact]
    public void VocabularyAndHistorySavesCreateTheFolder()
    {
        string vocabulary = NewNested("vocab.json"), history = NewNested("history.json");
        CharVocabulary.Build(["abc"]).Save(vocabulary);
        new History().Save(history);
        Assert.True(File.Exists(vocabulary));
        Assert.True(File.Exists(history));
    }

    [Fact]
    public void AFileInThePlaceOfTheFolderStillFails()
    {
        string blocker = _temp.File("blocker");
        File.WriteAllText(blocker, "x");
        Assert.ThrowsAny<IOException>(() => Small().SaveWeights(Path.Combine(blocker, "w.safetensors")));
    }
}
