using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Security;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// Seeded mutations of valid files (bit flips, byte changes, header-length changes, truncations,
/// JSON edits with huge, negative and overflowing numbers): the readers may only throw DeepSharp's
/// typed exceptions, never another type, OutOfMemoryException or a hang.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int ModelCases = 3000;
    private const int IdxCases = 3000;
    private const int CheckpointCases = 2000;
    private const int RecurrentCases = 1000;

    private readonly FuzzHarness harness = new(output);

    [Fact(Timeout = 120_000)]
    public async Task ModelFileMutations() => await Task.Run(() =>
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(
            new Conv2D(2, 3, activation: Activation.Relu, inputShape: [6, 6, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dropout(0.25f), new Dense(3, Activation.Softmax));
        using var folder = new TempFolder();
        string valid = folder.File("valid.safetensors");
        model.Save(valid);
        var original = FuzzHarness.Unsigned(File.ReadAllBytes(valid));

        string path = folder.File("case.safetensors");
        harness.Run("model file", ModelCases, seed: 20240501, random => FuzzHarness.MutateSafetensors(random, original), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            var loaded = Model.Load(path);
            loaded.Predict(Tensor.Zeros(1, 6, 6, 1));
            SafetensorsFile.Parse(bytes, "memory");
        });
    });

    [Fact(Timeout = 120_000)]
    public async Task FunctionalModelFileMutations() => await Task.Run(() =>
    {
        RandomGenerator.SetGlobalSeed(4);
        var a = Model.Input([6], name: "a");
        var b = Model.Input([3], name: "b");
        var h = new Dense(4, Activation.Relu).Call(a);
        var sum = new Add().Call(h, new Dense(4).Call(new BatchNormalization().Call(h)));
        var output = new Dense(2, Activation.Softmax).Call(new Concatenate().Call(sum, b));
        var model = new Functional([a, b], [output]);
        using var folder = new TempFolder();
        string valid = folder.File("valid.safetensors");
        model.Save(valid);
        var original = FuzzHarness.Unsigned(File.ReadAllBytes(valid));

        string path = folder.File("case.safetensors");
        harness.Run("functional model file", ModelCases / 2, seed: 20261128, random => FuzzHarness.MutateSafetensors(random, original), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            if (Model.Load(path) is Functional loaded && loaded.Inputs.Count == 2)
                loaded.Call([Tensor.Zeros(1, 6), Tensor.Zeros(1, 3)]);
        });
    });

    /// <summary>
    /// A model file of the recurrent layers added last: a ConvLSTM2D, then an RNN over StackedRNNCells (LSTMCell, GRUCell)
    /// and an RNN over a SimpleRNNCell, so mutations reach nested cell configs and the convolutional LSTM's geometry.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task RecurrentModelFileMutations() => await Task.Run(() =>
    {
        RandomGenerator.SetGlobalSeed(6);
        var model = new Sequential(
            new ConvLstm2D(2, (2, 2), padding: Padding.Same, returnSequences: true, inputShape: [3, 4, 4, 1]), new Reshape([3, 32]),
            new Rnn([new LstmCell(3), new GruCell(2)], returnSequences: true), new Rnn(new SimpleRnnCell(2)), new Dense(2));
        using var folder = new TempFolder();
        string valid = folder.File("valid.safetensors");
        model.Save(valid);
        var original = FuzzHarness.Unsigned(File.ReadAllBytes(valid));

        string path = folder.File("case.safetensors");
        harness.Run("recurrent model file", RecurrentCases, seed: 20261207, random => FuzzHarness.MutateSafetensors(random, original), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            Model.Load(path).Predict(Tensor.Zeros(1, 3, 4, 4, 1));
        });
    });

    [Fact(Timeout = 120_000)]
    public async Task IdxFileMutations() => await Task.Run(() =>
    {
        using var folder = new TempFolder();
        var images = IdxFiles.Images(3, 5, 4);
        var labels = IdxFiles.Labels(1, 2, 3, 4);
        var gzipped = IdxFiles.Gzip(images);
        string path = folder.File("case-idx");
        foreach (var (name, original, isLabels) in new[] { ("idx images", images, false), ("idx labels", labels, true), ("gzipped idx", gzipped, false) })
        {
            harness.Run(name, IdxCases / 3, seed: 7 + original.Length, random => FuzzHarness.MutateBytes(random, original), bytes =>
            {
                File.WriteAllBytes(path, bytes);
                if (isLabels) IdxReader.ReadLabels(path);
                else IdxReader.ReadImages(path);
            });
        }
    });

    /// <summary>
    /// A mid-epoch checkpoint, mutated, then restored by BackupAndRestore at the start of Fit. Half the
    /// cases are re-signed (their checksum recomputed whenever the mutated file still parses), so the
    /// checks behind the checksum are fuzzed too.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task CheckpointMutations() => await Task.Run(() =>
    {
        using var folder = new TempFolder();
        var (model, x, y) = CheckpointSetup();
        // 5 steps per epoch: a checkpoint after step 3, then one at the epoch's end; the mid-epoch one is kept as "previous".
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(folder.Path, 3, deleteCheckpoint: false)]);
        var original = File.ReadAllBytes(Path.Combine(folder.Path, BackupAndRestore.PreviousFileName));

        using var caseFolder = new TempFolder();
        string path = Path.Combine(caseFolder.Path, BackupAndRestore.LatestFileName);
        harness.Run("checkpoint", CheckpointCases, seed: 777, random =>
        {
            var bytes = FuzzHarness.MutateSafetensors(random, original);
            return random.Next(2) == 0 ? Resign(bytes) : bytes;
        }, bytes =>
        {
            Checkpoint.Parse(bytes, "memory");
            File.WriteAllBytes(path, bytes);
            var (fresh, fx, fy) = CheckpointSetup();
            fresh.Fit(fx, fy, batchSize: 4, epochs: 2, verbose: 0,
                callbacks: [new BackupAndRestore(caseFolder.Path, deleteCheckpoint: false), new LambdaCallback { TrainBegin = () => fresh.StopTraining = true }]);
        });
    });

    private static (Sequential Model, Tensor X, Tensor Y) CheckpointSetup()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Dense(3, Activation.Relu, inputShape: [4]), new Dropout(0.2f), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        var x = Tensor.RandomUniform(new Shape(20, 4), 0f, 1f, new RandomGenerator(1));
        var labels = new int[20];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 2;
        return (model, x, DataUtils.ToCategorical(Tensor.FromArray(labels, 20), 2));
    }

    private static byte[] Resign(byte[] bytes)
    {
        try
        {
            var file = SafetensorsFile.Parse(bytes, "memory");
            FileChecksum.Sign(file);
            return file.ToBytes();
        }
        catch (DeepSharpException)
        {
            return bytes;
        }
    }
}
