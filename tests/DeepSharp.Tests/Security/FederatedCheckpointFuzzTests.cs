using DeepSharp.Federated;
using DeepSharp.Serialization;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Federated checkpoints (docs/federated.md, "Checkpoints"): mutated files — half of them re-signed, so the
/// checks behind the checksum are reached — load or are refused with a <see cref="DeepSharpException"/>
/// within the fuzz limits.
/// </summary>
public sealed class FederatedCheckpointFuzzTests(ITestOutputHelper output)
{
    private readonly FuzzHarness _harness = new(output);

    private static byte[] Valid()
    {
        using var folder = new TempFolder();
        string path = folder.File("federated.safetensors");
        var random = new Random(7);
        float[] Weights(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)random.NextDouble())];
        new FederatedCheckpoint
        {
            Round = 3,
            FitStartRound = 1,
            Global = Weights(24),
            ServerM = Weights(24),
            ServerV = Weights(24),
            History =
            [
                new FederatedRound(2, [0, 3, 5], 120, 0.7, 0.6, 0.8, 4096, 4096, 0.25, 3.5, 1),
                new FederatedRound(3, [1, 2], 80, double.NaN, null, null, 2048, 2048, double.PositiveInfinity),
            ],
            Settings = new(StringComparer.Ordinal) { ["clients"] = "6", ["optimizer"] = "adam lr 0.01", ["seed"] = "42" },
        }.Save(path);
        return File.ReadAllBytes(path);
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

    [Fact(Timeout = 120_000)]
    public async Task MutatedCheckpointsLoadOrAreRefused() => await Task.Run(() =>
    {
        var original = Valid();
        using var folder = new TempFolder();
        string path = folder.File("case.safetensors");
        _harness.Run("federated checkpoint", 1500, seed: 2001, random =>
        {
            var bytes = FuzzHarness.MutateSafetensors(random, original);
            return random.Next(2) == 0 ? Resign(bytes) : bytes;
        }, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            var checkpoint = FederatedCheckpoint.Load(path);
            Assert.Equal(checkpoint.Round, checkpoint.FitStartRound + checkpoint.History.Count);
        });
    });

    /// <summary>
    /// Finding (hostile2): NaN or infinite global weights, and a negative FedAdam second moment, loaded and
    /// resumed; the first round then failed as if a client had diverged (FederatedDivergenceException naming
    /// a client and the learning rate). A run never saves such values: they are refused where the file is read.
    /// </summary>
    [Theory]
    [InlineData("global", float.NaN)]
    [InlineData("global", float.PositiveInfinity)]
    [InlineData("server/m", float.NegativeInfinity)]
    [InlineData("server/v", -1f)]
    public void NonFiniteWeightsAreRefused(string tensor, float value)
    {
        using var folder = new TempFolder();
        string path = folder.File("hostile.safetensors");
        var file = SafetensorsFile.Parse(Valid(), "memory");
        var values = new float[24];
        values[5] = value;
        file.Add(tensor, DeepSharp.Tensors.Tensor.FromArray(values, 24));
        FileChecksum.Sign(file); // a checkpoint must carry one; a hostile file can carry a valid one
        File.WriteAllBytes(path, file.ToBytes());
        var e = Assert.Throws<DataFormatException>(() => FederatedCheckpoint.Load(path));
        Assert.Contains($"'{tensor}' holds {value} at 5", e.Message);
        Assert.Contains("hostile.safetensors", e.Message);
    }
}
