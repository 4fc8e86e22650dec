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
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(2);

    /// <summary>Each run of mutations must finish within this (about 10 s on an idle 2-core machine; the slack is for a shared one).</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(45);

    private static readonly string[] Numbers =
    [
        "0", "-1", "1", "7", "255", "2147483647", "2147483648", "4294967296", "-9223372036854775808",
        "9223372036854775807", "18446744073709551615", "18446744073709551616", "1e308", "1.5", "100000001", "99999999999999999999999",
    ];

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
        var original = File.ReadAllBytes(valid);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        string header = Encoding.UTF8.GetString(original, 8, headerLength);

        string path = folder.File("case.safetensors");
        Run("model file", ModelCases, seed: 20240501, original, random => Mutate(random, original, header, headerLength), bytes =>
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
        var original = File.ReadAllBytes(valid);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        string header = Encoding.UTF8.GetString(original, 8, headerLength);

        string path = folder.File("case.safetensors");
        Run("functional model file", ModelCases / 2, seed: 20261128, original, random => Mutate(random, original, header, headerLength), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            if (Model.Load(path) is Functional loaded && loaded.Inputs.Count == 2)
                loaded.Call([Tensor.Zeros(1, 6), Tensor.Zeros(1, 3)]);
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
            Run(name, IdxCases / 3, seed: 7 + original.Length, original, random => MutateBytes(random, original), bytes =>
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
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        string header = Encoding.UTF8.GetString(original, 8, headerLength);

        using var caseFolder = new TempFolder();
        string path = Path.Combine(caseFolder.Path, BackupAndRestore.LatestFileName);
        Run("checkpoint", CheckpointCases, seed: 777, original, random =>
        {
            var bytes = Mutate(random, original, header, headerLength);
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
            CheckpointChecksum.Sign(file);
            return file.ToBytes();
        }
        catch (DeepSharpException)
        {
            return bytes;
        }
    }

    private void Run(string what, int cases, int seed, byte[] original, Func<Random, byte[]> mutate, Action<byte[]> read)
    {
        var random = new Random(seed);
        var failures = new List<string>();
        int rejected = 0, accepted = 0;
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var bytes = mutate(random);
            var clock = Stopwatch.StartNew();
            try
            {
                read(bytes);
                accepted++;
            }
            catch (DeepSharpException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                if (failures.Count < 10) failures.Add($"case {i}: {e.GetType().Name}: {e.Message}");
                else failures.Add("");
            }
            if (clock.Elapsed > slowest) slowest = clock.Elapsed;
            if (clock.Elapsed > CaseLimit) failures.Add($"case {i} took {clock.Elapsed.TotalSeconds:F1}s");
        }
        output.WriteLine($"{what}: {cases} mutations of a {original.Length}-byte file in {total.Elapsed.TotalSeconds:F2}s " +
            $"(slowest case {slowest.TotalMilliseconds:F0} ms): {rejected} rejected with DeepSharp exceptions, {accepted} still valid, {failures.Count} failures.");
        Assert.True(total.Elapsed < RunLimit, $"{what}: {cases} cases took {total.Elapsed.TotalSeconds:F1}s, over {RunLimit.TotalSeconds}s.");
        Assert.True(failures.Count == 0, $"{what}: {failures.Count} cases threw other exceptions:\n" + string.Join("\n", failures.Where(f => f.Length > 0)));
        Assert.True(rejected > cases / 2, $"{what}: only {rejected} of {cases} mutations were rejected; the mutator is too gentle.");
    }

    private static byte[] Mutate(Random random, byte[] original, string header, int headerLength)
    {
        switch (random.Next(4))
        {
            case 0: return MutateBytes(random, original);
            case 1: // a new header length
                {
                    var bytes = (byte[])original.Clone();
                    ulong[] lengths = [0, 1, 2, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)original.Length, 100_000_000, 100_000_001, ulong.MaxValue, 1UL << 63, (ulong)random.NextInt64()];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengths[random.Next(lengths.Length)]);
                    return bytes;
                }
            default: // edit the JSON: numbers (shapes, offsets, config values), dtypes, structure
                {
                    string edited = EditJson(random, header);
                    bool keepLength = random.Next(4) != 0;
                    var json = Encoding.UTF8.GetBytes(edited);
                    var bytes = new byte[8 + json.Length + original.Length - 8 - headerLength];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, keepLength ? (ulong)json.Length : (ulong)headerLength);
                    json.CopyTo(bytes, 8);
                    original.AsSpan(8 + headerLength).CopyTo(bytes.AsSpan(8 + json.Length));
                    return bytes;
                }
        }
    }

    private static string EditJson(Random random, string header)
    {
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(5))
            {
                case 0:
                case 1:
                    {
                        var numbers = Regex.Matches(header, "-?[0-9]+");
                        var m = numbers[random.Next(numbers.Count)];
                        header = header[..m.Index] + Numbers[random.Next(Numbers.Length)] + header[(m.Index + m.Length)..];
                        break;
                    }
                case 2:
                    {
                        string[] from = ["F32", "\"shape\"", "\"data_offsets\"", "[", "]", "\\\"", "null", "Dense", "__metadata__", ","];
                        string[] to = ["F64", "I32", "BOOL", "\"x\"", "[[", "", "{}", "\"", "Conv2D", "0", "[]"];
                        string f = from[random.Next(from.Length)];
                        int at = header.IndexOf(f, random.Next(header.Length), StringComparison.Ordinal);
                        if (at >= 0) header = header[..at] + to[random.Next(to.Length)] + header[(at + f.Length)..];
                        break;
                    }
                case 3:
                    {
                        int at = random.Next(header.Length), length = random.Next(Math.Min(20, header.Length - at) + 1);
                        header = header.Remove(at, length);
                        break;
                    }
                default:
                    {
                        // a huge shape beside consistent offsets, or a duplicated tensor
                        var m = Regex.Match(header, "\"shape\":\\[[0-9,]*\\]");
                        if (m.Success) header = header[..m.Index] + "\"shape\":[" + string.Join(",", Enumerable.Repeat(Numbers[random.Next(Numbers.Length)], 1 + random.Next(4))) + "]" + header[(m.Index + m.Length)..];
                        break;
                    }
            }
        }
        return header;
    }

    private static byte[] MutateBytes(Random random, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0: // bit flips
                for (int k = 1 + random.Next(8); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // byte changes, biased towards the start where headers live
                {
                    byte[] values = [0, 0xFF, 0x7F, 0x80, (byte)'9', (byte)'-', (byte)'"', (byte)'{', (byte)'}'];
                    for (int k = 1 + random.Next(4); k > 0; k--)
                    {
                        int at = random.Next(2) == 0 ? random.Next(Math.Min(64, bytes.Length)) : random.Next(bytes.Length);
                        bytes[at] = random.Next(2) == 0 ? values[random.Next(values.Length)] : (byte)random.Next(256);
                    }
                    return bytes;
                }
            case 2: // truncation
                return bytes[..random.Next(bytes.Length)];
            default: // appended or inserted bytes
                {
                    var extra = new byte[1 + random.Next(16)];
                    random.NextBytes(extra);
                    int at = random.Next(bytes.Length + 1);
                    return [.. bytes[..at], .. extra, .. bytes[at..]];
                }
        }
    }
}
